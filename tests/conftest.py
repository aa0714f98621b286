"""Shared fixtures: synthetic scenes built in code, sample videos on disk."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
ARTIFACTS = ROOT / "artifacts"      # screenshots and reports a test run leaves for people to look at

FPS = 30.0
NOISE_PX = 2.0   # MediaPipe-like jitter at ~370 px body height (about 0.5% of height)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def sample(name: str) -> tuple[Path, dict]:
    """A bundled sample video and its ground-truth sidecar."""
    video = SAMPLES / f"{name}.mp4"
    return video, json.loads(video.with_suffix(".json").read_text())


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the whole run (Debian's package; dev.sh installs it where it can)."""
    from pg import TempPostgres, server_bin

    bin_dir = server_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql), so its storage tests are skipped")
    server = TempPostgres(bin_dir).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh database per test: a real SQLite file, and a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clinic.db'}"
    return new_postgres_database(request.getfixturevalue("postgres"))


def new_postgres_database(server) -> str:
    """The URL of a new, empty database on the test run's PostgreSQL server."""
    import sqlalchemy as sa

    name = f"t{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.url(name)


def wait_for_app(url: str, log: Path, tries: int = 120, context: ssl.SSLContext | None = None) -> None:
    """Poll a starting Streamlit server's health check about once a second (over https with `context`, which
    trusts the test's own certificate); RuntimeError with its log's end if it never answers."""
    for _ in range(tries):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2, context=context).read() == b"ok":
                return
        except OSError:
            time.sleep(1)
    raise RuntimeError(f"the app did not start: {log.read_text()[-2000:]}")


def fill_to_the_last_byte(folder: Path) -> None:
    """A file in `folder` that grows until its file system is full."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    finally:
        os.close(fd)


@pytest.fixture
def small_disk(tmp_path):
    """A real 8 MB file system (tmpfs, mounted as root; the test is skipped elsewhere); yields (its folder, a function
    that fills it to the last byte, as a clinic's disk fills while the server runs)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("mounting a small file system needs root")

    yield disk, lambda: fill_to_the_last_byte(disk)
    subprocess.run(["umount", "-l", str(disk)], check=True)


def true_flexion(peak: float, body=None) -> float:
    """The trunk flexion built into `bend(peak)`: the hip-to-shoulder line also follows the shoulder girdle."""
    from posture.synthetic.scene import forward_bend_poses, truth
    from posture.synthetic.skeleton import Body

    poses, body = forward_bend_poses(peak, FPS), body or Body()
    return (truth(max(poses, key=lambda p: p.trunk_flexion), body)["trunk_inclination"]
            - truth(poses[0], body)["trunk_inclination"])


def bend_series(peak: float, seed: int = 0):
    """The landmarks of a forward bend with `peak` degrees of thorax flexion (3 repetitions) seen side-on, 1 px of
    noise drawn from `seed`: the recording most tests build on."""
    from posture.synthetic.camera import sagittal_camera
    from posture.synthetic.scene import forward_bend_poses, landmark_series

    return landmark_series(forward_bend_poses(peak, FPS), sagittal_camera(), FPS, noise_px=1.0,
                           rng=np.random.default_rng(seed))


def bend(peak: float, seed: int = 0):
    """That forward bend analysed: (its result, its landmarks), as exact landmarks (no pose model's bias taken off)."""
    from posture.measures import AnalysisConfig, analyse

    series = bend_series(peak, seed)
    return analyse(series, "forward-bend", AnalysisConfig(blazepose=False)), series


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """`posture ARGV` in this process: (exit code, standard output, standard error)."""
    from posture.cli import main

    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_sentence(err: str) -> str:
    """The refusal a command printed on standard error: one line, 'error: ...', no traceback; its sentence."""
    assert "Traceback" not in err and err.startswith("error: ") and err.count("\n") == 1, err
    return err.removeprefix("error: ").strip()


# The browser tests check that the device path works, not how fast: this machine's headless Chromium may run the
# model slower than a clinic's devices (12 to 30 frames a second here, docs/speed.md), and below the app's threshold
# it would move the check to the server's path. The app's own threshold is a setting (posture/settings.py).
DEVICE_PATH_ANY_SPEED = {"POSTURE_MIN_DEVICE_FPS": "1"}

# The therapist's account for the browser tests (made in the database before the server starts, as at a clinic
# after its first start), and logging in as a person would.
THERAPIST, PASSWORD = "E2E", "a long enough password"
LINKS = {"": "Start", "visit": "Visit", "live": "Live assessment", "analyse": "Analyse a video",
         "clients": "Clients and history", "compare": "Compare", "calibration": "Calibration"}


def therapist_account(database: Path) -> None:
    from posture.store.access import set_password
    from posture.store.db import open_database

    set_password(open_database(database), THERAPIST, PASSWORD)


def log_in(page, url: str, path: str = "") -> None:
    """Open the app, log in as the therapist, then go to the page at `path` by its link (a new address is a new
    session, which would ask again)."""
    page.goto(url)
    page.get_by_label("Name", exact=True).fill(THERAPIST)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for(timeout=60_000)
    if path:
        page.get_by_role("link", name=LINKS[path]).click()
        page.wait_for_timeout(1_500)
