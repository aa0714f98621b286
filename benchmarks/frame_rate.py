"""What a low frame rate costs: the sweep's clips rendered at 30 fps, tracked at 30, 15, 10, 7.5, 6 and 5 fps.

Each clip of the accuracy sweep (benchmarks/accuracy.py: 4 bodies, 3 camera
set-ups, every test) is rendered once at 30 frames a second; a recording at
15, 10, 7.5, 6 or 5 fps is every 2nd, 3rd, 4th, 5th or 6th of its frames, tracked on its own (the pose model's tracker sees only
those frames, as it would a slower camera's). Every landmark series is kept
(--keep), so that the analysis can be judged again without tracking
(--reuse). Prints, per frame rate and measurement, the error against the
renderer's truth (MAE, max, bias), the refusals, and the share of shown
numbers outside their stated +/-: the evidence for the frame-rate rule in
docs/measurements.md.

    python benchmarks/frame_rate.py [--keep DIR] [--reuse] [--json OUT] [--no-floor]

--no-floor measures every rate as if there were no frame-rate rule (clock.MIN_MOVEMENT_FPS), to see what the
rule is for.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from accuracy import render, sweep
from posture.analysis import analyse_landmarks
from posture.errors import PostureError
from posture.landmarks import LandmarkSeries
from posture.measures import AnalysisConfig, clock
from posture.pipeline import landmarks_from_video

RATES = {30: 1, 15: 2, 10: 3, 7.5: 4, 6: 5, 5: 6}      # frames a second: every k-th frame of the 30-fps render
TESTS = ("forward-bend", "side-bend", "rotation", "posture-frontal", "posture-sagittal")


def tracked(video: Path, stride: int, folder: Path, reuse: bool) -> LandmarkSeries:
    """The clip's landmarks at one frame rate, tracked now or, with --reuse, as an earlier run kept them."""
    kept = folder / f"{video.stem}_every{stride}.npz"
    if reuse and kept.is_file():
        return LandmarkSeries.load(kept)
    series = landmarks_from_video(video, stride=stride, workers=1)
    series.save(kept)
    return series


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, help="keep the renders and landmark series in this folder")
    ap.add_argument("--reuse", action="store_true", help="with --keep: take what an earlier run kept")
    ap.add_argument("--json", type=Path, help="write every figure to this JSON file")
    ap.add_argument("--no-floor", action="store_true", help="measure below the frame-rate rule's floor too")
    args = ap.parse_args()
    if args.no_floor:
        clock.MIN_MOVEMENT_FPS = 0.0
    folder = args.keep or Path(tempfile.mkdtemp(prefix="posture-frame-rate-"))
    started = time.time()
    errors: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    outside: dict[int, list[bool]] = defaultdict(list)
    refused: dict[int, list[str]] = defaultdict(list)
    rows = []
    for spec in [replace(s, fps=30.0, name=f"{s.name}_30fps") for s in sweep(False) if s.test in TESTS]:
        video = render(spec, folder, args.reuse)
        truth = json.loads(video.with_suffix(".json").read_text())["expected"]
        config = AnalysisConfig(roll_deg=spec.roll_deg, calibrated=bool(spec.roll_deg))
        for fps, stride in RATES.items():
            series = tracked(video, stride, folder, args.reuse)
            try:
                result = analyse_landmarks(series, spec.test, config, height_cm=spec.shape.height * 100).result
            except PostureError as e:
                refused[fps].append(f"{spec.name}: {e}")
                rows.append({"clip": spec.name, "fps": fps, "refused": str(e)})
                continue
            shown = {m.name: m for m in result.measurements if m.value is not None and m.name in truth}
            for name, m in shown.items():
                error = m.value - truth[name]
                errors[fps][name].append(error)
                if m.uncertainty is not None:
                    outside[fps].append(abs(error) > m.uncertainty)
            rows.append({"clip": spec.name, "fps": fps, "errors": {n: shown[n].value - truth[n] for n in shown},
                         "notes": list(result.notes)})
        print(f"{spec.name}: done ({time.time() - started:.0f} s)", flush=True)
    print(f"\n{time.strftime('%Y-%m-%d')}, {len(rows) // len(RATES)} clips, {time.time() - started:.0f} s\n")
    print("| fps | measurement | numbers | MAE | max error | bias |\n| --- | --- | --- | --- | --- | --- |")
    for fps in RATES:
        for name, e in sorted(errors[fps].items()):
            print(f"| {fps} | {name} | {len(e)} | {statistics.fmean(map(abs, e)):.1f} | {max(map(abs, e)):.1f} | "
                  f"{statistics.fmean(e):+.1f} |")
    print("\n| fps | refused | shown numbers outside their +/- |\n| --- | --- | --- |")
    for fps in RATES:
        print(f"| {fps} | {len(refused[fps])} | {sum(outside[fps])} of {len(outside[fps])} |")
    for fps in RATES:
        for line in refused[fps]:
            print(f"refused at {fps} fps: {line}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
