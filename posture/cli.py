"""The `posture` command: analyse a recording and print, or export, the result."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from dataclasses import asdict
from pathlib import Path

from posture.errors import PostureError
from posture.measures import TESTS, AnalysisConfig, TestResult

EXIT_BAD_INPUT = 1


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_table(result: TestResult) -> str:
    """A readable table of one test result, with reasons for withheld values."""
    trials = len(result.trial_frames)
    head = (f"{_label(result.test)} ({result.view} view): person found in {result.detected_share:.0%} "
            f"of frames" + (f", {trials} trial(s)" if result.test not in ("posture-frontal", "posture-sagittal")
                            else ""))
    rows = [("Measurement", "Value", "Unit", "Quality", "Trials", "Spread", "MDC95")]
    for m in result.measurements:
        rows.append((_label(m.name), _fmt(m.value), m.unit, f"{m.quality:.2f}",
                     ", ".join(_fmt(v) for v in m.trials), _fmt(m.spread), _fmt(m.mdc95)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [head, ""] + ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    for m in result.measurements:
        if m.reason:
            lines.append(f"  {_label(m.name)}: {m.reason}")
        lines.extend(f"  Flag: {f}" for f in m.flags)
    lines.extend(f"Note: {n}" for n in result.notes)
    return "\n".join(lines)


def result_dict(result: TestResult) -> dict:
    """Plain data for JSON export; MDC95 included where it can be computed."""
    data = asdict(result)
    for m, row in zip(result.measurements, data["measurements"]):
        row["mdc95"] = m.mdc95
    return data


def result_csv(result: TestResult) -> str:
    """One row per measurement."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["test", "view", "measurement", "value", "unit", "quality", "trials", "spread", "mdc95", "reason"])
    for m in result.measurements:
        w.writerow([result.test, result.view, m.name, "" if m.value is None else round(m.value, 3), m.unit,
                    round(m.quality, 3), ";".join(f"{v:.3f}" for v in m.trials),
                    "" if m.spread is None else round(m.spread, 3),
                    "" if m.mdc95 is None else round(m.mdc95, 3), m.reason])
    return out.getvalue()


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
