"""The `posture` command: analyse a recording and print, or export, the result."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from posture.errors import PostureError
from posture.export import format_table, result_csv, result_dict
from posture.measures import TESTS, AnalysisConfig

EXIT_BAD_INPUT = 1


def _progress(path: Path, quiet: bool):
    """A tqdm bar over the video's frames (nothing for replayed series or --quiet)."""
    if quiet or path.suffix == ".npz":
        return None, None
    from tqdm import tqdm

    from posture.video import probe

    bar = tqdm(total=probe(path).frame_count, unit="frame", desc=path.name, file=sys.stderr, leave=False)
    return bar, (lambda: bar.update(1))


def cmd_analyze(args: argparse.Namespace) -> int:
    from posture.pipeline import analyse_video

    config = AnalysisConfig(roll_deg=args.roll_deg or 0.0, calibrated=args.roll_deg is not None,
                            cm_per_px=args.cm_per_px)
    bar, tick = _progress(args.video, args.quiet or args.json or args.csv)
    try:
        series, result = analyse_video(args.video, args.test, config, mirrored=args.mirrored,
                                       height_cm=args.height_cm, on_frame=tick)
    finally:
        if bar is not None:
            bar.close()
    if args.save_landmarks:
        series.save(args.save_landmarks)
    if args.json:
        print(json.dumps(result_dict(result), indent=2))
    elif args.csv:
        print(result_csv(result), end="")
    else:
        print(format_table(result))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="posture", description="Markerless posture and range-of-motion "
                                     "measurements from video.")
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("analyze", aliases=["analyse"], help="measure one test in a recorded video")
    a.add_argument("video", type=Path, help="video file, or a .npz landmark file saved earlier")
    a.add_argument("--test", required=True, choices=list(TESTS), help="which test the video shows")
    out = a.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the result as JSON")
    out.add_argument("--csv", action="store_true", help="print the result as CSV")
    a.add_argument("--save-landmarks", type=Path, metavar="FILE", help="keep the landmark series (.npz) for replay")
    a.add_argument("--mirrored", action="store_true", help="the video is selfie-mirrored")
    a.add_argument("--height-cm", type=float, help="subject's standing height, to give distances in cm")
    a.add_argument("--cm-per-px", type=float, help="known scale at the subject's plane")
    a.add_argument("--roll-deg", type=float, help="camera roll from calibration, degrees")
    a.add_argument("--quiet", action="store_true", help="no progress bar")
    a.set_defaults(func=cmd_analyze)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except PostureError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
