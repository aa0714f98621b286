"""`posture batch ...`: many recordings at once, with progress, resumable, locally or on Ray."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _bars(quiet: bool, total: int):
    """An overall bar and per-video bars (tqdm on stderr), or nothing."""
    if quiet:
        return None, None, lambda: None
    from tqdm import tqdm

    overall = tqdm(total=total, unit="video", desc="batch", file=sys.stderr, position=0)
    per_video: dict[str, tqdm] = {}

    def progress(video: str, frames: int | None, of: int | None) -> None:
        bar = per_video.get(video)
        if frames is None:
            if bar is not None:
                per_video.pop(video).close()
            return
        if bar is None:
            bar = per_video[video] = tqdm(total=of, unit="frame", desc=Path(video).name, file=sys.stderr,
                                          leave=False, position=len(per_video) + 1)
        bar.update(frames - bar.n)

    def close() -> None:
        for bar in per_video.values():
            bar.close()
        overall.close()

    return overall, progress, close


def save_records(out: Path, db: str) -> int:
    """Store finished videos that name a client as sessions, once each (marked in their record)."""
    from posture.batch import _write_atomic, finished
    from posture.export import result_from_dict
    from posture.landmarks import LandmarkSeries
    from posture.store.db import open_database
    from posture.store.records import save_session

    engine, saved = open_database(db), 0
    for sha, record in finished(out).items():
        job = record["job"]
        if not job["client"] or record.get("saved_session"):
            continue
        series = LandmarkSeries.load(record["landmarks"])
        record["saved_session"] = save_session(engine, job["client"], job["session"] or "pre",
                                               [(result_from_dict(record["result"]), series)], source="batch")
        _write_atomic(out / "done" / f"{sha}.json", json.dumps(record, indent=1))
        saved += 1
    return saved


def cmd_batch(args: argparse.Namespace) -> int:
    from posture.batch import Settings, collect_jobs, run_batch
    from posture.calibration import load_profile
    from posture.errors import PostureError

    jobs = collect_jobs(args.inputs, args.test)
    if not jobs:
        raise PostureError("No videos were found in the given files, folders, patterns or manifests.")
    profile = load_profile(args.profile, args.calibration_dir) if args.profile else None
    overall, progress, close = _bars(args.quiet, len(jobs))
    try:
        summary = run_batch(jobs, args.out, Settings(args.stride, args.height_cm, profile), args.workers, args.ray,
                            on_record=(lambda r: overall.update(1)) if overall else None, on_progress=progress)
    finally:
        close()
    print(summary.text())
    print(f"Results: {args.out / 'results.csv'} and results.parquet; landmarks in {args.out / 'landmarks'}")
    if args.db:
        print(f"Stored {save_records(args.out, args.db)} new sessions in the database.")
    return 0


def add_parser(sub) -> None:
    from posture.measures import TESTS

    b = sub.add_parser("batch", help="analyse many videos: files, folders, globs or a CSV manifest")
    b.add_argument("inputs", nargs="+", help="videos, folders, glob patterns, or a CSV manifest "
                   "(columns: video, client, session, test)")
    b.add_argument("--out", type=Path, required=True, help="output folder (re-using it resumes the batch)")
    b.add_argument("--test", default="auto", choices=["auto", *TESTS], help="test for videos the manifest "
                   "does not name (default: recognise it)")
    b.add_argument("--workers", type=int, help="processes on this machine (default: one per core)")
    b.add_argument("--ray", metavar="ADDRESS", help="run on a Ray cluster: its address, 'auto', or 'local'")
    b.add_argument("--stride", type=int, default=1, help="analyse every k-th frame (faster, see the README)")
    b.add_argument("--height-cm", type=float, help="one standing height for every subject, for distances")
    b.add_argument("--profile", help="camera profile name or .json file, when every video comes from that camera")
    b.add_argument("--calibration-dir", type=Path, default=Path("calibration"), help="profile folder")
    b.add_argument("--db", help="also store videos with a client as sessions (database file or URL)")
    b.add_argument("--quiet", action="store_true", help="no progress bars")
    b.set_defaults(func=cmd_batch)
