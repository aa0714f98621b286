"""One subject, their own sides, a still neutral, the camera's angle and the movement asked for.

Exact landmarks of a posed skeleton, with the faults of real footage put in by
hand: a track that jumps to someone else, labels swapped, a neutral that is
not still, a camera turned away, a squat instead of the test.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from conftest import FPS
from posture.errors import TrialError, ViewError
from posture.landmarks import MIRROR_PERMUTATION, Excluded
from posture.measures import TESTS, analyse
from posture.measures.checks import camera_angle
from posture.measures.stillness import find_neutral
from posture.measures.subject import frontal_swaps, keep_subject, track_jumps
from posture.others import ClearView, OthersWatch, overlap_frames
from posture.synthetic.camera import frontal_camera, sagittal_camera
from posture.synthetic.scene import landmark_series, side_bend_poses, still_poses, trial_profile
from posture.synthetic.skeleton import Pose, rot_y


def turned_camera(azimuth_deg: float):
    """The frontal camera moved round the subject by azimuth_deg, towards the subject's left when +."""
    cam = frontal_camera()
    turn = rot_y(azimuth_deg)
    return replace(cam, position=tuple(turn @ np.asarray(cam.position)), target=tuple(turn @ np.asarray(cam.target)))


def test_a_track_that_jumps_to_someone_else_is_set_aside():
    s = landmark_series(still_poses(Pose(), FPS, 3.0), frontal_camera(), FPS)
    image = s.image.copy()
    image[40:55] += [250.0, 0.0]          # half a second on another person, further along the picture
    jumped = track_jumps(replace(s, image=image))
    assert jumped[40:55].all() and not jumped[:40].any() and not jumped[55:].any()
    assert not track_jumps(s).any()


def test_swapped_labels_are_repaired_and_mixed_ones_dropped():
    s = landmark_series(side_bend_poses(25.0, FPS), frontal_camera(), FPS)
    image, vis, world = s.image.copy(), s.visibility.copy(), s.world.copy()
    vis[:, 11] = 0.9                                              # one side told apart, to see it come back
    s = replace(s, visibility=vis.copy())
    for a in (image, vis, world):                                 # the model swapped every label
        a[30:40] = a[30:40][:, MIRROR_PERMUTATION]
    image[60:65, [11, 12]] = image[60:65][:, [12, 11]]            # only the shoulders swapped
    broken = replace(s, image=image, visibility=vis, world=world)
    swapped, mixed = frontal_swaps(broken)
    assert swapped[30:40].all() and swapped.sum() == 10
    assert mixed[60:65].all() and mixed.sum() == 5
    kept = keep_subject(broken, frontal=True)
    for got, want in ((kept.series.image, s.image), (kept.series.world, s.world), (kept.series.visibility,
                                                                                  s.visibility)):
        assert np.allclose(got[30:40], want[30:40])              # relabelled back, all three
    assert (kept.series.excluded[60:65] == Excluded.SWAPPED).all() and not kept.series.detected[60:65].any()
    clean = analyse(s, "side-bend")
    fixed = analyse(broken, "side-bend")
    for side in ("left", "right"):
        assert fixed.get(f"side_bend_{side}").value == pytest.approx(clean.get(f"side_bend_{side}").value, abs=0.5)


def test_a_neutral_that_is_not_still_is_found_later_or_refused():
    poses = side_bend_poses(25.0, FPS)
    start = next(i for i, p in enumerate(poses) if p.trunk_lateral > 12.0)
    s = landmark_series(poses[start:], frontal_camera(), FPS)
    neutral = find_neutral(s)
    assert neutral.start > 0 and "did not start still" in neutral.note
    assert abs(poses[start + neutral.start].trunk_lateral) < 3.0
    r = analyse(s, "side-bend")
    assert r.get("side_bend_right").value == pytest.approx(25.0, abs=1.5)   # from upright, not from the lean
    assert all(a >= neutral.start for a, _, _ in r.trial_frames)
    moving = [Pose(trunk_lateral=20.0 * np.sin(k / 8.0)) for k in range(int(4 * FPS))]
    with pytest.raises(TrialError, match="never stood still and upright"):
        analyse(landmark_series(moving, frontal_camera(), FPS), "side-bend")


@pytest.mark.parametrize("azimuth", [0.0, 10.0, -30.0, 45.0])
def test_the_camera_angle_in_degrees(azimuth):
    s = landmark_series(still_poses(Pose(), FPS), turned_camera(azimuth), FPS)
    assert camera_angle(s, slice(None), "frontal") == pytest.approx(azimuth, abs=1.0)
    side = landmark_series(still_poses(Pose(), FPS), sagittal_camera(), FPS)
    assert abs(camera_angle(side, slice(None), "sagittal")) < 1.0


def test_a_camera_too_far_round_is_refused_with_the_turn_that_fixes_it():
    poses = side_bend_poses(25.0, FPS)
    assert analyse(landmark_series(poses, turned_camera(12.0), FPS), "side-bend").camera_angle_deg == \
        pytest.approx(12.0, abs=1.0)
    with pytest.raises(ViewError, match="30 degrees to the subject's left.*turn the subject 30 degrees to their left"):
        analyse(landmark_series(poses, turned_camera(30.0), FPS), "side-bend")


@pytest.mark.parametrize("test, camera", [("forward-bend", sagittal_camera), ("side-bend", frontal_camera),
                                          ("rotation", frontal_camera)])
def test_a_squat_is_named_a_squat_whatever_test_it_was_recorded_for(test, camera):
    """From the side it was measured as a forward bend (the knees flagged): the hips sinking names it a squat."""
    prof = trial_profile(FPS, 3)
    squat = [Pose(knee_flexion=75 * p, trunk_flexion=30 * p, hip_shift_back=0.12 * p) for p in prof]
    with pytest.raises(TrialError, match=f"The hips sank .* this looks like a squat, not the {TESTS[test].title.lower()}"):
        analyse(landmark_series(squat, camera(), FPS, noise_px=1.0, rng=np.random.default_rng(1)), test)


def test_a_squat_is_not_a_side_bend():
    prof = trial_profile(FPS, 2)
    squat = [Pose(knee_flexion=75 * p, trunk_flexion=30 * p, hip_shift_back=0.12 * p) for p in prof]
    with pytest.raises(TrialError, match="this looks like a squat, not the side bend; record"):
        analyse(landmark_series(squat, frontal_camera(), FPS), "side-bend")


def test_someone_who_goes_behind_the_subject_overlaps_until_seen_apart_again():
    subject = np.array([[300.0, 100.0], [360.0, 500.0]])        # two corners are enough for a box
    watch = OthersWatch(1000, 600)

    def other(x0: float) -> tuple[np.ndarray, np.ndarray]:
        xy = np.zeros((33, 2))
        xy[:, 0], xy[:, 1] = x0 + np.linspace(0, 60, 33), np.linspace(120, 480, 33)
        xy[[11, 12], 1], xy[[23, 24], 1] = 200.0, 320.0         # shoulders above hips
        return xy, np.ones(33)

    def box(xy: np.ndarray) -> np.ndarray:
        return np.vstack([xy, np.full((31, 2), np.nan)])

    watch.check(0, box(subject), other(700.0))      # far apart
    watch.check(10, box(subject), other(390.0))     # close, not touching
    watch.check(20, box(subject), None)             # gone: behind the subject
    watch.check(30, box(subject), other(380.0))     # out again but still close
    watch.check(40, box(subject), other(700.0))     # clearly apart
    assert [o for _, o in watch.checks] == [False, False, True, True, False]
    mask = watch.overlapped(50)
    assert not mask[:11].any() and mask[11:40].all() and not mask[40:].any()
    assert watch.beside == 3
    assert overlap_frames(10, [(0, False), (5, False)]).sum() == 0


def room(seed: int = 0) -> np.ndarray:
    """A 64 x 48 RGB thumbnail of a still room: a gradient wall and a little sensor noise."""
    rng = np.random.default_rng(seed)
    wall = np.linspace(90, 170, 64)[None, :] + np.linspace(0, 30, 48)[:, None]
    return np.clip(wall[..., None] + rng.normal(0, 2.0, (48, 64, 3)), 0, 255).astype(np.uint8)


SUBJECT = (260.0, 80.0, 380.0, 460.0)    # the subject's box on a 640 x 480 frame: thumbnail columns 26-37; with
                                         # the band of GATE_RING (38 px) the gate leaves out columns 22-41


def changed_apart(before: np.ndarray, last_box, after: np.ndarray, box) -> bool:
    """Would a look now see something new, after one look that found nobody in `before`?"""
    view = ClearView(640, 480)
    view.looked(before, last_box, anyone=False)
    return view.would_see_new(after, box)


@pytest.mark.parametrize("case, changed", [
    ("the same room, new noise", False),
    ("the whole picture 25 levels brighter (exposure)", False),
    ("the subject moves inside their box", False),
    ("someone comes in at the edge", True),
    ("a person-sized shape 20 levels darker, on a block edge", True),
    ("an arm's width 40 levels off, on a block edge", True),
    ("a red shirt on a green wall, the same grey", True),
    ("a shadow in the band beside the box (the subject's own)", False),
    ("just beyond the band", True),
])
def test_a_change_a_look_could_see_brings_the_look_back_wherever_it_falls(case, changed):
    before, after = room(0), room(1).astype(float)
    if "brighter" in case:
        after += 25
    elif "inside" in case:
        after[10:45, 27:37] = 40
    elif "edge" in case and "comes in" in case:
        after[8:46, 0:7] = 40
    elif "person-sized" in case:
        after[8:46, 46:50] -= 20               # columns 46-49: half in one 4-pixel block, half in the next
    elif "arm" in case:
        after[20:22, 7:9] += 40                # 2 x 2 pixels across four blocks
    elif "red shirt" in case:
        after[10:30, 45:50] += (30, -15, -15)  # grey (0.3 R + 0.59 G + 0.11 B) nearly unchanged
    elif "shadow" in case:
        after[30:48, 37:41] -= 30              # columns 37-40, low down beside the feet
    elif "beyond" in case:
        after[10:30, 42:45] -= 30
    after = np.clip(after, 0, 255).astype(np.uint8)
    assert changed_apart(before, SUBJECT, after, SUBJECT) is changed


def test_where_the_subject_stood_is_looked_at_again_once_their_box_leaves_it():
    """The last look did not see inside the subject's box: someone standing still there (unchanged pixels) is
    seen only by a new look once the box has moved off them."""
    still = room(0)
    assert changed_apart(still, SUBJECT, still, (400.0, 80.0, 520.0, 460.0))
    assert changed_apart(still, SUBJECT, still, (260.0, 80.0, 380.0, 300.0))    # the box shrank
    assert not changed_apart(still, SUBJECT, still, (255.0, 75.0, 385.0, 470.0))  # it grew
    assert not changed_apart(still, SUBJECT, still, (265.0, 80.0, 385.0, 460.0))  # 5 px of jitter


def test_what_earlier_looks_saw_clear_is_not_looked_at_again_until_it_changes():
    """Bending uncovers the wall above the hips, standing up covers it again and uncovers the wall beside them:
    after one look in each pose, going back and forth needs no look, unless something changes or a look found
    someone."""
    standing, bent = SUBJECT, (260.0, 250.0, 560.0, 460.0)
    still, view = room(0), ClearView(640, 480)
    view.looked(still, standing, anyone=False)
    assert view.would_see_new(still, bent)               # the wall beside the standing subject's hips: never seen
    view.looked(still, bent, anyone=False)
    assert not view.would_see_new(room(1), standing) and not view.would_see_new(room(2), bent)
    someone = room(3)
    someone[5:20, 30:36] = 40                            # above the bent subject, where the standing one was
    assert view.would_see_new(someone, bent)
    view.looked(someone, bent, anyone=True)
    assert view.would_see_new(still, standing) and view.would_see_new(still, bent)


def test_someone_walking_into_a_still_room_is_seen_at_the_next_look(tmp_path):
    """A still room where looks are skipped (nothing changes); a second person comes in after 3 s and is found
    at the first look that follows, as without skipping."""
    from posture.pipeline import CHECKS_PER_S, WatchingForOthers
    from posture.pose import MediaPipePose
    from posture.video import probe, read_frames
    from videos import still_video

    cam = frontal_camera(distance=3.2)
    alone, both = (still_video(tmp_path / f"{n}.mp4", cam=cam, seconds=3.0, people=people)
                   for n, people in (("alone", (-0.45,)), ("both", (-0.45, 0.45))))
    every = int(round(FPS / CHECKS_PER_S))
    with MediaPipePose() as pose:
        info = probe(alone)
        watching = WatchingForOthers(pose, every, info.width, info.height)
        frames = [rgb for clip in (alone, both) for _, rgb in read_frames(probe(clip))]
        seen = None
        for k, rgb in enumerate(frames):
            watching.detect(rgb)
            if watching.watch.beside and seen is None:
                seen = k
        watching.close()
    entrance = len(frames) // 2
    assert seen is not None and entrance <= seen <= entrance + every, (seen, entrance)
    assert watching.looks < len(watching.watch.checks), "no look was skipped in the still room"


def test_rotation_needs_the_arms_hanging_at_the_sides_or_holding_a_bar():
    from posture.synthetic.scene import rotation_poses

    poses = rotation_poses(40.0, FPS)
    assert analyse(landmark_series(poses, frontal_camera(), FPS), "rotation").get("rotation_left").value is not None
    lifted = [replace(p, arm_abduction=85.0) for p in poses]
    with pytest.raises(TrialError, match="neither hanging at the sides nor holding a bar across the shoulders"):
        analyse(landmark_series(lifted, frontal_camera(), FPS), "rotation")


def test_rotation_with_the_arms_crossed_on_the_chest_is_refused_with_the_figures_and_what_to_do():
    """MediaPipe's landmarks of a realistic body turning 35 degrees each way, seated, arms crossed (fitting half of
    benchmarks/held_out.py, 15 fps): refused in one sentence that names the other two ways."""
    from posture.analysis import analyse_landmarks
    from posture.landmarks import LandmarkSeries
    from posture.measures.rotation import CROSSED_MAE_DEG

    series = LandmarkSeries.load(Path(__file__).parent / "landmarks" / "rotation_crossed_arms_seated.npz")
    with pytest.raises(TrialError) as refused:
        analyse_landmarks(series, "rotation")
    words = str(refused.value)
    assert words.startswith("Arms crossed on the chest cannot be measured from one camera in front")
    assert f"{CROSSED_MAE_DEG:.0f} degrees off on average" in words
    assert "let the arms hang at the sides or hold a bar across the shoulders" in words


POSTURE_CAMERAS = {"posture-frontal": frontal_camera, "posture-sagittal": sagittal_camera}


@pytest.mark.parametrize("test", list(POSTURE_CAMERAS))
def test_standing_posture_is_measured_with_the_arms_hanging(test):
    r = analyse(landmark_series(still_poses(Pose(), FPS), POSTURE_CAMERAS[test](), FPS), test)
    assert all(m.value is not None for m in r.measurements if m.name != "head_forward_angle")


@pytest.mark.parametrize("raised", ["abduction", "flexion"])
@pytest.mark.parametrize("test", list(POSTURE_CAMERAS))
def test_standing_posture_with_the_arms_held_out_is_refused(test, raised):
    """Out to the sides or in front at shoulder height, seen from the front and from the side."""
    from arms import arms_out

    with pytest.raises(TrialError, match="^The arms were not hanging relaxed at the sides: for standing posture let "
                                         "them hang loose and record it again.$"):
        analyse(arms_out(raised, POSTURE_CAMERAS[test]()), test)


def test_only_the_still_period_measured_needs_the_arms_hanging():
    """Swaying with the arms out, then standing still with them hanging: the still period is measured."""
    sway = [Pose(trunk_lateral=8.0 * np.sin(k / 5), arm_abduction=90.0) for k in range(int(2 * FPS))]
    s = landmark_series(sway + still_poses(Pose(shoulder_tilt=4.0), FPS), frontal_camera(), FPS)
    r = analyse(s, "posture-frontal")
    assert r.get("shoulder_tilt").value == pytest.approx(4.0, abs=0.5)


def test_excluded_frames_and_notes_survive_saving(tmp_path):
    s = landmark_series(still_poses(Pose(), FPS, 1.0), frontal_camera(), FPS)
    s = replace(s.exclude(np.arange(len(s)) < 5, Excluded.OVERLAP), notes=("someone was there",))
    s.save(tmp_path / "s.npz")
    again = type(s).load(tmp_path / "s.npz")
    assert (again.excluded == s.excluded).all() and again.notes == s.notes
    assert again.exclusion_reasons() == ["another person overlapped the subject"]
