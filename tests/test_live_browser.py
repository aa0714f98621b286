"""Landmarks from the browser (posture.live_browser): what a stranger's browser may send, and that batches sent
again, in any cut, give the very check that frames fed one by one give."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import FPS
from posture.errors import PostureError
from posture.live_browser import BAD_BATCH, browser_batch, take_batch
from posture.live_camera import LiveRun
from posture.synthetic.camera import sagittal_camera
from posture.synthetic.scene import forward_bend_poses, landmark_series, still_poses
from posture.synthetic.skeleton import Pose


def bend_series(seed: int = 3):
    return landmark_series(still_poses(Pose(arms="gravity"), FPS, 1.5) + forward_bend_poses(65.0, FPS),
                           sagittal_camera(), FPS, noise_px=1.0, rng=np.random.default_rng(seed))


def as_sent(s, frames: range, run: str = "r1") -> dict:
    """Frames of a series as the component sends them: normalised image positions with visibility, world in m."""
    rows = []
    for k in frames:
        image = np.column_stack([s.image[k] / (s.width, s.height), s.visibility[k]])
        rows.append([k, float(s.t[k]), 128.0, image.ravel().tolist(), s.world[k].ravel().tolist()])
    return {"run": run, "width": s.width, "height": s.height, "fps": 30.0, "ms": 25.0, "frames": rows, "error": ""}


def test_batches_sent_again_give_the_check_frames_fed_one_by_one_give():
    s = bend_series()
    direct = LiveRun("forward-bend")
    for k in range(len(s)):
        direct.feed(s.t[k], s.image[k], s.visibility[k], s.world[k], s.width, s.height)
    sent = LiveRun("forward-bend")
    start, rng = 0, np.random.default_rng(0)
    while start < len(s):                    # each batch holds every frame not yet acknowledged, and some new ones
        stop = min(len(s), start + int(rng.integers(1, 20)))
        acked = take_batch(sent, browser_batch(as_sent(s, range(max(0, start - int(rng.integers(0, 5))), stop))))
        start = acked + 1
    (a, sa, _), (b, sb, _) = direct.outcome(), sent.outcome()
    assert a is not None and b is not None
    assert [m.value for m in b.measurements] == pytest.approx([m.value for m in a.measurements], abs=1e-9)
    np.testing.assert_allclose(sa.image, sb.image, atol=1e-9)
    assert sent.frames_seen == direct.frames_seen == len(s)


def test_positions_come_in_pixels_as_the_wheel_gives_them():
    s = bend_series()
    batch = browser_batch(as_sent(s, range(3)))
    np.testing.assert_allclose(batch.frames[1].xy, s.image[1], atol=1e-9)
    assert (batch.width, batch.height, batch.fps) == (s.width, s.height, 30.0)


def broken(change) -> dict:
    value = as_sent(bend_series(), range(3))
    change(value)
    return value


@pytest.mark.parametrize("value", [
    None, [], {"run": "r"}, "frames",
    broken(lambda v: v.update(width=0)), broken(lambda v: v.update(height=10**6)),
    broken(lambda v: v["frames"][1].__setitem__(3, [0.5] * 98)),                 # a landmark short
    broken(lambda v: v["frames"][1][3].__setitem__(0, float("nan"))),
    broken(lambda v: v["frames"][1][3].__setitem__(0, 1e306)),                  # finite, infinite in pixels
    broken(lambda v: v["frames"][1][4].__setitem__(5, -50.0)),                  # a world landmark 50 m away
    broken(lambda v: v["frames"][1].__setitem__(4, None)),                      # image without world
    broken(lambda v: v["frames"][2].__setitem__(0, 7)),                         # numbers not one by one
    broken(lambda v: v["frames"][2].__setitem__(1, 0.0)),                       # time going back
    broken(lambda v: v.update(frames=v["frames"] * 1001)),                      # a batch too large
    broken(lambda v: v["frames"][0].__setitem__(1, "soon")),
])
def test_anything_malformed_is_one_sentence(value):
    with pytest.raises(PostureError, match=BAD_BATCH):
        browser_batch(value)


def test_a_gap_in_the_frame_numbers_is_refused_not_bridged():
    s = bend_series()
    run = LiveRun("forward-bend")
    take_batch(run, browser_batch(as_sent(s, range(0, 5))))
    with pytest.raises(PostureError, match=BAD_BATCH):
        take_batch(run, browser_batch(as_sent(s, range(7, 9))))
    assert run.last_seq == 4


def test_the_browsers_own_failure_comes_through_as_its_sentence():
    batch = browser_batch({"run": "r", "width": 0, "height": 0, "frames": [], "error": "The camera could not open."})
    assert batch.error == "The camera could not open." and batch.frames == ()
