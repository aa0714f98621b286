"""One recording, two paths: analysed offline and through the live check, with a lens profile made at another resolution."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import FPS
from posture.calibration import CameraProfile
from posture.live import DONE, GuidedCheck, LiveConfig
from posture.measures import AnalysisConfig
from posture.pipeline import analyse_video
from posture.prepare import Preparation
from posture.synthetic.camera import frontal_camera, sagittal_camera
from posture.synthetic.scene import forward_bend_poses, landmark_series, side_bend_poses, still_poses
from posture.synthetic.skeleton import Pose

LENS = (-0.18, 0.04, 0.0, 0.0, 0.0)      # barrel distortion, as a wide webcam lens
ROLL = 3.0
# The live series starts when the framing has held (1 s) and ends once the causal filter has brought the last
# repetition back under half its excursion; the recording is longer at both ends, so its neutral second and
# its trial edges differ a little. The analysis of both is the same zero-phase one, so the peaks agree this closely.
LAG_TOLERANCE = {"deg": 0.5, "cm": 1.0}

CASES = {
    "forward-bend": (lambda: still_poses(Pose(arms="gravity"), FPS, 1.5) + forward_bend_poses(65.0, FPS),
                     sagittal_camera),
    "side-bend": (lambda: still_poses(Pose(), FPS, 1.5) + side_bend_poses(20.0, FPS), frontal_camera),
}


def recording(test: str):
    """The test seen through a rolled wide-angle camera at 480 x 640, and that camera's profile made at twice the size."""
    poses, place = CASES[test]
    cam = place(roll_deg=ROLL, distortion=LENS)
    series = landmark_series(poses(), cam, FPS, noise_px=1.0, rng=np.random.default_rng(11))
    k = 2                                # calibrated at 960 x 1280; the scale at the subject's plane from the pinhole
    profile = CameraProfile(name="clinic-cam", image_size=(cam.width * k, cam.height * k),
                            focal_px=(cam.focal_px * k,) * 2, principal_px=(cam.centre[0] * k, cam.centre[1] * k),
                            distortion=LENS, roll_deg=ROLL, cm_per_px=260.0 / (cam.focal_px * k))
    return series, profile


def live_check(series, test: str, **kw) -> GuidedCheck:
    check = GuidedCheck(test, series.width, series.height, **kw)
    for i in range(len(series)):
        check.update(series.t[i], series.image[i], series.visibility[i], series.world[i])
    assert check.step == DONE and not check.error, check.error
    return check


def live(series, test: str, **kw):
    return live_check(series, test, **kw).result


@pytest.mark.parametrize("test", list(CASES))
def test_live_and_offline_agree_with_a_lens_profile_at_another_resolution(test, tmp_path):
    series, profile = recording(test)
    series.save(tmp_path / "recording.npz")
    offline = analyse_video(tmp_path / "recording.npz", test, profile=profile).result
    check = live_check(series, test, profile=profile)
    online = check.result
    # The live check keeps the landmarks exactly as the offline path prepares them (undistorted, full resolution).
    prep = Preparation.for_frames(series.width, series.height, AnalysisConfig(), profile)
    prepared = prep.landmarks(series)
    config = prep.scaled(prepared)
    kept = check.series()
    assert np.nanmax(np.abs(prepared.image - series.image)) > 3.0          # the lens bends the landmarks visibly
    first = int(np.flatnonzero(np.isclose(prepared.image[:, 0], kept.image[0, 0]).all(axis=1))[0])
    np.testing.assert_allclose(kept.image, prepared.image[first:first + len(kept)], atol=1e-6)     # a run of frames
    np.testing.assert_allclose(kept.t, series.t[first:first + len(kept)] - series.t[first], atol=1e-9)
    assert config.calibrated and config.roll_deg == ROLL and config.cm_per_px == pytest.approx(2 * profile.cm_per_px)
    assert offline.get(offline.measurements[0].name).value is not None
    for a, b in zip(offline.measurements, online.measurements):
        assert a.name == b.name and a.unit == b.unit
        assert (a.value is None) == (b.value is None), a.name
        if a.value is not None:
            assert b.value == pytest.approx(a.value, abs=LAG_TOLERANCE[a.unit]), a.name
    assert offline.notes[:1] == online.notes[:1] == ()       # both calibrated: no "uncalibrated" note


def test_the_old_hand_built_live_settings_disagreed(tmp_path):
    """Roll and scale copied from the profile as they were, without undistortion or the resolution: centimetres off."""
    series, profile = recording("forward-bend")
    series.save(tmp_path / "recording.npz")
    offline = analyse_video(tmp_path / "recording.npz", "forward-bend", profile=profile).result
    by_hand = LiveConfig(analysis=AnalysisConfig(roll_deg=ROLL, calibrated=True, cm_per_px=profile.cm_per_px))
    old = live(series, "forward-bend", config=by_hand)
    reach_off, reach_old = offline.get("fingertip_to_floor").value, old.get("fingertip_to_floor").value
    assert abs(reach_old - reach_off) > 5 * LAG_TOLERANCE["cm"]
    fixed = live(series, "forward-bend", config=replace(by_hand, analysis=AnalysisConfig()), profile=profile)
    assert fixed.get("fingertip_to_floor").value == pytest.approx(reach_off, abs=LAG_TOLERANCE["cm"])


def test_the_live_check_and_the_analysis_find_the_same_neutral_on_the_same_landmarks():
    """A subject who waits leaning to one side, sways, then stands still and upright, then bends sideways: the live
    check settles its neutral where the analysis finds it on the whole recording (one stillness rule, stillness.py),
    and the analysis of what the live check kept measures from it without refusing."""
    from posture.analysis import analyse_landmarks

    leaning = still_poses(Pose(trunk_lateral=12.0), FPS, 3.5)
    sway = [Pose(trunk_lateral=6.0 * np.sin(k / 5.0)) for k in range(int(1.0 * FPS))]
    poses = leaning + sway + still_poses(Pose(), FPS, 2.5) + side_bend_poses(20.0, FPS)
    series = landmark_series(poses, frontal_camera(), FPS, noise_px=1.0, rng=np.random.default_rng(5))
    whole = analyse_landmarks(series, "side-bend")
    offline = whole.neutral_start
    assert 4.5 <= series.t[offline] <= 4.8                             # after the sway, where the stillness begins
    assert any("did not start still" in n for n in whole.result.notes)

    check = GuidedCheck("side-bend", series.width, series.height)
    for k in range(len(series)):
        check.update(series.t[k], series.image[k], series.visibility[k], series.world[k])
        if check.frames:                                   # the neutral is settled: the recording starts with it
            break
    live_start = check.frames[0][0]
    assert live_start == pytest.approx(series.t[offline], abs=2 / FPS)
    for k in range(k + 1, len(series)):
        check.update(series.t[k], series.image[k], series.visibility[k], series.world[k])
    assert check.step == DONE and not check.error, check.error
    for side in ("left", "right"):
        name = f"side_bend_{side}"
        assert check.result.get(name).value == pytest.approx(whole.result.get(name).value, abs=LAG_TOLERANCE["deg"])
