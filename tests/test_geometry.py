import numpy as np
import pytest

from posture.geometry import angle_between, incline_from_horizontal, incline_from_vertical, joint_flexion, upright, wrap180
from posture.synthetic.camera import frontal_camera


def test_upright_flips_image_y():
    assert np.allclose(upright(np.array([3.0, -4.0])), [3.0, 4.0])


@pytest.mark.parametrize("roll", [-12.0, -3.0, 0.0, 5.0, 20.0])
def test_camera_roll_is_removed(roll):
    cam = frontal_camera(roll_deg=roll)
    a, b = cam.project(np.array([[-0.3, 1.2, 0.0], [0.3, 1.2, 0.0]]))  # a level world line
    assert incline_from_horizontal(upright(b - a)) == pytest.approx(roll, abs=0.01)
    assert incline_from_horizontal(upright(b - a, roll)) == pytest.approx(0.0, abs=0.01)


def test_inclines_are_signed():
    assert incline_from_horizontal(np.array([1.0, 1.0])) == pytest.approx(45)
    assert incline_from_vertical(np.array([1.0, 1.0])) == pytest.approx(45)
    assert incline_from_vertical(np.array([1.0, 1.0]), forward=-1) == pytest.approx(-45)


def test_joint_flexion_is_zero_when_straight_and_90_at_right_angle():
    hip, knee = np.array([0.0, 1.0]), np.array([0.0, 0.5])
    assert joint_flexion(hip, knee, np.array([0.0, 0.0])) == pytest.approx(0.0, abs=1e-6)
    assert joint_flexion(hip, knee, np.array([0.5, 0.5])) == pytest.approx(90.0)
    assert angle_between(np.array([1.0, 0, 0]), np.array([0, 0, 2.0])) == pytest.approx(90.0)


def test_wrap_never_jumps_past_180():
    assert np.allclose(wrap180(np.array([190.0, -190.0, 359.0, 0.0])), [-170.0, 170.0, -1.0, 0.0])
