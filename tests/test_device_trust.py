"""What a patient's device may claim: landmarks a person could have made, each check stored once.

Real bodies pass: MediaPipe's own landmarks of the forward-bend sample and of a real person walking. Forgeries the
hostile tester sent are refused in one sentence: a stick man, a stick figure drawn flat, a recording's upper body
turned in the picture only, bones that stretch, limbs that jump, and results past what a spine or a hip can do.
Through the app (AppTest, the component's value set as the browser sets it), the forged stick figure and a
replayed check are refused and nothing is stored.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, sample
from posture.live_browser import browser_batch, take_batch
from posture.live_camera import LiveRun
from posture.measures import analyse
from posture.measures.plausible import IMPOSSIBLE, device_doubt
from posture.pipeline import landmarks_from_video
from posture.store.access import new_home_code
from posture.store.db import open_database
from posture.store.records import SENT_BEFORE, add_client, client_sessions
from test_live_browser import as_sent, bend_series

REAL_WALK = Path(__file__).parent / "real_clips" / "walking_sagittal_sports2d.mp4"
REFUSED = IMPOSSIBLE.split(" ({why})")[0]


@pytest.fixture(scope="module")
def tracked():
    """MediaPipe's landmarks of the forward-bend sample (a rendered person) and of a real person walking."""
    return landmarks_from_video(sample("forward_bend_side")[0]), landmarks_from_video(REAL_WALK)


def test_landmarks_mediapipe_found_on_people_pass(tracked):
    bend, walk = tracked
    assert device_doubt(bend, analyse(bend, "forward-bend")) is None
    assert device_doubt(walk, None) is None
    assert device_doubt(bend_series(), None) is None      # a 3-D body built as people are passes: docs say so


def flat_stick_figure(s):
    """A stick figure drawn side on in the picture (the right side drawn over the left, as a drawing has it), its
    'world' skeleton the same drawing in metres with no depth."""
    image = s.image.copy()
    image[:, 12::2] = image[:, 11::2]
    hips = (image[:, 23:24] + image[:, 24:25]) / 2
    scale = 0.47 / np.median(np.linalg.norm(image[:, 11] - hips[:, 0], axis=-1))
    world = np.zeros_like(s.world)
    world[..., :2] = (image - hips) * scale
    return replace(s, image=image, world=world)


def stick_man(s):
    """A stick man moved as the recording moves, in the picture and in 3-D alike (so the camera and the view agree),
    drawn as one draws him: every arm and leg bone as long as the trunk."""
    image, world = s.image.copy(), s.world.copy()
    for points in (image, world):
        trunk = np.linalg.norm((points[:, 11] + points[:, 12]) / 2 - (points[:, 23] + points[:, 24]) / 2, axis=-1)
        for root, middle, end, hangers in ((11, 13, 15, (17, 19, 21)), (12, 14, 16, (18, 20, 22)),
                                           (23, 25, 27, (29, 31)), (24, 26, 28, (30, 32))):
            was_end = points[:, end].copy()
            for a, b in ((root, middle), (middle, end)):
                way = points[:, b] - points[:, a]
                points[:, b] = points[:, a] + way / np.linalg.norm(way, axis=-1, keepdims=True) * trunk[:, None]
            for h in hangers:
                points[:, h] += points[:, end] - was_end
    return replace(s, image=image, world=world)


def turned_upper_body(s, degrees: float):
    """The tester's edit: the upper body turned back towards upright in the picture by up to `degrees`, while the
    world skeleton still bends."""
    image = s.image.copy()
    hips = (image[:, 23] + image[:, 24]) / 2
    shoulders = (image[:, 11] + image[:, 12]) / 2
    lean = np.arctan2(shoulders[:, 0] - hips[:, 0], hips[:, 1] - shoulders[:, 1])      # from upright, image axes
    turn = np.nan_to_num(np.sign(lean) * np.minimum(np.abs(lean), np.radians(degrees)))
    c, n = np.cos(turn)[:, None], np.sin(turn)[:, None]
    upper = image[:, :23] - hips[:, None]
    image[:, :23] = hips[:, None] + np.stack([c * upper[..., 0] + n * upper[..., 1],
                                              -n * upper[..., 0] + c * upper[..., 1]], axis=-1)
    return replace(s, image=image)


def stretched(s):
    """Thighs and shanks that grow to half as long again over the recording."""
    world = s.world.copy()
    grow = np.linspace(1.0, 1.5, len(world))[:, None]
    for hip, knee, ankle in ((23, 25, 27), (24, 26, 28)):
        world[:, knee] = world[:, hip] + (world[:, knee] - world[:, hip]) * grow
        world[:, ankle] = world[:, knee] + (s.world[:, ankle] - s.world[:, knee]) * grow
    return replace(s, world=world)


def jumping(s):
    """The whole body thrown two trunk lengths left and right, frame by frame (the skeleton itself unchanged)."""
    trunk = np.nanmedian(np.linalg.norm(s.image[:, 11] - s.image[:, 23], axis=-1))
    shift = 2 * trunk * (-1.0) ** np.arange(len(s.image))
    return replace(s, image=s.image + np.stack([shift, 0 * shift], axis=-1)[:, None])


@pytest.mark.parametrize("forge, why", [
    (flat_stick_figure, "shoulder width"),
    (stick_man, "upper arm"),
    (lambda s: turned_upper_body(s, 45.0), "does not match its 3-D skeleton"),
    (stretched, "bones that change length"),
    (jumping, "faster than a person can"),
])
def test_forged_landmarks_are_refused_in_one_sentence(tracked, forge, why):
    forged = forge(tracked[0])
    doubt = device_doubt(forged, None)
    assert doubt is not None and doubt.startswith(REFUSED) and why in doubt and doubt.count(". ") == 0


@pytest.mark.parametrize("name, value", [("hip_flexion", 179.4), ("side_bend_left", 70.0), ("rotation_right", 83.0),
                                         ("trunk_flexion", 165.0)])
def test_results_past_what_a_body_can_do_are_refused(tracked, name, value):
    """The values the tester's forged checks were accepted with, on landmarks that are otherwise a person's."""
    result = analyse(tracked[0], "forward-bend")
    claimed = replace(result, measurements=(*result.measurements, replace(result.measurements[0], name=name,
                                                                          value=value)))
    assert f"{name.replace('_', ' ')} of {value:.0f} degrees, past what a body can do" in device_doubt(tracked[0],
                                                                                                       claimed)
    assert device_doubt(tracked[0], result) is None


def device_check(s, run: str) -> LiveRun:
    """A check fed as the browser feeds it: every frame in batches, from the run `run`."""
    live = LiveRun("forward-bend")
    live.browser, live.patients_device = run, True
    for start in range(0, len(s), 40):
        take_batch(live, browser_batch(as_sent(s, range(start, min(len(s), start + 40)), run)))
    return live


def test_a_device_check_of_a_forged_figure_has_no_result_only_its_sentence():
    s = bend_series()
    result, _, error = device_check(stick_man(s), "r-forged").outcome()
    assert result is None and error.startswith(REFUSED)
    result, _, error = device_check(s, "r-real").outcome()
    assert result is not None and not error
    clinic = device_check(stick_man(s), "r-clinic")          # a therapist's own device (in the clinic) is not
    clinic.patients_device = False                           # doubted, nor the server's own camera path
    assert clinic.outcome()[0] is not None
    direct = LiveRun("forward-bend")
    for k in range(len(s)):
        direct.feed(s.t[k], s.image[k], s.visibility[k], s.world[k], s.width, s.height)
    assert direct.outcome()[0] is not None


# Through the app: the component's value set as the browser sets it, on a patient's page opened with their code.

@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "clinic.db"
    monkeypatch.setenv("POSTURE_DB", str(path))
    monkeypatch.setenv("POSTURE_CALIBRATION_DIR", str(tmp_path / "calibration"))
    add_client(open_database(path), "PT-HOME")
    return path


def send_home_check(code: str, value: dict) -> AppTest:
    """A patient's page with `value` as the pose component's value (what the browser posts), run to its end."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["code"] = code
    at.run()
    at.selectbox(key="live-test").set_value("forward-bend").run()      # the patient chooses the test
    at.session_state["pose-live-forward-bend"] = value
    at.run()
    assert not at.exception, at.exception
    return at


def said(at: AppTest) -> str:
    return " ".join(str(m.value) for m in [*at.markdown, *at.error, *at.info, *at.warning])


def test_the_forged_stick_figure_and_a_replayed_check_are_refused_through_the_app(db):
    s = bend_series()
    code = new_home_code(open_database(db), "PT-HOME")
    forged = send_home_check(code, as_sent(stick_man(s), range(len(s)), "forged-run"))
    assert REFUSED in said(forged) and client_sessions(open_database(db), "PT-HOME") == []

    real = as_sent(s, range(len(s)), "a-real-run")
    first = send_home_check(code, real)
    assert "your therapist sees this result now" in said(first)
    assert len(client_sessions(open_database(db), "PT-HOME")) == 1
    again = send_home_check(code, real)                      # the same value from another session: a replay
    renamed = send_home_check(code, {**real, "run": "another-run"})       # the same landmarks, the run renamed
    for replayed in (again, renamed):
        assert SENT_BEFORE in said(replayed) and "your therapist sees" not in said(replayed)
    (home,) = client_sessions(open_database(db), "PT-HOME")
    assert (home.label, home.source, home.device_run) == ("home check", "home", "a-real-run")
    next(b for b in first.button if b.label == "Start a new check").click().run()     # the patient measures again
    first.session_state["pose-live-forward-bend"] = as_sent(bend_series(seed=4), range(len(s)), "a-second-run")
    first.run()
    assert "your therapist sees this result now" in said(first)
    assert len(client_sessions(open_database(db), "PT-HOME")) == 2


def twice(s):
    """The recording played twice (as the browser tests' camera loops it), so that the check sees a whole test."""
    later = replace(s, t=s.t + (s.t[-1] - s.t[0]) + (s.t[1] - s.t[0]))
    return s.concat([s, later])


def test_a_recording_turned_in_the_picture_and_a_coordinate_out_of_reach_are_refused_through_the_app(db, tracked):
    """The tester's edit of a 77-degree recording to read 31, and a coordinate of 1e306: nothing stored."""
    from posture.live_browser import BAD_BATCH

    code, bend = new_home_code(open_database(db), "PT-HOME"), twice(tracked[0])
    turned = send_home_check(code, as_sent(turned_upper_body(bend, 45.0), range(len(bend)), "turned-run"))
    assert REFUSED in said(turned) and "does not match its 3-D skeleton" in said(turned)
    far = as_sent(bend, range(len(bend)), "far-run")
    far["frames"][5][3][0] = 1e306
    assert BAD_BATCH in said(send_home_check(code, far))
    assert client_sessions(open_database(db), "PT-HOME") == []
    honest = send_home_check(code, as_sent(bend, range(len(bend)), "honest-run"))     # the recording as it was
    assert "your therapist sees this result now" in said(honest)
