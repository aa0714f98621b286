"""Every expected error on the command line is one sentence; importing the library changes nothing."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, bend_series, one_sentence, run_cli
from posture.cli import main
from posture.errors import FileError, VideoError


@pytest.fixture
def saved_bend(tmp_path, monkeypatch):
    """A working folder with a recorded forward bend (bend.npz), saved as a session in its database."""
    monkeypatch.chdir(tmp_path)
    bend_series(60.0, seed=1).save(tmp_path / "bend.npz")
    assert main(["analyze", "bend.npz", "--test", "forward-bend", "--quiet", "--save", "AB-1"]) == 0
    return tmp_path


def refused(capsys, argv: list[str], *words: str) -> str:
    """The command fails (exit code 1) with one sentence holding these words."""
    code, _, err = run_cli(capsys, *argv)
    assert code == 1 and all(w in one_sentence(err) for w in words), err
    return err


@pytest.mark.parametrize("argv", [
    ["sessions", "export", "--client", "AB-1", "--out", "missing/dir/x.csv"],
    ["sessions", "export", "--client", "AB-1", "--format", "json", "--out", "missing/dir/x.json"],
    ["sessions", "report", "1", "--out", "missing/dir/visit.pdf"],
    ["sessions", "export-home", "1", "--code", "ABCDE-FGHJK-MNPQR-STVWX", "--out", "missing/dir/check.json"],
    ["analyze", "bend.npz", "--test", "forward-bend", "--save-landmarks", "missing/dir/again.npz"],
])
def test_writing_into_a_missing_folder_is_one_sentence(saved_bend, capsys, argv):
    refused(capsys, argv, "missing/dir", "does not exist", "create it")
    assert not (saved_bend / "missing").exists()


def test_writing_over_a_folder_is_one_sentence(saved_bend, capsys):
    (saved_bend / "out.csv").mkdir()
    refused(capsys, ["sessions", "export", "--client", "AB-1", "--out", "out.csv"], "out.csv", "is a folder")


def test_a_missing_bundle_is_a_file_error_not_a_video_error(saved_bend, capsys):
    from posture.session_commands import cmd_import

    with pytest.raises(FileError, match="does not exist") as e:
        cmd_import(argparse.Namespace(bundle=Path("missing.json"), db=None))
    assert not isinstance(e.value, VideoError)
    refused(capsys, ["sessions", "import", "missing.json"], "missing.json does not exist")


def test_importing_the_library_has_no_side_effects():
    """No environment edits, no matplotlib backend chosen, no pyplot, whatever is imported."""
    code = """
import importlib, os, pkgutil, sys
import cv2, matplotlib, numpy, scipy.signal, sqlalchemy   # their own import-time doings are not ours (cv2 edits LD_LIBRARY_PATH)
import posture
before = dict(os.environ)
names = [m.name for m in pkgutil.walk_packages(posture.__path__, "posture.")
         if ".migrations" not in m.name and not m.name.startswith("posture.synthetic")]
for name in names:
    importlib.import_module(name)
assert dict(os.environ) == before, set(os.environ.items()) ^ set(before.items())
assert "matplotlib.pyplot" not in sys.modules
assert matplotlib.rcParams._get("backend") is matplotlib.rcsetup._auto_backend_sentinel, matplotlib.rcParams._get("backend")
print(len(names))
"""
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("MPLBACKEND", "GLOG_minloglevel",
                                                                             "TF_CPP_MIN_LOG_LEVEL")}
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) > 20


# Issue 30: numbers no database or machine holds, said as such (the hostile tester's tracebacks)

@pytest.mark.parametrize("argv", [["sessions", "show", str(2**70)],
                                  ["sessions", "report", str(2**64), "--out", "r.pdf"],
                                  ["sessions", "export", "--session", "0"], ["sessions", "compare", "-3"]])
def test_a_session_or_visit_number_no_database_holds_is_a_wrong_argument_not_a_traceback(saved_bend, capsys, argv):
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1].endswith(f"is not a session or visit number (1 to {2**31 - 1})")


@pytest.mark.parametrize("command", [["analyze", "bend.npz", "--test", "forward-bend"],
                                     ["batch", "bend.npz", "--out", "o"], ["angles", "bend.npz", "--out", "a.csv"]])
def test_more_worker_processes_than_any_machine_has_are_refused(saved_bend, capsys, command):
    with pytest.raises(SystemExit) as e:
        main([*command, "--workers", "1" + "0" * 20])
    assert e.value.code == 2
    assert "processes is more than this tool starts (at most 256)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:                  # as the tester typed it
        main([*command, "--workers", "1e20"])
    assert e.value.code == 2 and "'1e20' is not a whole number of 1 or more" in capsys.readouterr().err


def test_a_stride_longer_than_the_recording_says_so(tmp_path, capsys):
    from conftest import SAMPLES

    code, out, _ = run_cli(capsys, "batch", str(SAMPLES / "posture_front.mp4"), "--out", str(tmp_path / "o"),
                           "--stride", "1000000000", "--quiet", "--workers", "1")
    assert code == 1 and ("--stride 1000000000 leaves 1 frame of the 60 in posture_front.mp4: use a smaller "
                          "--stride.") in out


def test_landmarks_are_saved_only_under_the_name_given(saved_bend, capsys):
    """--save-landmarks /dev/full wrote /dev/full.npz and exited 0; a name not ending in .npz is refused first."""
    refused(capsys, ["analyze", "bend.npz", "--test", "forward-bend", "--save-landmarks", "/dev/full"],
            "--save-landmarks /dev/full is no landmark file name: end it in .npz")
    assert not Path("/dev/full.npz").exists()


@pytest.mark.parametrize("kind, words", [("a loop of links", "is a link that leads to no file (or to itself)"),
                                         ("a pipe", "is not a file but a pipe or a device"),
                                         ("a folder", "is a folder, not a video file")])
def test_what_is_no_video_file_is_named_for_what_it_is(tmp_path, capsys, kind, words):
    """Each of these was "does not exist" to the hostile tester (and a pipe would have been waited on)."""
    import os

    path = tmp_path / "clip.mp4"
    if kind == "a loop of links":
        path.symlink_to(path)
    elif kind == "a pipe":
        os.mkfifo(path)
    else:
        path.mkdir()
    refused(capsys, ["analyze", str(path), "--test", "side-bend", "--quiet"], words)


def test_a_file_name_with_terminal_escapes_is_shown_escaped_in_errors_and_the_batch_summary(tmp_path, capsys):
    """The hostile tester's file name cleared the screen when `analyze` or `batch` printed it."""
    evil = tmp_path / "clip\x1b[2J\u202e.mp4"
    evil.write_bytes(b"not a video" * 100)
    code, _, err = run_cli(capsys, "analyze", str(evil), "--test", "side-bend", "--quiet")
    assert code == 1 and "\x1b" not in err and "\u202e" not in err and "clip\\u001b[2J\\u202e.mp4" in err
    code, out, _ = run_cli(capsys, "batch", str(evil), "--out", str(tmp_path / "o"), "--quiet", "--workers", "1")
    assert code == 1 and "\x1b" not in out and "\u202e" not in out and "clip\\u001b[2J\\u202e.mp4" in out


def test_a_profile_whose_json_is_a_list_is_said_to_be_no_profile(saved_bend, capsys):
    """It said "pop expected at most 1 argument, got 2" to the hostile tester."""
    Path("cam.json").write_text("[1, 2, 3]")
    err = refused(capsys, ["analyze", "bend.npz", "--test", "forward-bend", "--profile", "cam.json"],
                  "cam.json is not a camera profile this version can read (not a posture camera profile)")
    assert "pop" not in err


@pytest.mark.parametrize("code", ["!!", "ABCDE-FGHJK", "ABCDE-FGHJK-MNPQR-STVW0"])
def test_a_home_check_is_not_signed_with_what_cannot_be_a_signing_key(saved_bend, capsys, code):
    """`export-home --code '!!'` wrote a file that could never be imported and told the patient to send it."""
    refused(capsys, ["sessions", "export-home", "1", "--code", code, "--out", "check.json"],
            "That is not your signing key: it has 20 letters and digits in groups of five")
    assert not Path("check.json").exists()


def test_a_reader_that_stops_early_gets_no_broken_pipe_message(saved_bend):
    """`sessions compare --client AB-1 | head` printed "Broken pipe" twice to the hostile tester."""
    done = subprocess.run(f"{sys.executable} -m posture.cli sessions compare --client AB-1 | head -1", shell=True,
                          capture_output=True, text=True, cwd=saved_bend, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stderr == "" and done.stdout.count("\n") == 1, done.stderr


def test_a_new_pseudonym_the_report_cannot_print_is_refused_before_the_analysis(saved_bend, capsys, monkeypatch):
    import posture.pipeline

    def never(*_, **__):
        raise AssertionError("the analysis ran before the pseudonym was checked")

    monkeypatch.setattr(posture.pipeline, "analyse_video", never)
    refused(capsys, ["analyze", "bend.npz", "--test", "forward-bend", "--save", "กขค"],
            "The report cannot print 'กขค' of this pseudonym")
