"""The `posture` command: analyse a recording and print, or export, the result."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

from posture import batch_commands, calibrate_commands, limits, session_commands, settings
from posture.analysis import AUTO, recognised_words
from posture.errors import FileError, PostureError
from posture.export import format_table, result_csv, result_dict
from posture.measures import TESTS, AnalysisConfig
from posture.pose import MODELS
from posture.privacy import owner_only_files
from posture.store.models import SESSION_LABELS, Label

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

    if args.save_landmarks and args.save_landmarks.suffix != ".npz":       # said before the analysis too
        raise FileError(f"--save-landmarks {args.save_landmarks} is no landmark file name: end it in .npz (a file "
                        "of that name is what is written).")
    if args.save:                       # said before the analysis, not after it
        from posture.store.db import open_database
        from posture.store.records import check_session_fields, storable_pseudonym

        storable_pseudonym(open_database(args.db), args.save)
        check_session_fields(args.label, args.pain, args.visit_date or date.today(), args.notes)
    config = AnalysisConfig(roll_deg=args.roll_deg or 0.0, calibrated=args.roll_deg is not None,
                            cm_per_px=args.cm_per_px)
    profile = load_profile(args.profile, args.calibration_dir) if args.profile else None
    bar, tick = _progress(args.video, args.quiet or args.json or args.csv)
    try:
        analysis = analyse_video(args.video, args.test, config, mirrored=args.mirrored, height_cm=args.height_cm,
                                 on_frame=tick, profile=profile, model=args.model, workers=args.workers)
    finally:
        if bar is not None:
            bar.close()
    series, result = analysis.series, analysis.result
    if analysis.recognition is not None:
        print(recognised_words(analysis), file=sys.stderr)
    if args.save_landmarks:
        series.save(args.save_landmarks)
    if args.save:
        _save(args, series, result, profile)
    if args.json:
        print(json.dumps(result_dict(result), indent=2))
    elif args.csv:
        print(result_csv(result), end="")
    else:
        print(format_table(result))
    return 0


def cmd_angles(args: argparse.Namespace) -> int:
    """Per-frame angles of a recording, for research (angles_over_time.py), to a CSV file."""
    from posture.angles_over_time import NOT_CLINICAL, angles_csv, plus_minus_words, recording_angles
    from posture.calibration import load_profile
    from posture.files import write_atomic
    from posture.pipeline import landmarks_from_video, load_series

    config = AnalysisConfig(roll_deg=args.roll_deg or 0.0, calibrated=args.roll_deg is not None)
    profile = load_profile(args.profile, args.calibration_dir) if args.profile else None
    if args.video.suffix == ".npz":
        series = load_series(args.video)
    else:
        bar, tick = _progress(args.video, args.quiet)
        try:
            series = landmarks_from_video(args.video, on_frame=tick, model=args.model, workers=args.workers or 1)
        finally:
            if bar is not None:
                bar.close()
    result = recording_angles(series, profile, config, args.mirrored)
    write_atomic(args.out, angles_csv(result))
    print(f"{NOT_CLINICAL} {len(result.t)} frames, seen from the {'side' if result.view == 'sagittal' else 'front'}"
          f", written to {args.out} ({plus_minus_words(result)}).", file=sys.stderr)
    for note in result.notes:
        print(f"Note: {note}", file=sys.stderr)
    return 0


def _save(args: argparse.Namespace, series, result, profile) -> None:
    """Store the result as a session; the video itself only with --keep-video."""
    import shutil
    import uuid

    from posture.store.db import open_database
    from posture.store.records import record_tests

    kept = None
    if args.keep_video and args.video.suffix != ".npz":
        folder = args.video_dir
        folder.mkdir(parents=True, exist_ok=True)
        kept = folder / f"{uuid.uuid4().hex}{args.video.suffix}"
        shutil.copyfile(args.video, kept)
    sid = record_tests(open_database(args.db), args.save, args.label, [(result, series)], visit_date=args.visit_date,
                       pain=args.pain, notes=args.notes, profile=profile, video_path=str(kept) if kept else None)
    print(f"Saved as session {sid} for {args.save}.", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="posture", description="Markerless posture and range-of-motion "
                                     "measurements from video.")
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("analyze", aliases=["analyse"], help="measure one test in a recorded video")
    a.add_argument("video", type=Path, help="video file, or a .npz landmark file saved earlier")
    a.add_argument("--test", required=True, choices=[AUTO, *TESTS],
                   help=f"which test the video shows ({AUTO}: recognised from the view and the movement)")
    out = a.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the result as JSON")
    out.add_argument("--csv", action="store_true", help="print the result as CSV")
    a.add_argument("--save-landmarks", type=Path, metavar="FILE", help="keep the landmark series (.npz) for replay")
    a.add_argument("--mirrored", action="store_true", help="the video is selfie-mirrored")
    a.add_argument("--height-cm", type=float, help="subject's standing height, to give distances in cm")
    a.add_argument("--cm-per-px", type=float, help="known scale at the subject's plane")
    a.add_argument("--roll-deg", type=float, help="camera roll, degrees (overrides the profile's)")
    a.add_argument("--profile", help="camera profile name or .json file (see `posture calibrate`)")
    settings.add_calibration_dir(a)
    a.add_argument("--model", choices=list(MODELS), default="full", help="BlazePose landmark model (heavy: see "
                   "docs/accuracy.md and docs/speed.md)")
    a.add_argument("--workers", type=batch_commands.process_count, help="processes for a recording of a minute or "
                   "longer (default: one per core)")
    a.add_argument("--quiet", action="store_true", help="no progress bar")
    st = a.add_argument_group("saving the result as a session")
    st.add_argument("--save", metavar="CLIENT", help="store the result for this client (pseudonym)")
    st.add_argument("--label", default=Label.PRE.value, choices=SESSION_LABELS)
    st.add_argument("--pain", type=int, help="pain score 0-10")
    st.add_argument("--notes", default="")
    st.add_argument("--visit-date", type=date.fromisoformat, help="YYYY-MM-DD (default today)")
    st.add_argument("--db", help=settings.DATABASE_HELP)
    st.add_argument("--keep-video", action="store_true", help="keep a copy of the video (not kept by default)")
    st.add_argument("--video-dir", type=settings.video_dir, default=settings.video_dir(),
                    help=f"where kept videos go (default ${settings.VIDEO_DIR} or {settings.DEFAULT_VIDEO_DIR}/)")
    a.set_defaults(func=cmd_analyze)
    g = sub.add_parser("angles", help="per-frame angles of any recording, for research (not a clinical result)")
    g.add_argument("video", type=Path, help="video file, or a .npz landmark file saved earlier")
    g.add_argument("--out", type=Path, required=True, help="the CSV file to write (one row per frame)")
    g.add_argument("--mirrored", action="store_true", help="the video is selfie-mirrored")
    g.add_argument("--roll-deg", type=float, help="camera roll, degrees (overrides the profile's)")
    g.add_argument("--profile", help="camera profile name or .json file (see `posture calibrate`)")
    settings.add_calibration_dir(g)
    g.add_argument("--model", choices=list(MODELS), default="full", help="BlazePose landmark model")
    g.add_argument("--workers", type=batch_commands.process_count, help="processes for a recording of a minute or "
                   "longer (default: one)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=cmd_angles)
    calibrate_commands.add_parser(sub)
    session_commands.add_parser(sub)
    batch_commands.add_parser(sub)
    return parser


def file_problem(e: OSError) -> str:
    """An operating-system error on a file, as one sentence saying what to do."""
    name = e.filename or "a file"
    folder = Path(name).parent if e.filename else None
    if isinstance(e, FileNotFoundError) and folder is not None and not folder.is_dir():
        return f"{name} cannot be written or read: the folder {folder} does not exist; create it or give another path."
    if isinstance(e, FileNotFoundError):
        return f"{name} does not exist: check the file name and folder."
    if isinstance(e, PermissionError):
        return f"{name} cannot be opened: permission denied; choose a file or folder you may use."
    if isinstance(e, IsADirectoryError):
        return f"{name} is a folder: give a file name."
    return f"{name} could not be used: {e.strerror or e}."


def _reader_gone(stream) -> bool:
    """Whether nobody reads this output any more (a pipe whose reader closed; another pipe broke otherwise)."""
    import select

    try:
        poll = select.poll()
        poll.register(stream.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poll.poll(0))
    except (OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    """Run one command; every expected error ends as one sentence on stderr and exit code 1.

    Everything the command writes (database, landmarks, reports, exports, kept videos) is owner-only; a
    database's password never shows (StorageError names it by its safe URL).
    """
    args = build_parser().parse_args(argv)
    with owner_only_files():
        try:
            code = args.func(args)
            sys.stdout.flush()              # a reader that stopped early (`| head`) is found here, not at exit
            return code
        except BrokenPipeError as e:
            if _reader_gone(sys.stdout):    # the reader of the output stopped early (`| head`): nothing to say to it
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return EXIT_BAD_INPUT
            print(f"error: {limits.terminal_safe(file_problem(e))}", file=sys.stderr)
        except PostureError as e:
            print(f"error: {limits.terminal_safe(str(e))}", file=sys.stderr)       # a file name may hold escapes
        except OSError as e:
            print(f"error: {limits.terminal_safe(file_problem(e))}", file=sys.stderr)
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
