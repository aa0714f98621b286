"""The guided live protocol, fed frame by frame from posed skeletons with known angles."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import FPS, sample
from posture.live import DONE, FRAMING, MOVING, NEUTRAL, GuidedCheck, LiveConfig, framing_problem
from posture.synthetic.camera import frontal_camera, sagittal_camera
from posture.synthetic.scene import (forward_bend_poses, landmark_series, rotation_poses, side_bend_poses,
                                     still_poses, truth)
from posture.synthetic.skeleton import Pose


def feed(check: GuidedCheck, series, brightness: float = 128.0):
    prompts = []
    for k in range(len(series)):
        prompts.append(check.update(series.t[k], series.image[k], series.visibility[k], series.world[k], brightness))
    return prompts


def test_forward_bend_runs_from_framing_to_result(rng):
    poses = still_poses(Pose(arms="gravity"), FPS, 1.5) + forward_bend_poses(70.0, FPS)
    series = landmark_series(poses, sagittal_camera(), FPS, noise_px=1.0, rng=rng)
    check = GuidedCheck("forward-bend", series.width, series.height)
    prompts = feed(check, series)
    steps = [p.step for p in prompts]
    assert steps[0] == FRAMING and NEUTRAL in steps and MOVING in steps and steps[-1] == DONE
    assert steps.index(NEUTRAL) < steps.index(MOVING) < steps.index(DONE)
    assert prompts[-1].reps == {1: 3}
    peak_live = max(p.angle for p in prompts if p.step == MOVING)
    assert peak_live == pytest.approx(70.0, abs=4.0)                # the number on screen follows the bend
    assert check.result.get("trunk_flexion").value == pytest.approx(70.0, abs=3.0)
    assert len(check.result.trial_frames) == 3


def test_side_bend_counts_each_side(rng):
    poses = still_poses(Pose(), FPS, 1.5) + side_bend_poses(20.0, FPS)
    series = landmark_series(poses, frontal_camera(), FPS, noise_px=1.0, rng=rng)
    check = GuidedCheck("side-bend", series.width, series.height)
    prompts = feed(check, series)
    assert prompts[-1].step == DONE and prompts[-1].reps == {1: 2, -1: 2}
    assert check.result.get("side_bend_left").value == pytest.approx(20.0, abs=3.0)


def test_rotation_shows_the_turn_and_counts_each_side(rng):
    poses = still_poses(Pose(arm_abduction=14.0), FPS, 1.5) + rotation_poses(35.0, FPS)
    series = landmark_series(poses, frontal_camera(), FPS, noise_px=1.0, rng=rng)
    check = GuidedCheck("rotation", series.width, series.height)
    prompts = feed(check, series)
    assert prompts[-1].step == DONE and prompts[-1].reps == {1: 2, -1: 2}
    live = [p.angle for p in prompts if p.step == MOVING]
    assert max(live) == pytest.approx(35.0, abs=5.0) and min(live) == pytest.approx(-35.0, abs=5.0)
    assert check.result.get("rotation_left").value == pytest.approx(35.0, abs=5.0)


@pytest.mark.slow
def test_rotation_live_on_real_landmarks():
    """MediaPipe on the rendered rotation sample, its opening second held longer to settle the neutral."""
    from posture.pipeline import landmarks_from_video

    video, truth_ = sample("rotation_front")
    s = landmarks_from_video(video)
    order = np.concatenate([np.arange(int(s.fps)), np.arange(int(s.fps)), np.arange(len(s))])
    check = GuidedCheck("rotation", s.width, s.height)
    prompts = [check.update(k / s.fps, s.image[i], s.visibility[i], s.world[i]) for k, i in enumerate(order)]
    assert prompts[-1].step == DONE and prompts[-1].reps == {1: 2, -1: 2}
    live = [p.angle for p in prompts if p.step == MOVING]
    assert max(live) == pytest.approx(truth_["expected"]["rotation_left"], abs=6.0)
    assert -min(live) == pytest.approx(truth_["expected"]["rotation_right"], abs=6.0)


def test_standing_posture_needs_no_movement(rng):
    stance = Pose(shoulder_tilt=4.0)
    series = landmark_series(still_poses(stance, FPS, 5.0), frontal_camera(), FPS, noise_px=1.0, rng=rng)
    check = GuidedCheck("posture-frontal", series.width, series.height)
    assert feed(check, series)[-1].step == DONE
    assert check.result.get("shoulder_tilt").value == pytest.approx(truth(stance)["shoulder_tilt"], abs=1.0)


@pytest.mark.parametrize("test, raised", [("posture-frontal", "abduction"), ("posture-sagittal", "flexion")])
def test_standing_posture_waits_for_the_arms_to_hang(test, raised):
    """Arms held out at shoulder height (to the sides from the front, in front from the side), then let down."""
    from arms import arms_out

    cam = frontal_camera() if test == "posture-frontal" else sagittal_camera()
    held_out = arms_out(raised, cam, seconds=5.0)
    check = GuidedCheck(test, held_out.width, held_out.height)
    prompts = feed(check, held_out)
    said = [p for p in prompts if p.step == NEUTRAL][1:]            # after "Stand still, looking ahead, arms ..."
    assert said and all(p.instruction == p.problem == "Let your arms hang relaxed at your sides." for p in said)
    assert check.step == NEUTRAL                                    # 4 s held still, never captured
    hanging = landmark_series(still_poses(Pose(), FPS, 4.0), cam, FPS)
    hanging = replace(hanging, t=hanging.t + held_out.t[-1] + 1 / FPS)
    assert feed(check, hanging)[-1].step == DONE and check.result is not None and not check.error
    kept = check.series()                                           # as analysed: its time from its first frame
    first = np.isclose(hanging.image[:, 0], kept.image[0, 0]).all(axis=1)
    assert first.any() and kept.t[-1] <= hanging.t[-1] - hanging.t[first][0] + 1e-6   # the still period: arms hanging


def bends(peaks: list[float], low: float = 0.0) -> list[Pose]:
    """Forward bends to each peak in turn (deg), coming up only to `low` between them, then standing still."""
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, int(1.4 * FPS)))
    angles = list(np.zeros(int(2 * FPS)))
    for k, peak in enumerate(peaks):
        up = low if k < len(peaks) - 1 else 0.0
        angles += [*(angles[-1] + (peak - angles[-1]) * ramp), *[peak] * int(0.8 * FPS), *(peak + (up - peak) * ramp),
                   *[up] * int(1.0 * FPS)]
    angles += [0.0] * int(FPS)
    return [Pose(trunk_flexion=a, hip_shift_back=0.12 * a / 90, arms="gravity") for a in angles]


@pytest.mark.parametrize("peaks, low", [([70.0, 70.0, 70.0], 12.0), ([15.0, 70.0, 70.0, 70.0], 0.0)])
def test_the_count_at_the_end_is_the_trials_measured(peaks, low, rng):
    """Coming only part way up between bends (each a trial to the analysis), or a small bend before large ones
    (not a trial to the analysis, under 35% of the largest): the counter counts as the analysis does."""
    series = landmark_series(still_poses(Pose(arms="gravity"), FPS, 1.5) + bends(peaks, low), sagittal_camera(), FPS,
                             noise_px=1.0, rng=rng)
    check = GuidedCheck("forward-bend", series.width, series.height)
    prompts = feed(check, series)
    assert prompts[-1].step == DONE and check.result is not None
    assert prompts[-1].reps == {1: len(check.result.trial_frames)} == {1: 3}
    assert prompts[-1].instruction == "Done, thank you: 3 repetitions measured. You can relax."
    shown = [p.reps[1] for p in prompts if p.step == MOVING]
    assert shown[-1] == 3                           # the third was on screen before the end


def test_the_still_instruction_stays_while_its_count_goes_down(rng):
    """From the first neutral frame to the last the words are the same (readable from 3 m), only the count changes;
    the count is whole seconds from the hold time down to 0, never going up."""
    series = landmark_series(still_poses(Pose(), FPS, 6.0), frontal_camera(), FPS, noise_px=0.5, rng=rng)
    prompts = feed(GuidedCheck("posture-frontal", series.width, series.height), series)
    still = [p for p in prompts if p.step == NEUTRAL]
    assert {p.instruction for p in still} == {"Stand still, looking ahead, arms relaxed at your sides"}
    counts = [p.seconds_left for p in still]
    assert counts[0] == LiveConfig().hold_posture_s and min(counts) == 0
    assert all(a >= b for a, b in zip(counts, counts[1:]))
    assert still[-1].text.endswith(f"... {counts[-1]} s") and prompts[-1].step == DONE


def test_moving_during_the_neutral_capture_restarts_it(rng):
    poses = still_poses(Pose(), FPS, 1.5) + [Pose(trunk_lateral=8.0 * np.sin(k / 5)) for k in range(60)]
    series = landmark_series(poses, frontal_camera(), FPS)
    prompts = feed(GuidedCheck("side-bend", series.width, series.height), series)
    assert any(p.instruction == "Please keep still for a moment." for p in prompts)
    assert prompts[-1].step == NEUTRAL                      # swaying 8 degrees never counts as still


def one_frame(pose: Pose, cam):
    s = landmark_series([pose], cam, FPS)
    return s.image[0], s.visibility[0], s.width, s.height


def test_someone_bending_early_is_not_told_they_stand_too_far_away():
    """A bend shortens the body's height in the picture, not its length: bent 70 degrees at a distance where standing
    is fine, the person is not sent closer (the live check said so while a subject bent before the neutral)."""
    from posture.live import body_length

    cfg, cam = LiveConfig(), sagittal_camera(distance=2.6)
    standing, bent = (one_frame(pose, cam) for pose in (Pose(), Pose(trunk_flexion=70.0)))
    for xy, vis, w, h in (standing, bent):
        assert framing_problem(xy, vis, w, h, "sagittal", 128.0, cfg) == ""
    assert np.ptp(bent[0][:, 1]) / bent[3] < cfg.min_body_share < body_length(bent[0]) / bent[3]
    far = one_frame(Pose(), sagittal_camera(distance=6.0))
    assert "too far away" in framing_problem(*far[:2], *far[2:], "sagittal", 128.0, cfg)


@pytest.mark.parametrize("case, expected", [
    ("dark", "too dark"),
    ("nobody", "Nobody is in view"),
    ("cut off", "out of the picture"),
    ("too far", "too far away"),
    ("side-on for a frontal test", "face the camera"),
    ("facing for a side test", "Turn sideways"),
    ("fine", ""),
])
def test_framing_problems_are_said_plainly(case, expected):
    cfg = LiveConfig()
    cams = {"cut off": frontal_camera(distance=1.3), "too far": frontal_camera(distance=6.0),
            "side-on for a frontal test": sagittal_camera()}
    xy, vis, w, h = one_frame(Pose(), cams.get(case, frontal_camera()))
    view = "sagittal" if case == "facing for a side test" else "frontal"
    if case == "nobody":
        xy = None
    problem = framing_problem(xy, vis, w, h, view, 10.0 if case == "dark" else 128.0, cfg)
    assert (expected in problem) if expected else problem == ""


def test_losing_the_person_mid_test_is_said_and_kept_as_a_gap(rng):
    poses = still_poses(Pose(arms="gravity"), FPS, 1.5) + forward_bend_poses(60.0, FPS)
    series = landmark_series(poses, sagittal_camera(), FPS, noise_px=1.0, rng=rng)
    check = GuidedCheck("forward-bend", series.width, series.height)
    for k in range(len(series)):
        gone = 150 <= k < 155                      # someone walks in front of the camera for 1/6 s
        p = check.update(series.t[k], None if gone else series.image[k], series.visibility[k], series.world[k])
        if gone and check.step != FRAMING:
            assert "Nobody is in view" in p.instruction
    assert check.step == DONE and check.result is not None


@pytest.mark.parametrize("test", ["forward-bend", "side-bend", "rotation", "posture-frontal", "posture-sagittal"])
def test_the_test_is_recognised_from_view_and_movement(test, rng):
    from posture.measures.recognise import recognise

    poses = {"forward-bend": lambda: forward_bend_poses(60.0, FPS), "side-bend": lambda: side_bend_poses(15.0, FPS),
             "rotation": lambda: rotation_poses(35.0, FPS), "posture-frontal": lambda: still_poses(Pose(), FPS),
             "posture-sagittal": lambda: still_poses(Pose(), FPS)}[test]()
    cam = sagittal_camera() if test in ("forward-bend", "posture-sagittal") else frontal_camera()
    recognition = recognise(landmark_series(poses, cam, FPS, noise_px=2.0, rng=rng))
    assert (recognition.test, recognition.sure, recognition.others) == (test, True, ())


def test_a_movement_between_a_side_bend_and_a_turn_is_never_guessed(rng):
    """A turn that leans a third of a degree per degree of turn lies between what the renders showed of side bends
    (0.44 or more) and of rotations (0.16 or less): the tool says it is not sure, and names both."""
    from dataclasses import replace

    from posture.analysis import analyse_landmarks
    from posture.errors import UnsureTestError
    from posture.measures.recognise import recognise

    poses = [replace(p, trunk_lateral=p.trunk_rotation / 3) for p in rotation_poses(35.0, FPS)]
    series = landmark_series(poses, frontal_camera(), FPS, noise_px=2.0, rng=rng)
    recognition = recognise(series)
    assert not recognition.sure and set(recognition.candidates) == {"side-bend", "rotation"}
    assert "side bend" in recognition.words() and "trunk rotation" in recognition.words()
    with pytest.raises(UnsureTestError, match="Not sure which test this is") as refused:
        analyse_landmarks(series, "auto")                       # the command line and the batch: refused
    assert refused.value.choices == ()
    with pytest.raises(UnsureTestError) as asked:
        analyse_landmarks(series, "auto", let_choose=True)      # the app: each candidate measured, for the user
    choices = dict(asked.value.choices)
    assert set(choices) == {"side-bend", "rotation"}
    for test, analysis in choices.items():
        assert isinstance(analysis, str) or (analysis.test == test and analysis.result.test == test
                                             and analysis.recognition == recognition)


def test_the_state_says_what_the_check_knows(rng):
    """One pass through the steps, each a state of its own; the settled neutral opens the recording, never rewritten."""
    from posture.live import Done, Framing, Moving, Neutral

    stance = Pose(arms="gravity")
    poses = still_poses(stance, FPS, 1.5) + forward_bend_poses(70.0, FPS)
    series = landmark_series(poses, sagittal_camera(), FPS, noise_px=1.0, rng=rng)
    check = GuidedCheck("forward-bend", series.width, series.height)
    states = []
    for k in range(len(series)):
        check.update(series.t[k], series.image[k], series.visibility[k], series.world[k])
        states.append(check.state)
    kinds = [type(s) for s in states]
    assert [c for i, c in enumerate(kinds) if i == 0 or c != kinds[i - 1]] == [Framing, Neutral, Moving, Done]
    moving = [s for s in states if isinstance(s, Moving)]
    first = moving[0]
    assert first.baseline == pytest.approx(truth(stance)["trunk_inclination"], abs=2.0)
    assert LiveConfig().hold_s <= first.neutral.t[-1] - first.neutral.t[0] < LiveConfig().hold_s + 2 / FPS
    start = int(np.flatnonzero((series.image[:, 0] == first.neutral.image[0, 0]).all(axis=1))[0])
    end = kinds.index(Done)                  # every frame since the neutral's first, none dropped, timed from it
    np.testing.assert_allclose(check.series().t, series.t[start:end + 1] - series.t[start], atol=1e-9)
    counts = [s.reps[1] for s in moving] + [states[-1].reps[1]]
    assert counts == sorted(counts) and counts[-1] == 3
    assert states[-1].result is check.result and check.step == DONE
