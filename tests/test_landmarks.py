from dataclasses import replace

import numpy as np
import pytest

from posture.landmarks import MIRROR_PERMUTATION, N_LANDMARKS, Landmark as L, LandmarkSeries, unmirror
from posture.synthetic.camera import frontal_camera
from posture.synthetic.scene import landmark_series, still_poses
from posture.synthetic.skeleton import Pose


def test_mirror_permutation_pairs_every_side():
    assert MIRROR_PERMUTATION[L.LEFT_SHOULDER] == L.RIGHT_SHOULDER
    assert MIRROR_PERMUTATION[L.RIGHT_FOOT_INDEX] == L.LEFT_FOOT_INDEX
    assert MIRROR_PERMUTATION[L.MOUTH_LEFT] == L.MOUTH_RIGHT
    assert MIRROR_PERMUTATION[L.NOSE] == L.NOSE
    assert sorted(MIRROR_PERMUTATION) == list(range(33))


def test_save_and_load_round_trip(tmp_path):
    s = landmark_series(still_poses(Pose(), 10, 1.0), frontal_camera(), fps=10)
    s.save(tmp_path / "x.npz")
    back = LandmarkSeries.load(tmp_path / "x.npz")
    assert np.array_equal(back.image, s.image) and np.array_equal(back.t, s.t)
    assert (back.width, back.height) == (s.width, s.height)


def test_unmirror_puts_left_shoulder_on_subjects_left():
    s = landmark_series(still_poses(Pose(), 10, 0.5), frontal_camera(), fps=10)
    flipped = s.image.copy()
    flipped[..., 0] = s.width - flipped[..., 0]
    # Flipped, the true right shoulder stands where a facing subject's left one would,
    # so the model labels it "left shoulder".
    assert flipped[0, L.RIGHT_SHOULDER, 0] > flipped[0, L.LEFT_SHOULDER, 0]
    seen = replace(s, image=flipped[:, MIRROR_PERMUTATION])
    fixed = unmirror(seen)
    assert np.allclose(fixed.image, s.image)


def test_a_series_slices_joins_and_builds_one_frame():

    rng = np.random.default_rng(0)
    n = 6
    s = LandmarkSeries(image=rng.normal(size=(n, N_LANDMARKS, 2)), visibility=rng.random((n, N_LANDMARKS)),
                       world=rng.normal(size=(n, N_LANDMARKS, 3)), t=np.arange(n) / 30.0, width=640, height=480)
    assert len(s[2]) == 1 and s[2].t[0] == s.t[2] and len(s[-1]) == 1 and s[-1].t[0] == s.t[-1]
    assert np.array_equal(s[1:4].image, s.image[1:4]) and np.array_equal(s.slice(1, 4).t, s.t[1:4])
    mask = np.array([True, False, True, False, False, True])
    assert np.array_equal(s[mask].t, s.t[mask]) and s[mask].width == 640
    joined = LandmarkSeries.concat([s[:2], s[2:]])
    assert all(np.array_equal(getattr(joined, k), getattr(s, k)) for k in ("image", "visibility", "world", "t"))
    one = LandmarkSeries.one(s.image[3], s.visibility[3], t=1.5, width=640, height=480)
    assert len(one) == 1 and one.t[0] == 1.5 and np.isnan(one.world).all() and one.detected.all()
    assert not LandmarkSeries.missing(width=640, height=480).detected.any()
    with pytest.raises(ValueError, match="different frame sizes"):
        LandmarkSeries.concat([s, LandmarkSeries.missing(width=320, height=240)])
