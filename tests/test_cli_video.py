"""`posture analyze` end to end: real MediaPipe inference on real video files.

Sample videos are rendered scenes with known angles (their JSON sidecars).
Tolerances are the accuracy targets of the project (README, Accuracy): 3 deg for
flexion, side bend and tilts, 3 cm for distances, 6 deg for rotation. Where
the tool misses a target on the renders, the test is a strict xfail that names
the gap, so that fixing it turns the test red until the marker goes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import sample
from videos import still_video

from posture.synthetic.camera import frontal_camera

pytestmark = pytest.mark.slow


def posture(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "posture.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=600)


def analyse_sample(name: str, test: str, *extra: str) -> tuple[dict, dict]:
    video, truth = sample(name)
    run = posture("analyze", video, "--test", test, "--json", *extra)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["detected_share"] >= 0.95          # every sample: the figure is found in nearly every frame
    return {m["name"]: m for m in result["measurements"]}, truth["expected"]


def test_forward_bend_sample_distances():
    got, want = analyse_sample("forward_bend_side", "forward-bend", "--height-cm", "170")
    assert len(got["trunk_flexion"]["trials"]) == 3
    assert got["fingertip_to_floor"]["value"] == pytest.approx(want["fingertip_to_floor"], abs=3.0)
    assert got["knee_flexion_at_peak"]["value"] == pytest.approx(want["knee_flexion_at_peak"], abs=3.0)


def test_forward_bend_sample_trunk_flexion():
    got, want = analyse_sample("forward_bend_side", "forward-bend")
    assert got["trunk_flexion"]["value"] == pytest.approx(want["trunk_flexion"], abs=3.0)


@pytest.mark.xfail(strict=True, reason="at the 77.5 deg peak MediaPipe puts the hip about 5 px above the joint "
                                       "and the thigh leans 2.6 deg more: about 5.5 deg more hip flexion than built")
def test_forward_bend_sample_hip_flexion():
    got, want = analyse_sample("forward_bend_side", "forward-bend")
    assert got["hip_flexion"]["value"] == pytest.approx(want["hip_flexion"], abs=3.0)


def test_side_bend_sample():
    got, want = analyse_sample("side_bend_front", "side-bend", "--height-cm", "170")
    for side in ("left", "right"):
        assert len(got[f"side_bend_{side}"]["trials"]) == 2
        assert got[f"side_bend_{side}"]["value"] == pytest.approx(want[f"side_bend_{side}"], abs=3.0)
        assert got[f"fingertip_travel_{side}"]["value"] == pytest.approx(want[f"fingertip_travel_{side}"], abs=3.0)


def test_rotation_sample():
    got, want = analyse_sample("rotation_front", "rotation")
    for side in ("left", "right"):
        assert got[f"rotation_{side}"]["value"] == pytest.approx(want[f"rotation_{side}"], abs=6.0)


def test_rotation_sample_sides_and_pelvis():
    got, _ = analyse_sample("rotation_front", "rotation")
    assert got["rotation_left"]["trials"] and got["rotation_right"]["trials"]
    assert got["pelvis_yaw_left"]["value"] < 10.0


def test_posture_frontal_sample():
    got, want = analyse_sample("posture_front", "posture-frontal")
    for name in ("shoulder_tilt", "trunk_lateral_lean", "head_tilt"):
        assert got[name]["value"] == pytest.approx(want[name], abs=3.0), name


@pytest.mark.xfail(strict=True, reason="a 3 deg pelvic obliquity reads as level: the rendered pelvis is one "
                                       "smooth ellipsoid with no iliac crests to see")
def test_posture_frontal_sample_pelvis():
    got, want = analyse_sample("posture_front", "posture-frontal")
    assert got["pelvic_tilt"]["value"] == pytest.approx(want["pelvic_tilt"], abs=3.0)


def test_posture_sagittal_sample():
    got, want = analyse_sample("posture_side", "posture-sagittal", "--height-cm", "170")
    for name in ("trunk_inclination", "head_forward_angle"):
        assert got[name]["value"] == pytest.approx(want[name], abs=3.0), name
    for name in ("plumb_ear", "plumb_shoulder", "plumb_hip"):
        assert got[name]["value"] == pytest.approx(want[name], abs=4.0), name


def test_table_csv_and_replay(tmp_path):
    video, _ = sample("side_bend_front")
    saved = tmp_path / "landmarks.npz"
    table = posture("analyze", video, "--test", "side-bend", "--save-landmarks", saved)
    assert table.returncode == 0, table.stderr
    assert "Side bend left" in table.stdout and "Quality" in table.stdout
    assert "frame" in table.stderr                  # the progress bar
    replay = posture("analyze", saved, "--test", "side-bend", "--csv")
    assert replay.returncode == 0, replay.stderr
    rows = replay.stdout.strip().splitlines()
    assert rows[0].startswith("test,view,measurement,value")
    assert any(r.startswith("side-bend,frontal,side_bend_left,") for r in rows)


def expect_refusal(run: subprocess.CompletedProcess, words: str) -> None:
    """A bad input: non-zero exit, one plain sentence, no traceback, nothing on stdout."""
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert words in run.stderr
    assert run.stdout == ""


def test_missing_file(tmp_path):
    expect_refusal(posture("analyze", tmp_path / "nope.mp4", "--test", "side-bend"), "does not exist")


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    expect_refusal(posture("analyze", empty, "--test", "side-bend"), "is empty")


def test_not_a_video(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("session notes, not a video\n" * 50)
    expect_refusal(posture("analyze", text, "--test", "side-bend"), "not a video this tool can read")


def test_corrupt_video(tmp_path):
    video, _ = sample("posture_front")
    broken = tmp_path / "broken.mp4"
    data = bytearray(video.read_bytes())
    broken.write_bytes(bytes(data[:200]) + bytes(len(data) - 200))   # header kept, the rest zeroed
    expect_refusal(posture("analyze", broken, "--test", "posture-frontal"), "not a video this tool can read")


def test_nobody_in_the_video(tmp_path):
    video = still_video(tmp_path / "empty_room.mp4", people=())
    expect_refusal(posture("analyze", video, "--test", "posture-frontal"), "No person was found")
    # A height given for the scale must not hide the real problem.
    expect_refusal(posture("analyze", video, "--test", "posture-frontal", "--height-cm", "170"), "No person was found")


def test_two_people(tmp_path):
    video = still_video(tmp_path / "two.mp4", cam=frontal_camera(distance=3.2), people=(-0.45, 0.45))
    expect_refusal(posture("analyze", video, "--test", "posture-frontal"), "More than one person")


def test_body_cut_off(tmp_path):
    video = still_video(tmp_path / "close.mp4", cam=frontal_camera(distance=1.3, height=1.3))
    expect_refusal(posture("analyze", video, "--test", "posture-frontal"), "out of the picture")


def test_wrong_view():
    video, _ = sample("posture_side")
    expect_refusal(posture("analyze", video, "--test", "side-bend"), "turn the subject to face the camera")


def test_not_a_landmark_file(tmp_path):
    bogus = tmp_path / "x.npz"
    bogus.write_text("no")
    expect_refusal(posture("analyze", bogus, "--test", "side-bend"), "not a landmark file")
