"""Batch throughput with 1 and 2 worker processes (and on Ray) against a bare MediaPipe loop; what --stride costs.

Part 1 runs the same set of videos several ways in one run, in rounds (this
machine's speed drifts by 5 to 10% from minute to minute, so the runs take
turns and the medians are reported): a bare MediaPipe loop in this process
(the official `Pose.process` API), two of them side by side in two processes
(each over half the videos: the ceiling two cores give MediaPipe), then
`run_batch` with 1 and with 2 workers, and with `--ray local` also on a Ray
instance started on this machine (each in a fresh output folder, so nothing
is skipped). Throughput is frames per second of wall time, start-up,
content hashing and writing the results included. It prints the batch's ratio
to the bare loop, 2 workers against 1 (per round and their medians), Ray
against the process pool, and how many worker processes analysed the videos.

Part 2 analyses every bundled sample at stride 1, 2 and 3 and reports the
mean absolute error against the sidecar's expected values and the time taken.

    python benchmarks/batch.py [--copies N] [--rounds R] [--model full|heavy] [--ray local] [--strides 1 2 3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np
import speed  # benchmarks/speed.py, beside this file

from posture.batch import Job, Settings, run_batch
from posture.pipeline import landmarks_from_video
from posture.measures import analyse
from posture.video import probe, read_frames, write_video

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
BARE = "bare MediaPipe loop, 1 process"
BARE_2 = "2 bare MediaPipe loops side by side"


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


def bare_frames(videos: list[Path], model: str) -> int:
    """speed.py's bare loop (a fresh tracker per video, as the batch has) over every video: frames."""
    return sum(speed.bare_loop(v, model) for v in videos)


def bare_frames_side_by_side(videos: list[Path], model: str) -> int:
    """Two bare loops at once, in two fresh processes, each over half the videos: what two cores give MediaPipe
    itself here, the ceiling for two workers (start-up of the processes included, as for the batch's)."""
    from posture.workers import process_pool

    with process_pool(2) as pool:
        return sum(pool.map(bare_frames, [videos[0::2], videos[1::2]], [model, model]))


def batch(videos: list[Path], folder: Path, model: str, workers: int | None = 1, ray: str | None = None
          ) -> tuple[float, int]:
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
    ap.add_argument("--copies", type=int, default=12, help="videos in the throughput batch")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of every run, alternating; medians reported")
    ap.add_argument("--model", choices=["full", "heavy"], default="full", help="the BlazePose landmark model")
    ap.add_argument("--ray", choices=["local"], help="also run the batch on a Ray instance on this machine")
    ap.add_argument("--strides", type=int, nargs="*", default=[1, 2, 3], help="none: skip part 2")
    args = ap.parse_args()
    seconds: dict[str, list[float]] = {}
    used: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        videos = copies(SAMPLES / "forward_bend_side.mp4", args.copies, tmp)
        for k in range(args.rounds):
            bare_s, frames = speed.timed(bare_frames, videos, args.model)
            seconds.setdefault(BARE, []).append(bare_s)
            seconds.setdefault(BARE_2, []).append(speed.timed(bare_frames_side_by_side, videos, args.model)[0])
            runs = {"batch, 1 worker": (1, None), "batch, 2 workers": (2, None)}
            if args.ray:
                runs["batch on Ray (local, 2 CPUs)"] = (None, args.ray)
            for n, (name, (workers, ray)) in enumerate(runs.items()):
                s, used[name] = batch(videos, tmp / f"{k}-{n}", args.model, workers, ray)
                seconds.setdefault(name, []).append(s)
    print(f"{time.strftime('%Y-%m-%d')}: {len(videos)} videos of forward_bend_side.mp4 (480x640, 15 fps), {frames} "
          f"frames in all, BlazePose {args.model}; {args.rounds} rounds, each run once per round in this order; "
          "medians")
    print("| run | seconds | frames/s | vs bare loop | worker processes |")
    print("| --- | --- | --- | --- | --- |")
    bare = median(seconds[BARE])
    for name, times in seconds.items():
        s = median(times)
        print(f"| {name} | {s:.1f} | {frames / s:.1f} | {bare / s:.2f} | {used.get(name, '-')} |")
    one, two = seconds["batch, 1 worker"], seconds["batch, 2 workers"]
    per_round = [(b / o, o / t) for b, o, t in zip(seconds[BARE], one, two)]
    print(f"1 worker / bare loop: {median([r[0] for r in per_round]):.2f} (rounds: "
          f"{', '.join(f'{r[0]:.2f}' for r in per_round)}); 2 workers / 1 worker: "
          f"{median([r[1] for r in per_round]):.2f}x (rounds: {', '.join(f'{r[1]:.2f}' for r in per_round)})")
    print(f"2 bare loops side by side / 1: {median(seconds[BARE]) / median(seconds[BARE_2]):.2f}x (the machine's "
          "ceiling for 2 workers)")
    if args.ray:
        print(f"Ray / process pool (2 workers): {median(two) / median(seconds['batch on Ray (local, 2 CPUs)']):.2f}")
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
