"""Speed of the full pipeline against a bare MediaPipe loop over the same video.

Both sides decode the same file and run the same model; the pipeline adds
landmark conversion, the second-person check, filtering and the measurements.
Rounds alternate bare/pipeline so that machine noise hits both; the median
round is reported.

    python benchmarks/speed.py [VIDEO TEST] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import cv2
import mediapipe as mp

from posture.measures import analyse
from posture.pipeline import landmarks_from_video
from posture.pose import MODELS
from posture.video import probe

ROOT = Path(__file__).resolve().parent.parent


def bare_loop(path: Path, model: str = "full") -> int:
    """Decode every frame and run BlazePose on it, nothing else."""
    cap = cv2.VideoCapture(str(path))
    n = 0
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=MODELS[model], smooth_landmarks=False) as pose:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            n += 1
    cap.release()
    return n


def pipeline(path: Path, test: str, model: str = "full") -> int:
    series = landmarks_from_video(path, model=model)
    analyse(series, test)
    return len(series)


def timed(fn, *args) -> tuple[float, int]:
    t0 = time.perf_counter()
    n = fn(*args)
    return time.perf_counter() - t0, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video", nargs="?", type=Path, default=ROOT / "sample_videos" / "forward_bend_side.mp4")
    ap.add_argument("test", nargs="?", default="forward-bend")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--model", choices=list(MODELS), default="full", help="the BlazePose landmark model")
    args = ap.parse_args()
    info = probe(args.video)
    bare, full = [], []
    for _ in range(args.rounds):
        t, n = timed(bare_loop, args.video, args.model)
        bare.append(t / n)
        t, n = timed(pipeline, args.video, args.test, args.model)
        full.append(t / n)
    b, f = statistics.median(bare), statistics.median(full)
    print(f"{time.strftime('%Y-%m-%d')}, video: {args.video.name}, {info.width}x{info.height}, {n} frames, "
          f"test {args.test}, BlazePose {args.model}, {args.rounds} rounds")
    print(f"bare MediaPipe loop : {1000 * b:6.1f} ms/frame  {1 / b:5.1f} fps")
    print(f"full pipeline       : {1000 * f:6.1f} ms/frame  {1 / f:5.1f} fps")
    print(f"ratio pipeline/bare : {f / b:.3f}  (overhead {100 * (f / b - 1):+.1f}%)")


if __name__ == "__main__":
    main()
