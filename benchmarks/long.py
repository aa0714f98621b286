"""A long recording (10 minutes, 30 fps, 720p) analysed with the default settings: time and memory.

Makes the recordings once (H.264 through PyAV: forward_bend_side.mp4 played
again and again, each frame shown twice for 30 fps, scaled to 720 px high on a
1280x720 grey picture), then in one run:

- a bare MediaPipe loop (BlazePose full, video mode) over the 1-minute recording: the per-frame cost of
  decoding and the model alone, for the ratio;
- `posture analyze` on the 1-minute and the 10-minute recording, with the default settings (a long
  recording is tracked in parts, one per core), timed from the command's start to its exit, with the
  peak resident memory: the largest sum, at one moment, over the command and its worker processes,
  read from /proc every 0.2 s.

    python benchmarks/long.py [--minutes 1 10] [--keep DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np
import speed  # benchmarks/speed.py, beside this file

from posture.video import probe, read_frames

ROOT = Path(__file__).resolve().parent.parent
POSTURE = Path(sys.executable).parent / "posture"


def make_recording(minutes: float, path: Path) -> Path:
    """forward_bend_side.mp4 again and again for this long, at 30 fps and 1280x720, as H.264."""
    if path.exists():
        return path
    info = probe(ROOT / "sample_videos" / "forward_bend_side.mp4")
    frames = []
    for _, rgb in read_frames(info):
        canvas = np.full((720, 1280, 3), 110, np.uint8)
        w = round(rgb.shape[1] * 720 / rgb.shape[0])
        canvas[:, (1280 - w) // 2:(1280 + w) // 2] = cv2.resize(rgb, (w, 720), interpolation=cv2.INTER_LINEAR)
        frames.append(canvas)
    out = av.open(str(path), "w")
    stream = out.add_stream("libx264", rate=30)
    stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
    stream.options = {"preset": "veryfast", "crf": "23"}
    for k in range(int(minutes * 60 * 30)):
        for packet in stream.encode(av.VideoFrame.from_ndarray(frames[(k // 2) % len(frames)], format="rgb24")):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    return path


def _tree(pid: int) -> list[int]:
    """The process and every process it started, as /proc says now."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def analyse(video: Path) -> tuple[float, float, int, str]:
    """Seconds, peak resident memory (MB, summed over the command's processes), exit code, last line printed."""
    t0 = time.perf_counter()
    run = subprocess.Popen([str(POSTURE), "analyze", str(video), "--test", "forward-bend", "--height-cm", "170",
                            "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    while run.poll() is None:
        peak = max(peak, sum(_rss_kb(p) for p in _tree(run.pid)))
        time.sleep(0.2)
    seconds = time.perf_counter() - t0
    lines = [x for x in run.stdout.read().splitlines() if x.strip()]
    return seconds, peak / 1024, run.returncode, (lines[0] if run.returncode else lines[-1]) if lines else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[1, 10])
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the recordings in this folder")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="posture-long-"))
    folder.mkdir(parents=True, exist_ok=True)
    videos = {m: make_recording(m, folder / f"bend_{m:g}min_720p30.mp4") for m in args.minutes}
    shortest = videos[min(videos)]
    t0 = time.perf_counter()
    n = speed.bare_loop(shortest)
    bare_ms = 1000 * (time.perf_counter() - t0) / n
    print(f"{time.strftime('%Y-%m-%d')}: 1280x720, 30 fps, H.264; bare MediaPipe loop over {shortest.name}: "
          f"{bare_ms:.1f} ms/frame ({n} frames)")
    print("| recording | frames | seconds | vs bare loop (1 core) | peak memory (MB, all processes) | exit |")
    print("| --- | --- | --- | --- | --- | --- |")
    for minutes, video in videos.items():
        frames = int(minutes * 60 * 30)
        seconds, peak_mb, code, said = analyse(video)
        print(f"| {minutes:g} min | {frames} | {seconds:.0f} | {frames * bare_ms / 1000 / seconds:.2f} | "
              f"{peak_mb:.0f} | {code} |", flush=True)
        print(f"  ({said[:160]})", flush=True)


if __name__ == "__main__":
    main()
