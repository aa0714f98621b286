"""`posture analyze --save` and `posture sessions ...` end to end on replayed landmark files and a real SQLite file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import FPS, bend_series, run_cli, true_flexion
from posture.change import NOT_ADOPTED
from posture.synthetic.camera import frontal_camera
from posture.synthetic.scene import landmark_series, side_bend_poses, still_poses
from posture.synthetic.skeleton import Pose


@pytest.fixture
def recordings(tmp_path, monkeypatch):
    """A working folder with two recorded bends (built to 55 and 75 degrees) as landmark files, pre.npz and post.npz."""
    monkeypatch.chdir(tmp_path)
    for name, peak in (("pre", 55.0), ("post", 75.0)):
        bend_series(peak, seed=int(peak)).save(tmp_path / f"{name}.npz")
    return tmp_path


def test_a_visit_from_analysis_to_report(recordings, capsys):
    for label, pain in (("pre", "6"), ("post", "3")):
        code, out, err = run_cli(capsys, "analyze", f"{label}.npz", "--test", "forward-bend", "--json", "--save", "AB-1",
                             "--label", label, "--pain", pain, "--visit-date", "2026-03-02")
        assert code == 0 and "Saved as session" in err
    assert (recordings / "data" / "posture.db").is_file()          # the default embedded database
    assert not (recordings / "data" / "videos").exists()            # no video kept unless asked

    code, out, _ = run_cli(capsys, "sessions", "list")
    assert code == 0 and "AB-1" in out and "#1 pre pain 6; #2 post pain 3" in out

    code, out, _ = run_cli(capsys, "sessions", "compare", "1")
    assert code == 0
    line = next(l for l in out.splitlines() if l.startswith("Forward bend") and "Trunk flexion" in l)
    assert line.endswith("real improvement")
    assert "  Forward bend, trunk flexion: " in out and "Pain 6/10 before and 3/10 after." in out

    code, out, _ = run_cli(capsys, "sessions", "export", "--client", "AB-1", "--format", "json")
    doc = json.loads(out)
    flex = [next(m["value"] for m in s["tests"][0]["measurements"] if m["name"] == "trunk_flexion") for s in doc]
    # a landmark file is the pose model's (posture analyze --save-landmarks): its deep-bend bias is taken off
    from posture.measures.forward_bend import corrected_flexion

    assert flex == pytest.approx([corrected_flexion(true_flexion(p)) for p in (55.0, 75.0)], abs=1.5)

    code, out, _ = run_cli(capsys, "sessions", "report", "1", "--out", "visit.pdf")
    assert code == 0 and (recordings / "visit.pdf").read_bytes().startswith(b"%PDF")


def test_a_visit_of_two_tests_saved_one_recording_at_a_time_is_one_pre_and_one_post(recordings, capsys):
    """Four saves (forward and side bend, before and after) make the visit's two sessions; the report has both tests."""
    for label, peak in (("pre", 20.0), ("post", 30.0)):
        rest = still_poses(Pose(arms="gravity"), FPS, 1.5)
        landmark_series(rest + side_bend_poses(peak, FPS), frontal_camera(), FPS, noise_px=1.0,
                        rng=np.random.default_rng(int(peak))).save(recordings / f"side-{label}.npz")
    for label in ("pre", "post"):
        for test, recording in (("forward-bend", f"{label}.npz"), ("side-bend", f"side-{label}.npz")):
            code, _, err = run_cli(capsys, "analyze", recording, "--test", test, "--quiet", "--save", "AB-1", "--label",
                               label, "--visit-date", "2026-03-02")
            assert code == 0 and f"Saved as session {1 if label == 'pre' else 2} for AB-1" in err, err

    code, out, _ = run_cli(capsys, "sessions", "list")
    assert "visit 1 on 2026-03-02: #1 pre; #2 post" in out and "visit 2" not in out
    shown = {}
    for sid in (1, 2):
        _, out, _ = run_cli(capsys, "sessions", "show", str(sid))
        shown[sid] = [l.split(": ")[1].split()[0] for l in out.splitlines() if l.startswith("    ")
                      and "(" not in l.split(": ")[1]]          # the measured values ('-' rows are withheld)
    assert len(shown[1]) == len(shown[2]) == 5              # flexion of trunk, hip, knee; side bend left, right

    code, out, _ = run_cli(capsys, "sessions", "compare", "1")
    rows = [l for l in out.splitlines() if l.startswith(("Forward bend", "Side bend"))]
    measured = [l for l in rows if not l.endswith("not measured")]
    assert {l.split("  ")[0] for l in rows} == {"Forward bend", "Side bend"}
    assert len(measured) == 5
    for before, after, line in zip(shown[1], shown[2], measured):
        assert before in line and after in line

    code, _, _ = run_cli(capsys, "sessions", "report", "1", "--out", "visit.pdf")
    import pypdfium2

    text = "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(recordings / "visit.pdf"))
    assert code == 0 and "Side bend" in text and "Forward bend" in text
    assert all(value in text for value in shown[1] + shown[2])


def test_the_command_line_recognises_the_test_and_says_it_did(recordings, capsys):
    code, out, err = run_cli(capsys, "analyze", "pre.npz", "--test", "auto", "--quiet")
    assert code == 0 and out.startswith("Forward bend (sagittal view)")
    assert err.startswith("Recognised as forward bend: the tool saw a side view with the trunk clearly bending forward")
    assert "Test recognised by the tool" in out                         # and the result says so, wherever it goes
    code, out, err = run_cli(capsys, "analyze", "pre.npz", "--test", "forward-bend", "--quiet")
    assert code == 0 and "Recognised" not in err                       # named: nothing to say


def test_home_check_round_trip_on_the_command_line(recordings, capsys):
    run_cli(capsys, "sessions", "add-client", "HOME-1", "--condition", "sciatica")
    code, out, _ = run_cli(capsys, "sessions", "pair", "HOME-1")
    code_word = out.split(": ")[1].split()[0]
    # The patient's own install: a separate database.
    run_cli(capsys, "analyze", "post.npz", "--test", "forward-bend", "--quiet", "--save", "me", "--label", "home check",
        "--db", "home.db")
    assert run_cli(capsys, "sessions", "--db", "home.db", "export-home", "1", "--code", code_word,
               "--out", "check.json")[0] == 0
    code, out, err = run_cli(capsys, "sessions", "import", "check.json")
    assert code == 0 and "Imported as session 1" in out
    code, out, _ = run_cli(capsys, "sessions", "show", "1")
    assert "HOME-1" in out and "home check" in out and "Trunk flexion" in out
    # A clinic session before it: the home check (75 against 55 degrees) is listed, never called a real change.
    run_cli(capsys, "analyze", "pre.npz", "--test", "forward-bend", "--quiet", "--save", "HOME-1",
            "--visit-date", "2026-01-05")
    code, out, _ = run_cli(capsys, "sessions", "compare", "--client", "HOME-1")
    home = [line for line in out.splitlines() if "home check" in line]
    assert code == 0 and home and all(line.endswith(NOT_ADOPTED) for line in home)
    assert "real improvement" not in out and "real worsening" not in out


@pytest.mark.parametrize("argv, message", [
    (["sessions", "show", "7"], "There is no session 7"),
    (["sessions", "import", "missing.json"], "does not exist"),
    (["sessions", "compare", "--client", "nobody"], "no client called 'nobody'"),
    (["analyze", "pre.npz", "--test", "forward-bend", "--save", "AB-1", "--pain", "12"], "outside 0-10"),
])
def test_bad_requests_get_one_sentence(recordings, capsys, argv, message):
    code, _, err = run_cli(capsys, *argv)
    assert code == 1 and message in err and "Traceback" not in err
