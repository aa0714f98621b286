"""A batch's jobs: found in files, folders, patterns and manifests, each with its keys, and the settings they share."""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from posture import limits
from posture.measures.registry import AUTO
from posture.errors import PostureError
from posture.limits import terminal_safe

if TYPE_CHECKING:
    from posture.calibration import CameraProfile

VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v"}


@dataclass(frozen=True)
class Job:
    """One video to analyse; client and session come from a manifest when there is one."""

    video: str
    test: str = AUTO
    client: str = ""
    session: str = ""

    def label(self) -> str:
        """The job as the summary names it: the video, and whose session it is when the manifest says."""
        who = ", ".join(x for x in (self.client, self.session) if x)
        return f"{self.video} ({who})" if who else self.video


@dataclass(frozen=True)
class Settings:
    """What every video of the batch is analysed with; a different setting makes a different job."""

    stride: int = 1                  # analyse every k-th frame
    height_cm: float | None = None
    profile: CameraProfile | None = None     # the camera's calibration, when all videos come from one
    model: str = "full"              # the BlazePose landmark model
    angles: bool = False             # also write each recording's angles over time (angles_over_time.py)

    def __post_init__(self) -> None:
        from posture.pose import check_model

        limits.stride(self.stride)
        check_model(self.model)

    def fields(self) -> dict:
        """What makes a job (named only when asked for, so that earlier batches' jobs keep their keys)."""
        return {"stride": self.stride, "height_cm": self.height_cm,
                "profile": asdict(self.profile) if self.profile else None, "model": self.model,
                **({"angles": True} if self.angles else {})}


@dataclass(frozen=True)
class Row:
    """A job with its recording's content hash and its keys."""

    job: Job
    sha: str
    key: str          # the job: its analysis, video path, client and session
    analysis: str     # what its analysis depends on: content, test, settings


# Finding the videos

def read_manifest(path: Path, test: str) -> list[Job]:
    """Jobs from a CSV with a `video` column and optional `client`, `session` and `test`, one per row."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:      # a spreadsheet's byte-order mark is no column
            table = [{(k or "").strip().lower(): v.strip() if isinstance(v, str) else "" for k, v in r.items()}
                     for r in csv.DictReader(f)]
    except UnicodeDecodeError as e:
        raise PostureError(f"{path.name} is not UTF-8 text: save the manifest as CSV (UTF-8) and try again.") from e
    if not table or "video" not in table[0]:
        raise PostureError(f"{path.name} is not a batch manifest: it needs a header row with a 'video' column "
                           "(and optionally client, session, test).")
    base = path.parent
    return [Job(str(base / r["video"]) if not Path(r["video"]).is_absolute() else r["video"],
                r.get("test") or test, r.get("client", ""), r.get("session", "")) for r in table]


def collect_jobs(inputs: Iterable[str], test: str = AUTO) -> list[Job]:
    """Jobs from files, folders (searched recursively), glob patterns and CSV manifests, in order.

    Each manifest row is a job of its own; a job named twice the same way (the same video, test, client and
    session, e.g. a file in a folder and a pattern) is one job.
    """
    jobs: list[Job] = []
    for item in inputs:
        path = Path(item)
        if path.suffix.lower() == ".csv" and path.is_file():
            jobs += read_manifest(path, test)
        elif path.is_dir():
            jobs += [Job(str(p), test) for p in sorted(path.rglob("*")) if p.suffix.lower() in VIDEO_SUFFIXES]
        elif any(c in item for c in "*?["):
            jobs += [Job(p, test) for p in sorted(glob.glob(item, recursive=True))]
        else:
            jobs.append(Job(item, test))      # a missing file fails on its own, with its reason
    return list(dict.fromkeys(jobs))


def content_hash(path: str | Path) -> str | None:
    """SHA-256 of the file's bytes, None when it cannot be read."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def _digest(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def analysis_key(sha: str, test: str, settings: Settings) -> str:
    """What an analysis depends on: the recording's content, the test asked for, and the settings."""
    return _digest({"sha256": sha, "test": test, **settings.fields()})


def job_key(job: Job, sha: str, settings: Settings) -> str:
    """A job's identity (its record's name, its session's batch_key): its analysis and the row's own fields.

    A re-run with other settings, or a manifest row whose client or session was corrected, is a new job.
    """
    return _digest({"analysis": analysis_key(sha, job.test, settings), "video": os.path.abspath(job.video),
                    "client": job.client, "session": job.session})


def label_problem(job: Job, engine) -> str:
    """Why a job's session could not be stored under its client and label in `engine` ('' when it can), said before
    any analysis."""
    from posture.store.models import SESSION_LABELS, Label
    from posture.store.records import storable_pseudonym

    label = job.session or Label.PRE
    if label not in SESSION_LABELS:
        return (f"'{terminal_safe(label[:40])}' in the manifest's session column is not a session label: use one of "
                f"{', '.join(SESSION_LABELS)}.")
    try:
        storable_pseudonym(engine, job.client or "unnamed")
    except PostureError as e:
        return f"The manifest's client column: {e}"
    return ""

