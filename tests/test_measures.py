"""Every measurement against the 3-D geometry that built it.

Skeletons are posed at known angles, projected through a known pinhole camera
and optionally given Gaussian landmark noise of NOISE_PX. Tolerances: 1 degree
noise-free, 3 degrees with noise, 5 degrees for trunk rotation.
"""

from dataclasses import replace

import numpy as np
import pytest

from conftest import FPS, NOISE_PX, true_flexion
from posture.errors import TrialError, ViewError
from posture.landmarks import MIRROR_PERMUTATION, Landmark as L, unmirror
from posture.measures import AnalysisConfig, analyse
from posture.measures.angles import facing_direction, head_forward_angle
from posture.measures.forward_bend import KNUCKLE_TO_TIP_CM
from posture.synthetic.camera import frontal_camera, sagittal_camera
from posture.synthetic.scene import (forward_bend_poses, landmark_series, rotation_poses, side_bend_poses,
                                     still_poses, truth)
from posture.synthetic.skeleton import Body, Pose

NOISE_CASES = [(0.0, 1.0), (NOISE_PX, 3.0)]   # (noise in px, tolerance in degrees)
EXACT = AnalysisConfig(blazepose=False)        # the skeleton's exact landmarks: no pose model's bias to take off


def values(result, name):
    return result.get(name).value


@pytest.mark.parametrize("noise,tol", NOISE_CASES)
@pytest.mark.parametrize("stance", [
    Pose(shoulder_tilt=5.0), Pose(shoulder_tilt=-3.0, pelvic_obliquity=4.0),
    Pose(head_tilt=-8.0), Pose(trunk_lateral=6.0, shoulder_tilt=-6.0), Pose(pelvic_obliquity=-5.0, trunk_lateral=-3.0),
])
def test_standing_frontal(stance, noise, tol, rng):
    s = landmark_series(still_poses(stance, FPS), frontal_camera(), FPS, noise_px=noise, rng=rng)
    r = analyse(s, "posture-frontal")
    want = truth(stance)
    for name in ("shoulder_tilt", "pelvic_tilt", "head_tilt", "trunk_lateral_lean"):
        assert values(r, name) == pytest.approx(want[name], abs=tol), name
    assert r.get("shoulder_tilt").quality > 0.9


def test_lateral_shift_in_cm_with_a_scale(rng):
    stance = Pose(trunk_lateral=5.0)
    cam = frontal_camera()
    s = landmark_series(still_poses(stance, FPS), cam, FPS, noise_px=NOISE_PX, rng=rng)
    r = analyse(s, "posture-frontal", AnalysisConfig(cm_per_px=100 * 2.6 / cam.focal_px))
    assert r.get("lateral_shift").unit == "cm"
    assert values(r, "lateral_shift") == pytest.approx(truth(stance)["lateral_shift_cm"], abs=1.0)


@pytest.mark.parametrize("noise,tol", NOISE_CASES)
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("stance", [Pose(neck_forward=30.0), Pose(trunk_flexion=6.0), Pose(trunk_flexion=-4.0,
                                                                                              neck_forward=15.0)])
def test_standing_sagittal(stance, side, noise, tol, rng):
    cam = sagittal_camera(side=side)
    s = landmark_series(still_poses(stance, FPS), cam, FPS, noise_px=noise, rng=rng)
    r = analyse(s, "posture-sagittal", AnalysisConfig(cm_per_px=100 * 2.6 / cam.focal_px))
    want = truth(stance)
    assert values(r, "trunk_inclination") == pytest.approx(want["trunk_inclination"], abs=tol)
    # The angle is right on exact landmarks, but MediaPipe's ear is not (docs/accuracy.md): the result withholds it.
    fwd = facing_direction(s)
    assert np.median(head_forward_angle(s, fwd)) == pytest.approx(want["head_forward_angle"], abs=tol)
    assert r.get("head_forward_angle").value is None and "ear" in r.get("head_forward_angle").reason
    for p in ("ear", "shoulder", "hip", "knee"):
        assert values(r, f"plumb_{p}") == pytest.approx(want[f"plumb_{p}_cm"], abs=1.5), p


def index_at_the_knuckles(s, cm_per_px: float):
    """The index landmarks where MediaPipe puts them, KNUCKLE_TO_TIP_CM up the hanging hand from the fingertip."""
    image = s.image.copy()
    image[:, [L.LEFT_INDEX, L.RIGHT_INDEX], 1] -= KNUCKLE_TO_TIP_CM / cm_per_px
    return replace(s, image=image)


@pytest.mark.parametrize("noise,tol", NOISE_CASES)
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("peak", [45.0, 80.0, 100.0])
def test_forward_bend(peak, side, noise, tol, rng):
    poses = forward_bend_poses(peak, FPS)
    cam = sagittal_camera(side=side)
    s = index_at_the_knuckles(landmark_series(poses, cam, FPS, noise_px=noise, rng=rng), 100 * 2.6 / cam.focal_px)
    r = analyse(s, "forward-bend", AnalysisConfig(cm_per_px=100 * 2.6 / cam.focal_px, blazepose=False))
    at_peak = truth(max(poses, key=lambda p: p.trunk_flexion))
    flexion = r.get("trunk_flexion")
    assert len(flexion.trials) == 3
    assert flexion.value == pytest.approx(at_peak["trunk_inclination"] - truth(poses[0])["trunk_inclination"], abs=tol)
    assert values(r, "hip_flexion") == pytest.approx(at_peak["hip_flexion"], abs=tol)
    assert values(r, "fingertip_to_floor") == pytest.approx(at_peak["fingertip_to_floor_cm"], abs=1.5)
    assert not flexion.flags


def test_forward_bend_with_bent_knees_is_flagged():
    poses = forward_bend_poses(70.0, FPS, knee_deg=30.0)
    r = analyse(landmark_series(poses, sagittal_camera(), FPS), "forward-bend")
    knee = r.get("knee_flexion_at_peak")
    assert knee.value == pytest.approx(truth(max(poses, key=lambda p: p.trunk_flexion))["knee_flexion"], abs=1.0)
    assert len(r.get("trunk_flexion").flags) == 3


def test_forward_bend_without_scale_withholds_centimetres():
    r = analyse(landmark_series(forward_bend_poses(60.0, FPS), sagittal_camera(), FPS), "forward-bend")
    m = r.get("fingertip_to_floor")
    assert m.value is None and "scale" in m.reason


@pytest.mark.parametrize("noise,tol", NOISE_CASES)
@pytest.mark.parametrize("peak", [15.0, 30.0])
def test_side_bend_both_ways(peak, noise, tol, rng):
    poses = side_bend_poses(peak, FPS)
    s = landmark_series(poses, frontal_camera(), FPS, noise_px=noise, rng=rng)
    r = analyse(s, "side-bend")
    lean = [truth(p)["trunk_lateral_lean"] for p in poses]
    assert values(r, "side_bend_left") == pytest.approx(max(lean), abs=tol)
    assert values(r, "side_bend_right") == pytest.approx(-min(lean), abs=tol)
    assert len(r.get("side_bend_left").trials) == 2 and len(r.get("side_bend_right").trials) == 2


def test_side_bend_to_the_left_only_is_reported_as_left():
    poses = [replace(p, trunk_lateral=abs(p.trunk_lateral)) for p in side_bend_poses(20.0, FPS)]
    r = analyse(landmark_series(poses, frontal_camera(), FPS), "side-bend")
    assert len(r.get("side_bend_left").trials) == 4
    assert r.get("side_bend_right").value is None


def test_fingertip_travel_in_cm_is_right_on_perfect_landmarks_but_never_shown_without_a_plus_minus():
    """The geometry holds (the side-bend measure itself, before the +/- is stated); shown, it is withheld: on the
    realistic renders it read up to 7 cm off, so no +/- can be stated for it."""
    from posture.measures import measure
    from posture.measures.side_bend import side_bend
    from posture.measures.uncertainty import NO_PLUS_MINUS

    poses = side_bend_poses(25.0, FPS)
    cam = frontal_camera()
    config = AnalysisConfig(cm_per_px=100 * 2.6 / cam.focal_px)
    series = landmark_series(poses, cam, FPS)
    heights = [truth(p)["left_index_height_cm"] for p in poses]
    checked = measure(series, "side-bend", config).subject
    assert side_bend(checked, config).get("fingertip_travel_left").value == pytest.approx(
        heights[0] - min(heights), abs=1.5)
    shown = analyse(series, "side-bend", config).get("fingertip_travel_left")
    assert shown.value is None and shown.reason == NO_PLUS_MINUS and shown.withheld == "not-measurable"


@pytest.mark.parametrize("noise", [0.0, NOISE_PX])
@pytest.mark.parametrize("peak", [25.0, 45.0])
def test_rotation_both_ways(peak, noise, rng):
    poses = rotation_poses(peak, FPS)
    r = analyse(landmark_series(poses, frontal_camera(), FPS, noise_px=noise, rng=rng), "rotation")
    rot = [truth(p)["trunk_rotation"] for p in poses]
    assert values(r, "rotation_left") == pytest.approx(max(rot), abs=5.0)
    assert values(r, "rotation_right") == pytest.approx(-min(rot), abs=5.0)
    assert not r.get("rotation_left").flags


def test_pelvis_yaw_is_never_given_from_one_frontal_camera():
    # MediaPipe's hips turn with the shoulders on realistic bodies (docs/accuracy.md): even where exact landmarks would
    # show the pelvis turning, the number is withheld with the reason, never shown.
    poses = rotation_poses(40.0, FPS, pelvis_share=0.5)
    r = analyse(landmark_series(poses, frontal_camera(), FPS), "rotation")
    for side in ("left", "right"):
        m = r.get(f"pelvis_yaw_{side}")
        assert m.value is None and "hips turn with the shoulders" in m.reason


def test_mirrored_recording_keeps_the_subjects_sides():
    stance = Pose(shoulder_tilt=6.0)
    s = landmark_series(still_poses(stance, FPS), frontal_camera(), FPS)
    image = s.image.copy()
    image[..., 0] = s.width - image[..., 0]
    world = s.world.copy()
    world[..., 0] *= -1
    # What a pose model reports on the selfie view: flipped picture, sides labelled by appearance.
    selfie = replace(s, image=image[:, MIRROR_PERMUTATION], world=world[:, MIRROR_PERMUTATION])
    assert values(analyse(unmirror(selfie), "posture-frontal"), "shoulder_tilt") == pytest.approx(6.0, abs=0.5)
    with pytest.raises(ViewError, match="mirrored"):
        analyse(replace(s, image=image), "posture-frontal")


@pytest.mark.parametrize("roll", [-6.0, 8.0])
def test_camera_roll_reads_as_tilt_until_removed(roll):
    stance = Pose(shoulder_tilt=3.0)
    s = landmark_series(still_poses(stance, FPS), frontal_camera(roll_deg=roll), FPS)
    raw = analyse(s, "posture-frontal")
    fixed = analyse(s, "posture-frontal", AnalysisConfig(roll_deg=roll, calibrated=True))
    assert values(raw, "shoulder_tilt") == pytest.approx(3.0 + roll, abs=0.5)
    assert any("Uncalibrated" in n for n in raw.notes)
    assert values(fixed, "shoulder_tilt") == pytest.approx(3.0, abs=0.5)
    assert not fixed.notes


def test_other_body_proportions():
    body = Body(height=1.55, shoulder_width=0.23, hip_width=0.13)
    poses = forward_bend_poses(65.0, FPS)
    r = analyse(landmark_series(poses, sagittal_camera(), FPS, body=body), "forward-bend", EXACT)
    assert values(r, "trunk_flexion") == pytest.approx(true_flexion(65.0, body), abs=1.0)


def test_wrong_view_is_refused_with_advice():
    s = landmark_series(still_poses(Pose(), FPS), sagittal_camera(), FPS)
    with pytest.raises(ViewError, match="turn the subject to face the camera"):
        analyse(s, "posture-frontal")
    bend = landmark_series(forward_bend_poses(60.0, FPS), frontal_camera(), FPS)
    with pytest.raises(ViewError, match="side-on"):
        analyse(bend, "forward-bend")


def test_no_movement_is_a_clear_error():
    s = landmark_series(still_poses(Pose(), FPS, 6.0), sagittal_camera(), FPS)
    with pytest.raises(TrialError, match="No complete repetition"):
        analyse(s, "forward-bend")


def test_poorly_seen_landmarks_are_withheld():
    s = landmark_series(still_poses(Pose(shoulder_tilt=4.0), FPS), frontal_camera(), FPS)
    shoulders_hidden = np.where(np.isin(np.arange(33), [11, 12]), 0.3, 0.95)
    r = analyse(replace(s, visibility=np.tile(shoulders_hidden, (len(s), 1))), "posture-frontal")
    m = r.get("shoulder_tilt")
    assert m.value is None and "quality" in m.reason and not m.trials
    assert r.get("head_tilt").value is not None


def test_the_pose_models_bias_at_a_deep_bend_is_taken_off_each_repetition():
    """BlazePose reads a deep bend further than the joints (fitted on half the realistic renders: +0.6 at 45
    degrees, +8.5 at 100; an independent renderer's +8.3 at 97): the analysis of the pose model's landmarks takes it
    off, never adds, and leaves exact landmarks alone."""
    from posture.measures.forward_bend import FLEXION_BIAS, corrected_flexion

    assert corrected_flexion(100.0) == pytest.approx(100.0 - (FLEXION_BIAS[0] + 100.0 * FLEXION_BIAS[1]))
    assert 91.0 < corrected_flexion(100.0) < 92.0 and corrected_flexion(30.0) == 30.0
    series = landmark_series(forward_bend_poses(90.0, FPS), sagittal_camera(), FPS)
    exact, modelled = (analyse(series, "forward-bend", AnalysisConfig(blazepose=b)).get("trunk_flexion")
                       for b in (False, True))
    assert modelled.value == pytest.approx(corrected_flexion(exact.value), abs=0.01)
    assert modelled.trials == pytest.approx([corrected_flexion(v) for v in exact.trials], abs=0.01)
