"""Every expected error on the command line is one sentence; importing the library changes nothing."""

from __future__ import annotations

import argparse
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
    ["sessions", "export-home", "1", "--code", "ABCDE-FGHJK", "--out", "missing/dir/check.json"],
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
