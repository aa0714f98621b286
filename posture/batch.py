"""Batch analysis of recorded videos: resumable, in parallel on this machine or on a Ray cluster.

Each finished video leaves a record in OUT/done/<sha256>.json (written whole
or not at all) and its landmarks in OUT/landmarks/; a re-run skips videos whose
content already has a record, so a batch killed halfway loses nothing and
repeats nothing. The results table is rebuilt from the records at the end.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import os
import tempfile
import time
from contextlib import nullcontext
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING

from posture.errors import PostureError
from posture.export import ROW_COLUMNS, rows, result_dict, result_from_dict

if TYPE_CHECKING:
    from posture.calibration import CameraProfile

VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v"}
# A failed video's reason is in `reason`, a measurement's own too (a withheld value).
TABLE_COLUMNS = ["video", "sha256", "client", "session", "test", "status", *ROW_COLUMNS, "detected_share",
                 "camera_angle_deg", "frames", "seconds"]


@dataclass(frozen=True)
class Job:
    """One video to analyse; client and session come from a manifest when there is one."""

    video: str
    test: str = "auto"
    client: str = ""
    session: str = ""


@dataclass(frozen=True)
class Settings:
    """What every video of the batch is analysed with."""

    stride: int = 1                  # analyse every k-th frame
    height_cm: float | None = None
    profile: CameraProfile | None = None     # the camera's calibration, when all videos come from one


@dataclass
class Summary:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        lines = [f"{len(self.done)} done, {len(self.skipped)} skipped (finished before), {len(self.failed)} failed"]
        lines += [f"  failed: {video}: {reason}" for video, reason in self.failed.items()]
        return "\n".join(lines)


# Finding the videos

def read_manifest(path: Path, test: str) -> list[Job]:
    """Jobs from a CSV with a `video` column and optional `client`, `session` and `test`."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or "video" not in rows[0]:
        raise PostureError(f"{path.name} is not a batch manifest: it needs a header row with a 'video' column "
                           "(and optionally client, session, test).")
    base = path.parent
    return [Job(str((base / r["video"]) if not Path(r["video"]).is_absolute() else r["video"]),
                r.get("test") or test, r.get("client") or "", r.get("session") or "") for r in rows]


def collect_jobs(inputs: Iterable[str], test: str = "auto") -> list[Job]:
    """Videos from files, folders (searched recursively), glob patterns and CSV manifests, in order, once each."""
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
    seen: set[str] = set()
    return [j for j in jobs if not (j.video in seen or seen.add(j.video))]


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


# One video (runs in a worker process or a Ray task)

def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def analyse_job(job: Job, sha: str, out: str, settings: Settings, progress=None) -> dict:
    """Analyse one video and leave its record and landmarks in `out`; the record.

    A bad video gives a failed record with its reason; it is not written to
    done/, so that a later run tries it again.
    """
    from posture.measures import analyse
    from posture.measures.recognise import recognise_test
    from posture.pipeline import landmarks_from_video
    from posture.prepare import prepare
    from posture.video import probe

    start = time.monotonic()
    record = {"job": asdict(job), "sha256": sha, "status": "failed", "reason": "", "result": None, "frames": 0}
    try:
        total = probe(job.video).frame_count
        count = [0]

        def tick() -> None:
            count[0] += 1
            if progress is not None and count[0] % 10 == 0:
                progress.put((job.video, count[0] * settings.stride, total))

        series, config = prepare(landmarks_from_video(job.video, on_frame=tick, stride=settings.stride),
                                 profile=settings.profile, height_cm=settings.height_cm)
        test = recognise_test(series) if job.test == "auto" else job.test
        result = analyse(series, test, config)
        landmarks = Path(out) / "landmarks" / f"{sha[:16]}.npz"
        series.save(landmarks)
        record.update(status="done", result=result_dict(result), frames=len(series), landmarks=str(landmarks))
    except PostureError as e:
        record["reason"] = str(e)
    except Exception as e:  # noqa: BLE001 - one broken video must not stop the batch
        record["reason"] = f"unexpected {e.__class__.__name__}: {e}"
    record["seconds"] = round(time.monotonic() - start, 2)
    if record["status"] == "done":
        _write_atomic(Path(out) / "done" / f"{sha}.json", json.dumps(record, indent=1))
    if progress is not None:
        progress.put((job.video, None, None))
    return record


# The batch

def finished(out: Path) -> dict[str, dict]:
    """Records of videos finished in earlier runs, by content hash."""
    return {p.stem: json.loads(p.read_text()) for p in (out / "done").glob("*.json")}


def _local(todo: list[tuple[Job, str]], out: Path, settings: Settings, workers: int,
           on_record: Callable[[dict], None], on_progress: Callable | None) -> None:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")       # a clean interpreter per worker: MediaPipe does not survive fork well
    # The progress queue needs a manager process of its own: started only when progress is shown.
    progress_manager = ctx.Manager() if on_progress else nullcontext()
    with progress_manager as manager, ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        queue = manager.Queue() if manager else None
        pending = {pool.submit(analyse_job, job, sha, str(out), settings, queue) for job, sha in todo}
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            while queue is not None and not queue.empty():
                on_progress(*queue.get())
            for f in done:
                on_record(f.result())


def _ray(todo: list[tuple[Job, str]], out: Path, settings: Settings, address: str,
         on_record: Callable[[dict], None]) -> None:
    try:
        import ray
    except ImportError as e:
        raise PostureError("Ray is not installed: pip install 'posture[ray]' (or run without --ray).") from e
    if not ray.is_initialized():
        ray.init(address=None if address == "local" else address, include_dashboard=False,
                 log_to_driver=False, **({"num_cpus": os.cpu_count()} if address == "local" else {}))
    task = ray.remote(num_cpus=1)(analyse_job)
    pending = [task.remote(job, sha, str(out), settings) for job, sha in todo]
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        on_record(ray.get(done[0]))


def run_batch(jobs: list[Job], out: str | Path, settings: Settings = Settings(), workers: int | None = None,
              ray_address: str | None = None, on_record: Callable[[dict], None] | None = None,
              on_progress: Callable | None = None) -> Summary:
    """Analyse every job not finished before; write results.csv and results.parquet; the summary."""
    out = Path(out)
    for sub in ("done", "landmarks"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    before = finished(out)
    summary, todo, queued = Summary(), [], set()
    hashes = {job.video: content_hash(job.video) for job in jobs}
    for job in jobs:
        sha = hashes[job.video]
        if sha is None:
            summary.failed[job.video] = "the file does not exist or cannot be read"
        elif sha in before:
            summary.skipped.append(job.video)
        elif sha not in queued:             # the same recording twice in one batch is analysed once
            queued.add(sha)
            todo.append((job, sha))

    def record_done(record: dict) -> None:
        video = record["job"]["video"]
        if record["status"] == "done":
            summary.done.append(video)
        else:
            summary.failed[video] = record["reason"]
        if on_record:
            on_record(record)

    if todo and ray_address:
        _ray(todo, out, settings, ray_address, record_done)
    elif todo:
        _local(todo, out, settings, workers or os.cpu_count() or 1, record_done, on_progress)
    write_table(out, jobs, summary, hashes)
    return summary


def table_rows(record: dict) -> list[dict]:
    """The results-table rows of one record: one per measurement, or one saying why it failed."""
    job = record["job"]
    base = {"video": job["video"], "sha256": record["sha256"], "client": job["client"], "session": job["session"],
            "status": record["status"], "reason": record["reason"], "frames": record["frames"],
            "seconds": record.get("seconds")}
    if not record["result"]:
        return [base | {"test": job["test"]}]
    result = result_from_dict(record["result"])
    return [base | {"test": result.test, "detected_share": result.detected_share,
                    "camera_angle_deg": result.camera_angle_deg} | row.as_csv()
            for row in rows(result)]


def write_table(out: Path, jobs: list[Job], summary: Summary, hashes: dict[str, str | None]) -> None:
    """results.csv and results.parquet: every finished video (this run or before) and this run's failures."""
    import pandas as pd

    records = list(finished(out).values())
    failed = [{"job": asdict(j), "sha256": hashes[j.video] or "", "status": "failed",
               "reason": summary.failed[j.video], "result": None, "frames": 0}
              for j in jobs if j.video in summary.failed]
    rows = [row for r in sorted(records, key=lambda r: r["job"]["video"]) + failed for row in table_rows(r)]
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    table.to_csv(out / "results.csv", index=False)
    table.to_parquet(out / "results.parquet", index=False)
