"""Every clinical test in the registry is known to every part of the tool that names tests."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import FPS
from posture.measures import TESTS, analyse
from posture.synthetic.camera import frontal_camera, sagittal_camera
from posture.synthetic.scene import forward_bend_poses, landmark_series, rotation_poses, side_bend_poses, still_poses
from posture.synthetic.skeleton import Pose

# One posed recording per test, each opening with a still neutral (the live check frames and settles on it).
CLIPS = {
    "forward-bend": (lambda: still_poses(Pose(arms="gravity"), FPS, 1.5) + forward_bend_poses(60.0, FPS),
                     sagittal_camera),
    "side-bend": (lambda: still_poses(Pose(), FPS, 1.5) + side_bend_poses(15.0, FPS), frontal_camera),
    "rotation": (lambda: still_poses(Pose(arm_abduction=14.0), FPS, 1.5) + rotation_poses(35.0, FPS), frontal_camera),
    "posture-frontal": (lambda: still_poses(Pose(), FPS, 5.0), frontal_camera),
    "posture-sagittal": (lambda: still_poses(Pose(), FPS, 5.0), sagittal_camera),
}


def clip(name: str):
    poses, cam = CLIPS[name]
    return landmark_series(poses(), cam(), FPS, noise_px=1.0, rng=np.random.default_rng(7))


def test_every_registered_test_has_a_clip_here():
    assert set(CLIPS) == set(TESTS)


def choices(argv_prefix: list[str], option: str) -> list[str]:
    """The choices the command line offers for an option of a sub-command."""
    from posture.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._subparsers._group_actions if a.dest == "command").choices[argv_prefix[0]]
    return next(a for a in sub._actions if option in a.option_strings).choices


@pytest.mark.parametrize("name", list(TESTS))
def test_the_command_line_knows_the_test(name):
    assert name in choices(["analyze"], "--test")
    assert name in choices(["batch"], "--test")


@pytest.mark.parametrize("name", list(TESTS))
def test_the_app_knows_the_test(name):
    from app_pages.common import TEST_NAMES

    spec = TESTS[name]
    assert TEST_NAMES[name] == spec.label and spec.label
    assert spec.camera_advice == ("side-on to the camera." if spec.view == "sagittal" else "facing the camera.")


@pytest.mark.parametrize("name", list(TESTS))
def test_the_analysis_reports_what_the_spec_declares(name):
    spec, series = TESTS[name], clip(name)
    result = analyse(series, name)
    assert result.test == name and result.view == spec.view
    assert [m.name for m in result.measurements] == [m.name for m in spec.measures]
    assert all(m.better in ("larger", "smaller", "level") for m in spec.measures)


@pytest.mark.parametrize("name", list(TESTS))
def test_the_recogniser_knows_the_test(name):
    from posture.measures.recognise import recognise

    assert recognise(clip(name)).test == name


@pytest.mark.parametrize("name", list(TESTS))
def test_the_live_check_runs_the_test_to_its_result(name):
    from posture.live import DONE, MOVING, GuidedCheck

    spec, series = TESTS[name], clip(name)
    check = GuidedCheck(name, series.width, series.height)
    prompts = [check.update(series.t[k], series.image[k], series.visibility[k], series.world[k])
               for k in range(len(series))]
    assert prompts[-1].step == DONE and check.result is not None and not check.error
    assert prompts[-1].reps == {s: spec.reps_per_side for s in spec.sides}
    assert (MOVING in [p.step for p in prompts]) == spec.moves
    assert [m.name for m in check.result.measurements] == [m.name for m in spec.measures]


@pytest.mark.parametrize("name", list(TESTS))
def test_the_exports_carry_the_specs_defaults(name):
    import csv
    import io

    from posture.export import format_table, result_csv, result_dict
    from posture.measures.registry import default_mdc95

    result = analyse(clip(name), name)
    rows = list(csv.DictReader(io.StringIO(result_csv(result))))
    assert [r["measurement"] for r in rows] == [m.name for m in TESTS[name].measures]
    for row, m in zip(rows, result_dict(result)["measurements"]):
        default = default_mdc95(m["name"], m["unit"])
        assert m["mdc95_default"] == default and row["mdc95_default"] == ("" if default is None else str(default))
    assert format_table(result).startswith(f"{TESTS[name].title} ({TESTS[name].view} view)")


@pytest.mark.parametrize("name", list(TESTS))
def test_the_comparison_judges_every_measurement(name):
    from posture.change import Reading, compare
    from posture.measures.registry import default_mdc95

    spec, series = TESTS[name], clip(name)
    result = analyse(series, name)
    angle = spec.primary_angle(series)                  # the curve the Compare page draws
    assert angle.shape == (len(series),) and np.isfinite(angle).mean() > 0.9
    readings = [Reading(name, m.name, m.value, m.unit, m.trials, m.spread) for m in result.measurements]
    for change in compare(readings, readings):
        m = spec.measure(change.name)
        assert change.mdc == default_mdc95(change.name, change.unit)
        assert change.mdc is not None or (m.default_mdc95 is None and change.unit.startswith("%"))


@pytest.fixture
def live_page(tmp_path, monkeypatch):
    """The app's live page on an empty database, its webcam component a stream that never starts."""
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT

    monkeypatch.setenv("POSTURE_DB", str(tmp_path / "clinic.db"))
    monkeypatch.setenv("POSTURE_CALIBRATION_DIR", str(tmp_path / "calibration"))
    stopped = type("Stream", (), {"state": type("State", (), {"playing": False})()})()
    for holder in ("streamlit_webrtc", "app_pages.live_panel"):        # the panel may be imported already
        monkeypatch.setattr(f"{holder}.webrtc_streamer", lambda **kw: stopped)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["therapist"] = "Anna"          # logged in
    at.run()
    at.switch_page("app_pages/live.py").run()
    return at


def test_the_live_page_offers_every_test_with_its_camera_advice(live_page):
    at = live_page
    assert at.selectbox(key="live-test").options == [TESTS[n].label for n in TESTS]
    for name, spec in TESTS.items():
        at.selectbox(key="live-test").set_value(name).run()
        assert not at.exception, at.exception
        assert any(spec.camera_advice in m.value for m in at.markdown), name
