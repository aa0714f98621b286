"""Accuracy of the real pipeline on a sweep of rendered videos with known angles.

Renders clips (angles, camera distance and height, body proportions, clothing),
runs MediaPipe and the measurements on each, and prints per measurement the
mean absolute error, max error, bias and the share of frames with a detection,
then the repeatability of one movement rendered with small variations.

    python benchmarks/accuracy.py [--quick] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from posture.errors import PostureError
from posture.measures import AnalysisConfig, analyse
from posture.pipeline import landmarks_from_video
from posture.synthetic.clips import ClipSpec, make_clip
from posture.synthetic.render import Outfit
from posture.synthetic.skeleton import Body, Pose

OUTFITS = [Outfit(), Outfit(shirt=(170, 60, 60), trousers=(60, 70, 110)),
           Outfit(shirt=(230, 230, 225), trousers=(40, 40, 45), skin=(150, 105, 80), hair=(20, 15, 10))]
BODIES = [Body(), Body(height=1.55, girth=1.15, hip_width=0.125), Body(height=1.88, girth=0.9, shoulder_width=0.23)]


def sweep(quick: bool) -> list[ClipSpec]:
    """A deterministic grid of clips covering every test and both views."""
    specs = []
    cams = [(2.6, 1.2), (3.0, 1.0), (2.4, 1.4)]
    for k, peak in enumerate([50.0, 75.0, 95.0]):
        d, h = cams[k % 3]
        specs.append(ClipSpec(f"bend{k}", "forward-bend", peak_deg=peak, trials=2, distance=d, camera_height=h,
                              body=BODIES[k % 3], outfit=OUTFITS[k % 3], side=("left", "right")[k % 2], seed=k))
    for k, peak in enumerate([15.0, 30.0]):
        d, h = cams[(k + 1) % 3]
        specs.append(ClipSpec(f"side{k}", "side-bend", peak_deg=peak, trials=2, distance=d, camera_height=h,
                              body=BODIES[(k + 1) % 3], outfit=OUTFITS[k % 3], seed=10 + k))
    for k, peak in enumerate([30.0, 45.0]):
        specs.append(ClipSpec(f"rot{k}", "rotation", peak_deg=peak, trials=2, body=BODIES[k % 3],
                              outfit=OUTFITS[(k + 2) % 3], seed=20 + k))
    for k, stance in enumerate([Pose(shoulder_tilt=5.0, pelvic_obliquity=3.0, head_tilt=-4.0),
                                Pose(shoulder_tilt=-3.0, pelvic_obliquity=-4.0, trunk_lateral=3.0)]):
        d, h = cams[k % 3]
        specs.append(ClipSpec(f"front{k}", "posture-frontal", stance=stance, distance=d, camera_height=h,
                              body=BODIES[(k + 2) % 3], outfit=OUTFITS[k % 3], seed=30 + k))
    for k, stance in enumerate([Pose(neck_forward=12.0), Pose(neck_forward=30.0, trunk_flexion=5.0)]):
        specs.append(ClipSpec(f"sag{k}", "posture-sagittal", stance=stance, body=BODIES[k % 3],
                              outfit=OUTFITS[(k + 1) % 3], side=("right", "left")[k % 2], seed=40 + k))
    return specs[::3] if quick else specs


def repeats(n: int = 3) -> list[ClipSpec]:
    """The same 70-degree forward bend with small changes of camera, body and noise."""
    base = ClipSpec("rep", "forward-bend", peak_deg=70.0, trials=1)
    return [replace(base, name=f"rep{k}", distance=2.6 + 0.05 * k, camera_height=1.2 - 0.04 * k,
                    body=replace(Body(), girth=1.0 + 0.04 * k), seed=50 + k) for k in range(n)]


def measure(spec: ClipSpec, folder: Path) -> tuple[dict, dict, float] | None:
    """(measured, expected, detected share) for one clip, or None when it was refused."""
    video = make_clip(spec, folder)
    truth = json.loads(video.with_suffix(".json").read_text())
    series = landmarks_from_video(video)
    try:
        result = analyse(series, spec.test, AnalysisConfig(cm_per_px=truth["cm_per_px"]))
    except PostureError as e:
        print(f"  {spec.name}: refused: {e}")
        return None
    got = {m.name: m.value for m in result.measurements}
    return got, truth["expected"], float(series.detected.mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a third of the sweep")
    ap.add_argument("--keep", type=Path, help="keep the rendered clips in this folder")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="posture-accuracy-"))
    errors: dict[str, list[float]] = defaultdict(list)
    detected: dict[str, list[float]] = defaultdict(list)
    for spec in sweep(args.quick):
        print(f"clip {spec.name} ({spec.test}) ...", flush=True)
        out = measure(spec, folder)
        if out is None:
            continue
        got, want, share = out
        for name, true in want.items():
            if got.get(name) is not None:
                errors[name].append(got[name] - true)
                detected[name].append(share)
    print("\n| measurement | clips | MAE | max error | bias | frames detected |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, e in sorted(errors.items()):
        mae = statistics.fmean(abs(x) for x in e)
        print(f"| {name} | {len(e)} | {mae:.1f} | {max(abs(x) for x in e):.1f} | {statistics.fmean(e):+.1f} | "
              f"{statistics.fmean(detected[name]):.0%} |")
    flex = [out[0]["trunk_flexion"] for spec in repeats() if (out := measure(spec, folder))]
    print(f"\nrepeatability: trunk flexion of one 70 deg bend rendered {len(flex)} ways: "
          f"{', '.join(f'{v:.1f}' for v in flex)}; spread (SD) {statistics.stdev(flex):.2f} deg")


if __name__ == "__main__":
    main()
