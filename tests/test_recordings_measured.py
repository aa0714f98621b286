"""Measurements on recordings as phones and clinic cameras make them (the real pose model on real frames).

Each sample is copied as a phone would record it (tests/phones.py: turned and marked to be shown upright, mirrored,
HEVC 10-bit, VP9) and must measure as the original does. Tolerance: 2 degrees or 1 cm per measurement, and the same
values withheld: the copy shows the same pictures, re-encoded (a landmark moves by a pixel or two). Measured on
2026-12-07: every difference within 1.4 degrees and 0.4 cm.
"""

from __future__ import annotations

import csv
import json
from functools import cache, partial

import numpy as np
import pytest

from conftest import SAMPLES, run_cli
from phones import phone_copy, phone_dropping_frames, with_cut_away
from posture.analysis import Analysis
from posture.angles_over_time import COLUMNS
from posture.errors import PostureError
from posture.pipeline import analyse_video

pytestmark = pytest.mark.slow

TESTS = {"posture_front": "posture-frontal", "posture_side": "posture-sagittal", "forward_bend_side": "forward-bend",
         "side_bend_front": "side-bend", "rotation_front": "rotation"}
PHONE = {"posture_front": dict(turn_deg=90, codec="hevc10"),
         "posture_side": dict(turn_deg=90),                       # the "-87.8 deg": read on its side
         "forward_bend_side": dict(turn_deg=270, codec="vp9"),
         "side_bend_front": dict(turn_deg=180, codec="hevc"),
         "rotation_front": dict(turn_deg=90, mirror=True)}
TOLERANCE = {"deg": 2.0, "cm": 1.0, "%": 2.0}
HEIGHT_CM = 178.0


@cache
def original(name: str) -> Analysis:
    return analyse_video(SAMPLES / f"{name}.mp4", TESTS[name], height_cm=HEIGHT_CM, workers=1)


def assert_measures_as_the_original(analysis: Analysis, name: str) -> None:
    for m, n in zip(original(name).result.measurements, analysis.result.measurements, strict=True):
        assert (m.name, m.value is None) == (n.name, n.value is None), (m, n)
        if m.value is not None:
            assert n.value == pytest.approx(m.value, abs=TOLERANCE[m.unit]), m.name


@pytest.mark.parametrize("name", list(TESTS))
def test_every_sample_as_a_phone_records_it_measures_as_the_original(tmp_path, name):
    suffix = ".webm" if PHONE[name].get("codec") == "vp9" else ".mp4"
    copy = phone_copy(SAMPLES / f"{name}.mp4", tmp_path / f"phone{suffix}", **PHONE[name])
    assert_measures_as_the_original(analyse_video(copy, TESTS[name], height_cm=HEIGHT_CM, workers=1), name)


@pytest.mark.parametrize("name", list(TESTS))
def test_every_sample_at_a_phones_variable_frame_rate_measures_as_the_original_or_is_refused_for_it(tmp_path, name):
    """The issue's phone: every frame for 4 s, then one in three (5 fps); a 4-s posture sample, after its first
    second. A standing posture measures as the original (no frame-rate floor); a movement, its repetitions at
    5 fps, is refused naming the frame rate."""
    posture = TESTS[name].startswith("posture")
    keep = partial(phone_dropping_frames, after=15 if posture else 60)
    copy = phone_copy(SAMPLES / f"{name}.mp4", tmp_path / "vfr.mp4", keep=keep)
    if posture:
        assert_measures_as_the_original(analyse_video(copy, TESTS[name], height_cm=HEIGHT_CM, workers=1), name)
        return
    with pytest.raises(PostureError, match="The camera recorded only 5 frames a second during the movement"):
        analyse_video(copy, TESTS[name], height_cm=HEIGHT_CM, workers=1)


def test_a_variable_frame_rate_that_stays_high_enough_measures_as_the_original(tmp_path):
    """One frame in four dropped after the first 4 s (11 fps during the bends, frames 1/15 and 2/15 s apart): measured
    on the frames' true times."""
    copy = phone_copy(SAMPLES / "forward_bend_side.mp4", tmp_path / "vfr.mp4", keep=lambda n: n < 60 or n % 4)
    analysis = analyse_video(copy, "forward-bend", height_cm=HEIGHT_CM, workers=1)
    assert_measures_as_the_original(analysis, "forward_bend_side")
    assert "frame rate varied (8 to 15 frames a second)" in " ".join(analysis.result.notes)


def test_a_movement_recorded_by_a_slow_camera_is_refused_naming_the_frame_rate(tmp_path):
    """A constant 5 fps: 4.6 degrees low before; refused now, with the cause (benchmarks/frame_rate.py: at 5 fps
    the hip and knee left their +/-)."""
    copy = phone_copy(SAMPLES / "forward_bend_side.mp4", tmp_path / "slow.mp4", every=3)
    with pytest.raises(PostureError, match="The camera recorded only 5 frames a second during the movement, too "
                                           r"few to follow it \(at least 10 are needed\)"):
        analyse_video(copy, "forward-bend", height_cm=HEIGHT_CM, workers=1)


def test_a_recording_with_a_cut_away_is_measured_on_the_part_that_holds_the_test(tmp_path):
    """2 s standing, a 4-s close-up of the head and chest, then the whole side bend from its start."""
    video = with_cut_away(SAMPLES / "side_bend_front.mp4", tmp_path / "cut.mp4")
    analysis = analyse_video(video, "side-bend", height_cm=HEIGHT_CM, workers=1)
    assert_measures_as_the_original(analysis, "side_bend_front")
    note = next(n for n in analysis.result.notes if n.startswith("Measured on "))
    assert "of the recording, in one take; 0.0 to " in note and "were left out" in note
    first = analysis.result.trial_frames[0][0]
    assert analysis.series.t[first] > 6.0                        # every repetition after the cut-away


def test_a_recording_cut_where_no_part_holds_the_test_is_refused(tmp_path):
    """2 s standing, then the close-up to the end (the bends in it): no part in one take holds a side bend."""
    video = with_cut_away(SAMPLES / "side_bend_front.mp4", tmp_path / "cut.mp4", away_s=20.0, back=False)
    with pytest.raises(PostureError, match="out of the picture"):
        analyse_video(video, "side-bend", height_cm=HEIGHT_CM, workers=1)


@pytest.mark.parametrize("name", ["forward_bend_side", "side_bend_front", "posture_front"])
def test_angles_over_time_match_the_renderer_per_frame_within_their_plus_minus(tmp_path, capsys, name):
    """At least 95% of the frames given, per angle, within the angle's per-frame +/- (fitted on the sweep's other
    bodies: benchmarks/angles.py); the angles of the other view left empty; a row for every frame."""
    out = tmp_path / "angles.csv"
    code, _, err = run_cli(capsys, "angles", str(SAMPLES / f"{name}.mp4"), "--out", str(out), "--quiet")
    assert code == 0 and "not a clinical result" in err
    rows = list(csv.DictReader(out.open()))
    truth = json.loads((SAMPLES / f"{name}.json").read_text())["frames"]
    assert len(rows) == len(truth)
    assert [float(r["time_s"]) for r in rows] == pytest.approx([f["t"] for f in truth], abs=1e-3)
    view = "sagittal" if "side" in name.split("_")[-1] else "frontal"
    for column in COLUMNS:
        given = np.array([r[column.name] != "" for r in rows])
        if column.view != view:
            assert not given.any(), column.name
            continue
        assert given.mean() > 0.4, column.name
        values = np.array([float(r[column.name]) for r in rows if r[column.name]])
        true = np.array([f["truth"][column.name.removesuffix("_deg")] for f in truth])[given]
        assert np.mean(np.abs(values - true) <= column.plus_minus) >= 0.95, column.name


def test_a_batch_writes_the_angles_over_time_of_every_recording_even_one_it_refuses(tmp_path, capsys):
    """The forward-bend sample analysed as a side bend (refused: the wrong view) still gets its angles, the same
    rows `posture angles` writes."""
    video = SAMPLES / "forward_bend_side.mp4"
    code, out, _ = run_cli(capsys, "batch", str(video), "--out", str(tmp_path / "out"), "--test", "side-bend",
                           "--angles", "--quiet", "--workers", "1")
    assert code == 1 and "angles over time in" in out            # the side bend refused; its angles written
    written = list((tmp_path / "out" / "angles").glob("*.csv"))
    assert len(written) == 1
    run_cli(capsys, "angles", str(video), "--out", str(tmp_path / "one.csv"), "--quiet")
    assert written[0].read_text() == (tmp_path / "one.csv").read_text()
    row = next(csv.DictReader((tmp_path / "out" / "results.csv").open()))
    assert (row["status"], row["refusal"], row["angles"]) == ("failed", "view", str(written[0]))


def test_a_batch_that_thins_a_movement_below_the_frame_rate_floor_names_its_stride(tmp_path, capsys):
    """Every 3rd frame of the 15-fps side-bend sample is 5 fps: refused, the stride (not the camera) named."""
    code, out, _ = run_cli(capsys, "batch", str(SAMPLES / "side_bend_front.mp4"), "--out", str(tmp_path / "out"),
                           "--test", "side-bend", "--stride", "3", "--quiet", "--workers", "1")
    row = next(csv.DictReader((tmp_path / "out" / "results.csv").open()))
    assert code == 1 and row["refusal"] == "frame-rate"
    assert row["reason"] == ("Analysed at --stride 3, this recording has only 5 frames a second during the movement, "
                             "too few to follow it (at least 10 are needed): run the batch with a smaller --stride.")
