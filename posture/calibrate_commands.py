"""`posture calibrate ...`: camera profiles from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from posture import settings


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


def _one_picture(path: Path):
    from posture.video import read_pictures

    return next(iter(read_pictures([path], frames_per_video=1)))


def cmd_roll(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from posture.calibration import profile_for_picture, roll_from_line, save_profile, with_board_roll

    gray = _one_picture(args.picture)
    saved = profile_for_picture(args.name, args.dir, gray)
    if args.line:
        x1, y1, x2, y2 = args.line
        roll = roll_from_line((x1, y1), (x2, y2), saved.for_size(gray.shape[1], gray.shape[0]),
                              vertical=not args.level)
        source = f"{'level' if args.level else 'vertical'} line ({x1:g},{y1:g})-({x2:g},{y2:g}) in {args.picture.name}"
        updated = replace(saved, roll_deg=roll, roll_source=source)
    else:
        updated = with_board_roll(saved, gray, _board(args), args.picture.name)
    path = save_profile(updated, args.dir)
    print(f"Camera roll {updated.roll_deg:+.2f} degrees (from the {updated.roll_source}). Saved {path}")
    if not saved.has_lens:
        print("The lens is not calibrated: `posture calibrate lens` makes the roll exact for tipped cameras.")
    return 0


def cmd_scale(args: argparse.Namespace) -> int:
    from posture.calibration import profile_for_picture, save_profile, with_board_scale

    gray = _one_picture(args.picture)
    saved = profile_for_picture(args.name, args.dir, gray)
    scaled = with_board_scale(saved, gray, _board(args), args.picture.name)
    path = save_profile(scaled, args.dir)
    h, w = gray.shape
    print(f"Scale {scaled.for_size(w, h).cm_per_px:.4f} cm per pixel at the board's distance. Saved {path}\n"
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


def add_parser(sub) -> None:
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
        settings.add_calibration_dir(p, "--dir")
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
