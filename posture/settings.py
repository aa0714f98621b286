"""Where posture keeps things, read from the environment in this one place: the app, the command line and the batch
all ask here, so they open the same database and see the same camera profiles.

| what             | variable                  | default (relative to the working folder) |
| ---------------- | ------------------------- | ---------------------------------------- |
| the database     | POSTURE_DB (path or URL)  | data/posture.db                          |
| camera profiles  | POSTURE_CALIBRATION_DIR   | calibration/                             |
| kept videos      | POSTURE_VIDEO_DIR         | data/videos/                             |
| the device path  | POSTURE_MIN_DEVICE_FPS    | 12 (frames a second the browser's model must keep up) |
| set-up token     | (beside the database)     | <database file>.setup-token; data/posture.setup-token for a URL |

A command-line option (--db, --calibration-dir, --video-dir) wins over its variable. Uploads go to a private
folder in the system's temp folder (posture/privacy.py).
"""

from __future__ import annotations

import os
from pathlib import Path

DATABASE = "POSTURE_DB"
CALIBRATION_DIR = "POSTURE_CALIBRATION_DIR"
VIDEO_DIR = "POSTURE_VIDEO_DIR"
DEFAULT_DB = Path("data") / "posture.db"
DEFAULT_CALIBRATION_DIR = Path("calibration")
DEFAULT_VIDEO_DIR = Path("data") / "videos"
MIN_DEVICE_FPS = "POSTURE_MIN_DEVICE_FPS"
# Below 12 frames a second the guided check's filters and hold times lose frames they need (validated on 15 fps
# recordings): a therapist's device that slow is moved to the server's path, a patient's told to use another.
DEFAULT_MIN_DEVICE_FPS = 12.0
DATABASE_HELP = f"database file or URL (default ${DATABASE} or {DEFAULT_DB})"


def database(given: str | Path | None = None) -> str:
    """The database to open: the one given, else $POSTURE_DB, else data/posture.db (a path or a URL)."""
    return str(given or os.environ.get(DATABASE) or DEFAULT_DB)


def calibration_dir(given: str | Path | None = None) -> Path:
    """The folder of camera profiles: the one given, else $POSTURE_CALIBRATION_DIR, else calibration/."""
    return Path(given or os.environ.get(CALIBRATION_DIR) or DEFAULT_CALIBRATION_DIR)


def add_calibration_dir(parser, flag: str = "--calibration-dir") -> None:
    """The option that names the folder of camera profiles, the same on every command that reads them."""
    parser.add_argument(flag, type=calibration_dir, default=calibration_dir(),
                        help=f"folder of camera profiles (default ${CALIBRATION_DIR} or {DEFAULT_CALIBRATION_DIR}/)")


def min_device_fps() -> float:
    """The frames a second a device's pose model must process for the check to run on it ($POSTURE_MIN_DEVICE_FPS)."""
    return float(os.environ.get(MIN_DEVICE_FPS) or DEFAULT_MIN_DEVICE_FPS)


def setup_token_file(given: str | Path | None = None) -> Path:
    """Where the server writes its one-time set-up token while no therapist account exists: beside the database
    file, or in data/ for a database server's URL."""
    target = database(given)
    if "://" in target:
        return DEFAULT_DB.with_suffix(".setup-token")
    path = Path(target).expanduser()
    return path.with_name(path.name + ".setup-token")


def video_dir(given: str | Path | None = None) -> Path:
    """Where a video is kept when the user asks to keep it: the one given, else $POSTURE_VIDEO_DIR, else
    data/videos/."""
    return Path(given or os.environ.get(VIDEO_DIR) or DEFAULT_VIDEO_DIR)
