"""Batch throughput with 1 and 2 worker processes (and on Ray) against a bare MediaPipe loop; what --stride costs.

Part 1 runs the same set of videos several ways in one run: a bare MediaPipe
loop in this process, then `run_batch` with 1 and with 2 workers, and with
`--ray local` also on a Ray instance started on this machine (each in a fresh
output folder, so nothing is skipped). Throughput is frames per second of wall
time, start-up, content hashing and writing the results included. It prints
the batch's ratio to the bare loop, 2 workers against 1, Ray against the
process pool, and how many worker processes analysed the videos.

Part 2 analyses every bundled sample at stride 1, 2 and 3 and reports the
mean absolute error against the sidecar's expected values and the time taken.

    python benchmarks/batch.py [--copies N] [--model full|heavy] [--ray local] [--strides 1 2 3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import speed  # benchmarks/speed.py, beside this file

from posture.batch import Job, Settings, run_batch
from posture.pipeline import landmarks_from_video
from posture.measures import analyse
from posture.video import probe, read_frames, write_video

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"


def copies(video: Path, n: int, folder: Path) -> list[Path]:
    """n re-encoded copies of a video, each with one pixel changed so that its content hash differs."""
    info = probe(video)
    frames = [rgb for _, rgb in read_frames(info)]
    out = []
    for k in range(n):
        first = frames[0].copy()
        first[0, k] = 255 - first[0, k]
        out.append(folder / f"copy{k}.mp4")
        write_video(out[-1], [first, *frames[1:]], info.fps)
    return out


def bare_loop(videos: list[Path], model: str) -> tuple[float, int]:
    """speed.py's bare loop (a fresh tracker per video, as the batch has), over every video."""
    t0 = time.perf_counter()
    n = sum(speed.bare_loop(v, model) for v in videos)
    return time.perf_counter() - t0, n


def batch(videos: list[Path], folder: Path, model: str, workers: int = 1, ray: str | None = None) -> tuple[float, int]:
    """Seconds for the whole batch, and how many worker processes analysed its videos."""
    t0 = time.perf_counter()
    records = []
    summary = run_batch([Job(str(v), "forward-bend") for v in videos], folder, Settings(model=model),
                        workers=workers, ray_address=ray, on_record=records.append)
    assert len(summary.done) == len(videos), summary.text()
    return time.perf_counter() - t0, len({r["worker"] for r in records})


def stride_errors(stride: int) -> tuple[float, float, int]:
    """Mean absolute error over every expected value of every sample, seconds, values compared."""
    errors, t0 = [], time.perf_counter()
    for sidecar in sorted(SAMPLES.glob("*.json")):
        truth = json.loads(sidecar.read_text())
        series = landmarks_from_video(sidecar.with_suffix(".mp4"), stride=stride)
        result = analyse(series, truth["test"])
        for m in result.measurements:
            want = truth["expected"].get(m.name)
            if want is not None and m.value is not None and m.unit == "deg":
                errors.append(abs(m.value - want))
    return float(np.mean(errors)), time.perf_counter() - t0, len(errors)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=6, help="videos in the throughput batch")
    ap.add_argument("--model", choices=["full", "heavy"], default="full", help="the BlazePose landmark model")
    ap.add_argument("--ray", choices=["local"], help="also run the batch on a Ray instance on this machine")
    ap.add_argument("--strides", type=int, nargs="*", default=[1, 2, 3], help="none: skip part 2")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        videos = copies(SAMPLES / "forward_bend_side.mp4", args.copies, tmp)
        bare_s, frames = bare_loop(videos, args.model)
        runs = {"batch, 1 worker": batch(videos, tmp / "one", args.model, 1),
                "batch, 2 workers": batch(videos, tmp / "two", args.model, 2)}
        if args.ray:
            runs["batch on Ray (local, 2 CPUs)"] = batch(videos, tmp / "ray", args.model, ray=args.ray)
    print(f"{time.strftime('%Y-%m-%d')}: {len(videos)} videos of forward_bend_side.mp4 (480x640), {frames} frames "
          f"in all, BlazePose {args.model}")
    print("| run | seconds | frames/s | vs bare loop | worker processes |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| bare MediaPipe loop, 1 process | {bare_s:.1f} | {frames / bare_s:.1f} | 1.00 | - |")
    for name, (s, used) in runs.items():
        print(f"| {name} | {s:.1f} | {frames / s:.1f} | {bare_s / s:.2f} | {used} |")
    one, two = runs["batch, 1 worker"][0], runs["batch, 2 workers"][0]
    print(f"1 worker / bare loop: {bare_s / one:.2f}; 2 workers / 1 worker: {one / two:.2f}x")
    if args.ray:
        print(f"Ray / process pool (2 workers): {two / runs['batch on Ray (local, 2 CPUs)'][0]:.2f}")
    if not args.strides:
        return
    print()
    print("| stride | MAE vs sidecars (deg) | seconds for the 5 samples | values |")
    print("| --- | --- | --- | --- |")
    for k in args.strides:
        mae, s, n = stride_errors(k)
        print(f"| {k} | {mae:.2f} | {s:.1f} | {n} |")


if __name__ == "__main__":
    main()
