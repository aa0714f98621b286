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
    from posture.calibration import load_profile
    from posture.pipeline import analyse_video

    config = AnalysisConfig(roll_deg=args.roll_deg or 0.0, calibrated=args.roll_deg is not None,
                            cm_per_px=args.cm_per_px)
    profile = load_profile(args.profile, args.calibration_dir) if args.profile else None
    bar, tick = _progress(args.video, args.quiet or args.json or args.csv)
    try:
        series, result = analyse_video(args.video, args.test, config, mirrored=args.mirrored,
                                       height_cm=args.height_cm, on_frame=tick, profile=profile)
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


def _board(args: argparse.Namespace):
    from posture.calibration import Board

    return Board(args.cols, args.rows, args.square_mm)


def cmd_board(args: argparse.Namespace) -> int:
    from posture.calibration import board_svg

    args.out.write_text(board_svg(_board(args)))
    print(f"Wrote {args.out}: print it at 100% scale, check one square measures {args.square_mm:g} mm, "
          "and glue it to something flat.")
    return 0


def cmd_lens(args: argparse.Namespace) -> int:
    from posture.calibration import calibrate_lens, profile_path, save_profile, search_boards
    from posture.video import read_pictures

    board = _board(args)
    profile_path(args.name, args.dir)           # a bad name fails before the slow part
    found = search_boards(read_pictures(args.pictures), board)
    profile = calibrate_lens(found, board, args.name)
    path = save_profile(profile, args.dir)
    fx, fy = profile.focal_px
    print(f"Calibrated from {found.summary()}.\n"
          f"Reprojection error {profile.reprojection_error_px:.2f} px; focal length {fx:.1f} x {fy:.1f} px; "
          f"principal point ({profile.principal_px[0]:.1f}, {profile.principal_px[1]:.1f}).\nSaved {path}")
    if profile.reprojection_error_px > 1.0:
        print("The reprojection error is over 1 px: check that the board is flat and the pictures sharp.")
    return 0


def _profile_for(args: argparse.Namespace, picture):
    """The named profile (or a new one without lens calibration) and that picture's size."""
    from posture.calibration import CameraProfile, load_profile, profile_path

    size = (picture.shape[1], picture.shape[0])
    if profile_path(args.name, args.dir).exists():
        return load_profile(args.name, args.dir)
    return CameraProfile(name=args.name, image_size=size)


def _one_picture(path: Path):
    from posture.video import read_pictures

    return next(iter(read_pictures([path], frames_per_video=1)))


def _found_board(gray, board, path: Path):
    from posture.calibration import find_board
    from posture.errors import CalibrationError

    corners = find_board(gray, board)
    if corners is None:
        raise CalibrationError(f"No {board.cols}x{board.rows} board was found in {path.name}: the whole board "
                               "must be in the picture, evenly lit, with its white border showing.")
    return corners


def cmd_roll(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from posture.calibration import roll_from_board, roll_from_line, save_profile

    gray = _one_picture(args.picture)
    saved = _profile_for(args, gray)
    profile = saved.for_size(gray.shape[1], gray.shape[0])
    if args.line:
        x1, y1, x2, y2 = args.line
        roll = roll_from_line((x1, y1), (x2, y2), profile, vertical=not args.level)
        source = f"{'level' if args.level else 'vertical'} line ({x1:g},{y1:g})-({x2:g},{y2:g}) in {args.picture.name}"
    else:
        board = _board(args)
        roll = roll_from_board(_found_board(gray, board, args.picture), board, profile)
        source = f"level board in {args.picture.name}"
    path = save_profile(replace(saved, roll_deg=roll, roll_source=source), args.dir)
    print(f"Camera roll {roll:+.2f} degrees (from the {source}). Saved {path}")
    if not saved.has_lens:
        print("The lens is not calibrated: `posture calibrate lens` makes the roll exact for tipped cameras.")
    return 0


def cmd_scale(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from posture.calibration import save_profile, scale_from_board

    gray = _one_picture(args.picture)
    saved = _profile_for(args, gray)
    board = _board(args)
    h, w = gray.shape
    cm_per_px = scale_from_board(_found_board(gray, board, args.picture), board, saved.for_size(w, h))
    native = cm_per_px * w / saved.image_size[0]
    path = save_profile(replace(saved, cm_per_px=native, scale_source=f"board held at the subject's place "
                                f"in {args.picture.name}"), args.dir)
    print(f"Scale {cm_per_px:.4f} cm per pixel at the board's distance. Saved {path}\n"
          "It holds while the camera and the subject's place stay where they were.")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from posture.calibration import load_profile, profile_path

    load_profile(args.name, args.dir)
    print(profile_path(args.name, args.dir).read_text(), end="")
    return 0


def _add_board_options(p: argparse.ArgumentParser, square_mm: float = 20.0) -> None:
    p.add_argument("--cols", type=int, default=9, help="inner corners across (default 9)")
    p.add_argument("--rows", type=int, default=6, help="inner corners down (default 6)")
    p.add_argument("--square-mm", type=float, default=square_mm, help=f"square side in mm (default {square_mm:g})")


def _add_calibrate(sub) -> None:
    c = sub.add_parser("calibrate", help="camera profiles: lens, true vertical, scale").add_subparsers(
        dest="step", required=True)
    b = c.add_parser("board", help="write a printable checkerboard (SVG, true size)")
    b.add_argument("--out", type=Path, default=Path("calibration-board.svg"))
    _add_board_options(b)
    b.set_defaults(func=cmd_board)
    steps = {
        "lens": ("camera intrinsics and distortion from pictures or a video of the board", cmd_lens),
        "roll": ("the true vertical from a level board, or a marked vertical/level line", cmd_roll),
        "scale": ("cm per pixel from a board held where the subject stands", cmd_scale),
        "show": ("print a saved profile", cmd_show),
    }
    for step, (text, func) in steps.items():
        p = c.add_parser(step, help=text)
        p.add_argument("name", help="profile name, e.g. clinic-webcam")
        p.add_argument("--dir", type=Path, default=Path("calibration"), help="profile folder (default calibration/)")
        if step == "lens":
            p.add_argument("pictures", nargs="+", type=Path, help="pictures and/or videos of the board")
        elif step != "show":
            p.add_argument("picture", type=Path, help="a picture (or the first frame of a video)")
        if step != "show":
            _add_board_options(p)
        if step == "roll":
            p.add_argument("--line", nargs=4, type=float, metavar=("X1", "Y1", "X2", "Y2"),
                           help="pixel ends of a truly vertical line (a door frame) instead of a board")
            p.add_argument("--level", action="store_true", help="the --line is level, not vertical")
        p.set_defaults(func=func)


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
    a.add_argument("--roll-deg", type=float, help="camera roll, degrees (overrides the profile's)")
    a.add_argument("--profile", help="camera profile name or .json file (see `posture calibrate`)")
    a.add_argument("--calibration-dir", type=Path, default=Path("calibration"), help="profile folder")
    a.add_argument("--quiet", action="store_true", help="no progress bar")
    a.set_defaults(func=cmd_analyze)
    _add_calibrate(sub)
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
