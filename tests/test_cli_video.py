"""`posture analyze` end to end: real MediaPipe inference on real video files.

Sample videos are realistic skinned bodies rendered with known angles (their JSON sidecars).
Tolerances are the accuracy targets of the project (docs/accuracy.md): 3 deg for
flexion, side bend and tilts, 3 cm for distances, 6 deg for rotation. Where
the tool misses a target on the renders, the test is a strict xfail that names
the gap, so that fixing it turns the test red until the marker goes.
"""

from __future__ import annotations

import functools
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


@functools.cache
def analyse_sample(name: str, test: str, *extra: str, height: bool = False) -> tuple[dict, dict]:
    """The CLI's measurements of a sample, and its truth; height=True gives the subject's stature as the scale.

    Each sample is run through the CLI once per set of options; the tests that judge it read the same run.
    """
    video, truth = sample(name)
    scale = ("--height-cm", str(truth["subject_height_cm"])) if height else ()
    run = posture("analyze", video, "--test", test, "--json", *scale, *extra)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["detected_share"] >= 0.95          # every sample: the figure is found in nearly every frame
    return {m["name"]: m for m in result["measurements"]}, truth["expected"]


def test_forward_bend_sample_trials():
    got, _ = analyse_sample("forward_bend_side", "forward-bend", height=True)
    assert len(got["trunk_flexion"]["trials"]) == 3


@pytest.mark.xfail(strict=True, reason="straight knees read 4.8 deg of flexion at the peak of the realistic bend "
                                       "(the hands hang beside the shins; not traced further)")
def test_forward_bend_sample_knees():
    got, want = analyse_sample("forward_bend_side", "forward-bend", height=True)
    assert got["knee_flexion_at_peak"]["value"] == pytest.approx(want["knee_flexion_at_peak"], abs=3.0)


def test_forward_bend_sample_fingertip_to_floor():
    # MediaPipe's index landmark sits at the knuckles; the knuckle-to-tip offset was fitted on the benchmark's
    # repeat set (another body, other clips), not on this sample.
    got, want = analyse_sample("forward_bend_side", "forward-bend", height=True)
    assert got["fingertip_to_floor"]["value"] == pytest.approx(want["fingertip_to_floor"], abs=3.0)


def test_forward_bend_sample_trunk_flexion_is_within_its_stated_uncertainty():
    """It read about 5 degrees too large before the pose model's deep-bend bias was taken off (fitted on other
    bodies: benchmarks/held_out.py); this sample's body is in neither half of that fit."""
    got, want = analyse_sample("forward_bend_side", "forward-bend")
    flexion = got["trunk_flexion"]
    assert flexion["value"] == pytest.approx(want["trunk_flexion"], abs=flexion["uncertainty"])


def test_forward_bend_sample_hip_flexion():
    got, want = analyse_sample("forward_bend_side", "forward-bend")
    assert got["hip_flexion"]["value"] == pytest.approx(want["hip_flexion"], abs=3.0)


def test_side_bend_sample():
    got, want = analyse_sample("side_bend_front", "side-bend", height=True)
    for side in ("left", "right"):
        assert len(got[f"side_bend_{side}"]["trials"]) == 2
        assert got[f"side_bend_{side}"]["value"] == pytest.approx(want[f"side_bend_{side}"], abs=3.0)
        travel = got[f"fingertip_travel_{side}"]      # withheld, or right: never a wrong number
        assert travel["value"] is None or travel["value"] == pytest.approx(want[f"fingertip_travel_{side}"], abs=3.0)


@pytest.mark.xfail(strict=True, reason="fingertip travel is withheld: the hands hang beside the thighs and MediaPipe's "
                                       "finger points are poorly seen (quality 0.16, 0.24 here; up to 7 cm off on "
                                       "held-out renders), so no +/- can be stated for it")
def test_side_bend_sample_fingertip_travel():
    got, want = analyse_sample("side_bend_front", "side-bend", height=True)
    for side in ("left", "right"):
        assert got[f"fingertip_travel_{side}"]["value"] == pytest.approx(want[f"fingertip_travel_{side}"], abs=3.0)


def test_rotation_sample():
    got, want = analyse_sample("rotation_front", "rotation")
    for side in ("left", "right"):
        assert got[f"rotation_{side}"]["value"] == pytest.approx(want[f"rotation_{side}"], abs=6.0)


def test_rotation_sample_sides():
    got, _ = analyse_sample("rotation_front", "rotation")
    assert got["rotation_left"]["trials"] and got["rotation_right"]["trials"]


def test_rotation_with_a_bar_across_the_shoulders_seated_is_measured_within_its_stated_uncertainty():
    """The protocol clinicians use: a bar behind the neck, seated so that the pelvis stays put. The tool says how it
    was done, and each side is within the +/- it states for a bar (the renderer's posed joints are the truth)."""
    from posture.measures.uncertainty import WITH_A_BAR

    video, truth = sample("rotation_bar_seated")
    run = posture("analyze", video, "--test", "rotation", "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert "Protocol: a bar across the shoulders, seated." in result["notes"]
    got = {m["name"]: m for m in result["measurements"]}
    for side in ("left", "right"):
        m = got[f"rotation_{side}"]
        assert m["uncertainty"] == WITH_A_BAR[f"rotation_{side}"]
        assert m["value"] == pytest.approx(truth["expected"][f"rotation_{side}"], abs=m["uncertainty"])


def test_rotation_sample_pelvis_yaw_is_withheld():
    # MediaPipe's world hips turn with the shoulders: the still pelvis of this sample read 17 deg of yaw at a
    # 40 deg turn. A number that wrong is never shown; the reason is.
    got, _ = analyse_sample("rotation_front", "rotation")
    for side in ("left", "right"):
        assert got[f"pelvis_yaw_{side}"]["value"] is None and "not measured" in got[f"pelvis_yaw_{side}"]["reason"]


def test_posture_frontal_sample():
    got, want = analyse_sample("posture_front", "posture-frontal")
    for name in ("shoulder_tilt", "trunk_lateral_lean", "head_tilt"):
        assert got[name]["value"] == pytest.approx(want[name], abs=3.0), name


@pytest.mark.xfail(strict=True, reason="a 3 deg pelvic obliquity reads as level (+0.4): MediaPipe's hip points "
                                       "barely follow a small drop of the realistic pelvis (sweep: bias -2.0)")
def test_posture_frontal_sample_pelvis():
    got, want = analyse_sample("posture_front", "posture-frontal")
    assert got["pelvic_tilt"]["value"] == pytest.approx(want["pelvic_tilt"], abs=3.0)


def test_posture_sagittal_sample_head_forward_is_withheld():
    # MediaPipe's ear landmark sits 3 to 6 cm in front of the ear (tragion): the angle read about 14 deg small.
    got, _ = analyse_sample("posture_side", "posture-sagittal", height=True)
    assert got["head_forward_angle"]["value"] is None and "ear" in got["head_forward_angle"]["reason"]


@pytest.mark.xfail(strict=True, reason="MediaPipe's ear landmark sits 3 to 6 cm in front of the ear (tragion) of "
                                       "the realistic head: the ear's plumb offset reads 4.6 cm forward")
def test_posture_sagittal_sample_ear_plumb():
    got, want = analyse_sample("posture_side", "posture-sagittal", height=True)
    assert got["plumb_ear"]["value"] == pytest.approx(want["plumb_ear"], abs=4.0)


def test_posture_sagittal_sample_plumb_line():
    got, want = analyse_sample("posture_side", "posture-sagittal", height=True)
    for name in ("plumb_shoulder", "plumb_hip"):
        assert got[name]["value"] == pytest.approx(want[name], abs=4.0), name


@pytest.mark.xfail(strict=True, reason="standing, MediaPipe puts the shoulder about 3 cm behind the shoulder joint "
                                       "relative to its hip: the trunk inclination reads 4.5 deg too far back")
def test_posture_sagittal_sample_trunk_inclination():
    got, want = analyse_sample("posture_side", "posture-sagittal")
    assert got["trunk_inclination"]["value"] == pytest.approx(want["trunk_inclination"], abs=3.0)


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


def test_a_bystander_apart_from_the_subject_is_left_out_and_said(tmp_path):
    # Two people 0.9 m apart who never overlap: one subject is measured, and the result says someone else was there
    # (someone overlapping the subject: tests/test_real_clips.py).
    video = still_video(tmp_path / "two.mp4", cam=frontal_camera(distance=3.2), people=(-0.45, 0.45))
    run = posture("analyze", video, "--test", "posture-frontal")
    assert run.returncode == 0, run.stderr
    assert "Another person was in view beside the subject" in run.stdout and "Shoulder tilt" in run.stdout


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
