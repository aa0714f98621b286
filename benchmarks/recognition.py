"""How well the tool recognises the test ("Recognise the test automatically"): a confusion matrix on the realistic
renders, per half (benchmarks/held_out.py: the thresholds in posture/measures/recognise.py were set on the fitting
half and are judged on the held-out half).

Each clip counts at 30, 15 and 10 frames a second. A column per test recognised and sure of it, and "asks" for a
recognition the tool was not sure of (the app asks the user to choose; the command line and the batch refuse).

    python benchmarks/recognition.py --keep DIR [--reuse] [--half fit held-out]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from accuracy import render
from frame_rate import tracked
from held_out import RATES, halves
from posture.errors import PostureError
from posture.measures import TESTS, AnalysisConfig
from posture.measures.clock import on_regular_clock
from posture.measures.recognise import recognise
from posture.prepare import Preparation

ASKS, REFUSED = "asks", "refused"


def recognised(spec, folder: Path, reuse: bool) -> list[str]:
    """What the tool made of one clip at each frame rate: a test it was sure of, ASKS or REFUSED."""
    video = render(spec, folder, reuse)
    config = AnalysisConfig(roll_deg=spec.roll_deg, calibrated=bool(spec.roll_deg))
    out = []
    for stride in RATES.values():
        series = tracked(video, stride, folder, reuse)
        prep = Preparation.for_frames(series.width, series.height, config, None, False)
        try:
            r = recognise(on_regular_clock(prep.landmarks(series)), config.roll_deg)
            out.append(r.test if r.sure else ASKS)
        except PostureError:
            out.append(REFUSED)
    return out


def matrix(counts: Counter) -> list[str]:
    """Rows: the test the clip shows; columns: what the tool said."""
    columns = [*TESTS, ASKS, REFUSED]
    rows = ["| shows \\ said | " + " | ".join(columns) + " |", "| --- " * (len(columns) + 1) + "|"]
    for test in TESTS:
        rows.append(f"| {test} | " + " | ".join(str(counts[(test, c)] or "") for c in columns) + " |")
    return rows


def counts_of(counts: Counter, said: str) -> int:
    return sum(n for (_, s), n in counts.items() if s == said)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, help="the folder benchmarks/held_out.py keeps its renders and landmarks in")
    ap.add_argument("--reuse", action="store_true", help="take what an earlier run kept")
    ap.add_argument("--half", nargs="+", default=["fit", "held-out"], choices=["fit", "held-out"])
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="posture-recognition-"))
    started = time.time()
    for half, specs in halves().items():
        if half not in args.half:
            continue
        counts = Counter((spec.test, said) for spec in specs for said in recognised(spec, folder, args.reuse))
        total = sum(counts.values())
        right = sum(n for (shows, said), n in counts.items() if shows == said)
        wrong = sum(n for (shows, said), n in counts.items() if said in TESTS and said != shows)
        print(f"\n### {half} half, {time.strftime('%Y-%m-%d')}: {right} of {total} recognised and sure, "
              f"{counts_of(counts, ASKS)} asked, {wrong} wrong and sure, {counts_of(counts, REFUSED)} refused "
              f"({time.time() - started:.0f} s)\n")
        print("\n".join(matrix(counts)))


if __name__ == "__main__":
    main()
