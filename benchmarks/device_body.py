"""What MediaPipe gives real and rendered people, against the checks on a patient's device (measures/plausible.py).

Each recording is tracked by the server's own model (the same full model the
browser runs), and the figures the checks read are printed: the trunk's length,
each proportion against it, and the shares of frames with a big bone off its
neutral length, a picture missing its 3-D skeleton, a landmark too fast. The
last columns say whether the checks would refuse it (none should: these are
people). Recordings: the five samples and the two real clips in tests/, and
with --series every .npz and .mp4 in a folder (the accuracy sweep's clips as
benchmarks/frame_rate.py --keep leaves them, and shared/real_clips' clip of
two people crossing).

    python benchmarks/device_body.py [--series DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from posture.landmarks import LandmarkSeries
from posture.measures.plausible import PROPORTIONS, body_figures, device_doubt
from posture.pipeline import landmarks_from_video

ROOT = Path(__file__).resolve().parent.parent
VIDEOS = [*sorted((ROOT / "sample_videos").glob("*.mp4")), *sorted((ROOT / "tests" / "real_clips").glob("*.mp4"))]
COLUMNS = ("trunk_m", *PROPORTIONS, "drifting", "mismatched", "fast")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", type=Path, help="a folder of landmark series (.npz) to check as well")
    args = ap.parse_args()
    rows = [(v.name, landmarks_from_video(v)) for v in VIDEOS if v.exists()]
    if args.series:                   # saved series, and recordings to track (shared/real_clips' third clip)
        rows += [(p.name, LandmarkSeries.load(p) if p.suffix == ".npz" else landmarks_from_video(p))
                 for p in sorted(args.series.iterdir()) if p.suffix in (".npz", ".mp4")]
    print(f"{time.strftime('%Y-%m-%d')}: {len(rows)} recordings")
    print(f"{'recording':<40}" + "".join(f"{c[:10]:>11}" for c in COLUMNS) + "  refused")
    table = []
    for name, series in rows:
        figures = body_figures(series)
        if figures is None:
            print(f"{name[:40]:<40}  nobody found")
            continue
        table.append(figures)
        print(f"{name[:40]:<40}" + "".join(f"{figures[c]:>11.2f}" for c in COLUMNS)
              + f"  {device_doubt(series, None) or 'no'}")
    print(f"{'lowest':<40}" + "".join(f"{min(f[c] for f in table):>11.2f}" for c in COLUMNS))
    print(f"{'highest':<40}" + "".join(f"{max(f[c] for f in table):>11.2f}" for c in COLUMNS))


if __name__ == "__main__":
    main()
