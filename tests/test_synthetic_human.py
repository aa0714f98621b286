"""The realistic test body: shape, posing and truth, and the GL renderer (no pose model here)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from posture.landmarks import Landmark as L
from posture.synthetic.camera import frontal_camera
from posture_renders.human import Shape, base_mesh, pose_human, shaped_body
from posture_renders.raster import Clothes, render_scene
from posture.synthetic.scene import measured_truth
from posture.synthetic.skeleton import Pose

WOMAN, MAN = Shape(1.58, gender=0.0, weight=0.8), Shape(1.88, gender=1.0, weight=0.3)


@pytest.mark.parametrize("shape", [WOMAN, MAN])
def test_standing_body_has_its_stature_and_human_proportions(shape):
    body = shaped_body(shape)
    posed = pose_human(Pose(), body)
    p, skin = posed.landmarks, posed.vertices[np.unique(base_mesh().groups["body"])]
    assert skin[:, 1].min() == pytest.approx(0.0, abs=1e-9)                   # feet on the floor
    assert skin[:, 1].max() == pytest.approx(shape.height, abs=0.01)          # the stature asked for
    assert p[L.LEFT_SHOULDER, 1] / shape.height == pytest.approx(0.81, abs=0.03)   # acromial height ~0.82 H
    assert p[L.LEFT_HIP, 1] / shape.height == pytest.approx(0.52, abs=0.03)
    assert p[L.LEFT_SHOULDER, 0] > 0 > p[L.RIGHT_SHOULDER, 0]                      # x to the subject's left
    assert p[L.NOSE, 2] > p[L.LEFT_EAR, 2]                                         # facing +z


@pytest.mark.parametrize("pose, key, want, tol", [
    (Pose(trunk_rotation=40.0), "trunk_rotation", 40.0, 1.0),
    (Pose(trunk_rotation=-25.0, pelvis_yaw=-10.0), "pelvis_yaw", -10.0, 0.5),
    (Pose(shoulder_tilt=4.0), "shoulder_tilt", 4.0, 0.5),
    (Pose(pelvic_obliquity=-3.0), "pelvic_tilt", -3.0, 0.3),
    (Pose(pelvic_obliquity=-3.0), "trunk_lateral_lean", 0.0, 0.5),   # the lumbar spine rights the trunk
    (Pose(head_tilt=6.0), "head_tilt", 6.0, 0.5),
    (Pose(knee_flexion=60.0), "knee_flexion", 60.0, 1.5),            # the rest leg bends about 1 degree
])
def test_posed_truth_follows_the_pose(pose, key, want, tol):
    assert measured_truth(pose_human(pose, shaped_body(MAN)).landmarks)[key] == pytest.approx(want, abs=tol)


def test_bends_spread_along_the_spine():
    """A bend spread over the spine leans the hip-to-shoulder line less than the summed segment angles."""
    body = shaped_body(WOMAN)
    lean = measured_truth(pose_human(Pose(trunk_lateral=30.0), body).landmarks)["trunk_lateral_lean"]
    flexion = measured_truth(pose_human(Pose(trunk_flexion=80.0, arms="gravity"), body).landmarks)
    assert 12.0 < lean < 25.0
    assert 55.0 < flexion["trunk_inclination"] < 80.0
    assert flexion["fingertip_to_floor_cm"] < 60.0                                   # the hands come down


def test_renders_a_person_in_a_room_fast():
    shape = Shape()
    posed = pose_human(Pose(), shaped_body(shape))
    cam = frontal_camera()
    empty = render_scene([], cam)
    start = time.perf_counter()
    frames = [render_scene([(posed, shape, Clothes())], cam) for _ in range(5)]
    per_frame = (time.perf_counter() - start) / 5
    assert frames[0].shape == (640, 480, 3) and frames[0].dtype == np.uint8
    changed = np.abs(frames[0].astype(int) - empty.astype(int)).sum(axis=2) > 30
    u, v = cam.project(posed.landmarks[[L.NOSE, L.LEFT_ANKLE]]).T
    assert changed[int(v[0]), int(u[0])] and changed[int(v[1]) - 5, int(u[1])]  # the face and a foot are drawn
    assert 0.05 < changed.mean() < 0.3
    assert per_frame < 1.0                                                         # the budget per frame
