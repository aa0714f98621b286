from dataclasses import replace

import numpy as np

from posture.landmarks import MIRROR_PERMUTATION, Landmark as L, LandmarkSeries, unmirror
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
