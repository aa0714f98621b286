"""The +/- of the per-frame angles (`posture angles`), fitted on half the sweep's bodies and judged on the other half.

Every frame of the accuracy sweep's clips (benchmarks/accuracy.py: 4 bodies, 3
camera set-ups, every test, the renderer's per-frame truth in each clip's
sidecar) is compared with the angles `posture angles` writes. Each column's
+/- is the largest absolute error over the frames of two bodies (a woman 155
cm heavy, a man 176 cm average: one of each, one heavy), rounded up to 0.5
degree, as every clinical +/- is set; the judged figures are those of the
other two bodies (a woman 168 cm slim, a man 190 cm heavy), which set
nothing. The 95th percentile is printed beside it. The +/- in posture/angles_over_time.py are this script's fitted
figures; the judged share within them is in docs/measurements.md.

    python benchmarks/angles.py [--keep DIR [--reuse]]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from accuracy import BODIES, render, sweep
from frame_rate import tracked
from posture.angles_over_time import COLUMNS, angles_over_time

FITTED_ON = tuple(BODIES)[::2]       # a woman 155 cm heavy and a man 176 cm average: one of each, one heavy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, help="keep the renders and landmark series in this folder")
    ap.add_argument("--reuse", action="store_true", help="with --keep: take what an earlier run kept")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="posture-angles-"))
    started = time.time()
    errors: dict[tuple[str, bool, str], list[float]] = defaultdict(list)      # (column, fitting?, camera)
    for spec in sweep(False):
        video = render(spec, folder, args.reuse)
        truth = json.loads(video.with_suffix(".json").read_text())["frames"]
        result = angles_over_time(tracked(video, 1, folder, args.reuse), spec.roll_deg)
        fitting = spec.about["body"] in FITTED_ON
        for column in COLUMNS:
            values = result.angles[column.name]
            true = np.array([f["truth"][column.name.removesuffix("_deg")] for f in truth])[:len(values)]
            seen = np.isfinite(values)
            errors[(column.name, fitting, spec.about["camera"])] += list(np.abs(values[seen] - true[seen]))
    print(f"{time.strftime('%Y-%m-%d')}, {time.time() - started:.0f} s; fitted on {', '.join(FITTED_ON)}; "
          "judged on the others\n")
    print("| angle | fitted: frames | 95th percentile | +/- | judged: frames | MAE | within +/- |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for column in COLUMNS:
        fit = [e for (name, fitting, _), v in errors.items() if name == column.name and fitting for e in v]
        judged = [e for (name, fitting, _), v in errors.items() if name == column.name and not fitting for e in v]
        if not fit or not judged:
            continue
        p95 = float(np.percentile(fit, 95))
        plus_minus = math.ceil(max(fit) * 2) / 2
        within = np.mean(np.array(judged) <= plus_minus)
        print(f"| {column.name} | {len(fit)} | {p95:.1f} | {plus_minus:g} | {len(judged)} | "
              f"{statistics.fmean(judged):.1f} | {within:.1%} |")
    print("\nJudged half by camera set-up (share within the fitted +/-):")
    for column in COLUMNS:
        fit = [e for (name, fitting, _), v in errors.items() if name == column.name and fitting for e in v]
        if not fit:
            continue
        plus_minus = math.ceil(max(fit) * 2) / 2
        cells = [f"{camera}: {np.mean(np.array(v) <= plus_minus):.0%} of {len(v)}"
                 for (name, fitting, camera), v in sorted(errors.items())
                 if name == column.name and not fitting and v]
        print(f"- {column.name}: {'; '.join(cells)}")


if __name__ == "__main__":
    main()
