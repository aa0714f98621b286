"""`posture batch ...`: many recordings at once, with progress, resumable, locally or on Ray."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posture import settings
from posture.limits import terminal_lines, terminal_safe
from posture.pose import MODELS


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


def at_least_one(text: str) -> int:
    """An argument that counts something (frames, processes): a whole number, 1 or more."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of 1 or more")
    return value


MAX_WORKERS = 256       # processes: more than any machine this runs on has cores for


def process_count(text: str) -> int:
    """--workers: a whole number of processes, 1 to MAX_WORKERS."""
    value = at_least_one(text)
    if value > MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"'{text}' processes is more than this tool starts (at most {MAX_WORKERS})")
    return value


def cmd_batch(args: argparse.Namespace) -> int:
    """Run the batch and print its summary; 1 when any job failed or the results could not be written."""
    from posture.batch import Settings, collect_jobs, run_batch
    from posture.calibration import load_profile
    from posture.errors import PostureError

    jobs = collect_jobs(args.inputs, args.test)
    if not jobs:
        raise PostureError("No videos were found in the given files, folders, patterns or manifests.")
    profile = load_profile(args.profile, args.calibration_dir) if args.profile else None
    overall, progress, close = _bars(args.quiet, len(jobs))
    try:
        settings = Settings(args.stride, args.height_cm, profile, args.model, args.angles)
        summary = run_batch(jobs, args.out, settings, args.workers, args.ray,
                            on_record=(lambda r: overall.update(1)) if overall else None, on_progress=progress,
                            db=args.db)
    finally:
        close()
    print(terminal_lines(summary.text()))
    if not summary.table_error:
        print(terminal_safe(f"Results: {args.out / 'results.csv'} and results.parquet; landmarks in "
                            f"{args.out / 'landmarks'}"
                            + (f"; angles over time in {args.out / 'angles'} (not a clinical result)" if args.angles
                               else "")))
    if args.db:
        before = f" ({summary.stored_before} stored before)" if summary.stored_before else ""
        print(f"Stored {summary.stored} new tests in the database{before}.")
    if summary.table_error:
        print(f"error: {terminal_safe(summary.table_error)}", file=sys.stderr)
    return 0 if summary.ok else 1


def add_parser(sub) -> None:
    from posture.measures.registry import AUTO
    from posture.measures import TESTS

    b = sub.add_parser("batch", help="analyse many videos: files, folders, globs or a CSV manifest",
                       description="Analyse many videos; re-using --out resumes the batch (each manifest row once).",
                       epilog="Exit code: 0 when every video is done (now or before), 1 when any failed or the "
                              "results could not be written, 2 for a wrong argument.")
    b.add_argument("inputs", nargs="+", help="videos, folders, glob patterns, or a CSV manifest "
                   "(columns: video, client, session, test)")
    b.add_argument("--out", type=Path, required=True, help="output folder (re-using it resumes the batch)")
    b.add_argument("--test", default=AUTO, choices=[AUTO, *TESTS], help="test for videos the manifest "
                   "does not name (default: recognise it)")
    b.add_argument("--workers", type=process_count, help="processes on this machine (default: one per core)")
    b.add_argument("--ray", metavar="ADDRESS", help="run on a Ray cluster: its address, 'auto', or 'local'")
    b.add_argument("--stride", type=at_least_one, default=1, help="analyse every k-th frame, k >= 1 (faster, "
                   "see docs/speed.md)")
    b.add_argument("--model", choices=list(MODELS), default="full", help="BlazePose landmark model")
    b.add_argument("--height-cm", type=float, help="one standing height for every subject, for distances")
    b.add_argument("--profile", help="camera profile name or .json file, when every video comes from that camera")
    settings.add_calibration_dir(b)
    b.add_argument("--db", help="also store videos with a client as sessions, once per manifest row "
                   "(database file or URL)")
    b.add_argument("--angles", action="store_true", help="also write each recording's per-frame angles to "
                   "OUT/angles/ (for research, not a clinical result: see `posture angles`)")
    b.add_argument("--quiet", action="store_true", help="no progress bars")
    b.set_defaults(func=cmd_batch)
