"""Recordings as phones and clinic cameras make them: turned, mirrored, at a variable frame rate, in other codecs.

The copies are made with FFmpeg in the test run (tests/phones.py); each must show the original's pictures at the
original's times, whatever the file stores. Measurements on them: tests/test_recordings_measured.py.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from conftest import SAMPLES
from phones import original_frames, phone_copy, phone_dropping_frames
from posture.errors import VideoError
from posture.landmarks import Excluded, LandmarkSeries
from posture.measures.clock import frame_rate_during, on_regular_clock, steady
from posture.video import display_turn, probe, read_frames

SAMPLE_NAMES = ("posture_front", "posture_side", "forward_bend_side", "side_bend_front", "rotation_front")
CODEC_NOISE = 4.0       # mean absolute difference per pixel (0-255) a re-encoding may add; a turned picture: ~60


def shown(path) -> tuple[np.ndarray, list[np.ndarray]]:
    info = probe(path)
    times, pictures = zip(*read_frames(info))
    return np.array(times), list(pictures)


def asymmetric_picture() -> np.ndarray:
    """A portrait picture whose every turn and mirror image differs: a gradient and a block in one corner."""
    y, x = np.mgrid[0:96, 0:64]
    rgb = np.stack([x * 4, y * 2, (x + y) % 256], axis=-1).astype(np.uint8)
    rgb[:20, :12] = (255, 255, 255)
    return rgb


@pytest.mark.parametrize("turn_deg", [0, 90, 180, 270])
@pytest.mark.parametrize("mirror", [False, True])
def test_every_turn_and_mirror_a_phone_writes_is_undone(tmp_path, turn_deg, mirror):
    original = asymmetric_picture()
    path = tmp_path / "turned.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(30))
        stored = np.ascontiguousarray(np.rot90(original[:, ::-1] if mirror else original, turn_deg // 90))
        stream.width, stream.height, stream.pix_fmt = stored.shape[1], stored.shape[0], "yuv444p"
        stream.options = {"preset": "ultrafast", "qp": "0"}                 # lossless: the pictures compare exactly
        stream.set_display_rotation(-turn_deg, hflip=mirror)
        for _ in range(3):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(stored, format="rgb24")))
        out.mux(stream.encode())
    info = probe(path)
    _, pictures = shown(path)
    assert (info.width, info.height) == (64, 96)
    assert np.abs(pictures[0].astype(int) - original).mean() < 2.0         # YUV round trip, nothing turned


def assert_shows_the_original(copy, name: str) -> None:
    original, rate = original_frames(SAMPLES / f"{name}.mp4")
    times, pictures = shown(copy)
    assert len(pictures) == 20 and pictures[0].shape == original[0].shape          # portrait, as recorded
    assert np.allclose(times, np.arange(20) / float(rate), atol=1e-3)
    assert max(np.abs(p.astype(int) - o).mean() for p, o in zip(pictures, original)) < CODEC_NOISE


@pytest.mark.parametrize("name", SAMPLE_NAMES)
@pytest.mark.parametrize("turn_deg, mirror", [(90, False), (180, False), (270, False), (0, True), (90, True)])
def test_every_sample_turned_as_a_phone_stores_it_shows_the_original(tmp_path, name, turn_deg, mirror):
    copy = phone_copy(SAMPLES / f"{name}.mp4", tmp_path / "turned.mp4", turn_deg=turn_deg, mirror=mirror, frames=20)
    assert_shows_the_original(copy, name)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
@pytest.mark.parametrize("codec", ["h264", "hevc", "hevc10", "vp9", "mjpeg"])
def test_every_sample_in_every_codec_shows_the_original_at_its_times(tmp_path, name, codec):
    copy = phone_copy(SAMPLES / f"{name}.mp4", tmp_path / f"copy{'.webm' if codec == 'vp9' else '.mp4'}",
                      codec=codec, frames=20)
    assert_shows_the_original(copy, name)


def test_a_variable_frame_rate_keeps_each_frame_at_its_true_time(tmp_path):
    copy = phone_copy(SAMPLES / "forward_bend_side.mp4", tmp_path / "vfr.mp4", keep=phone_dropping_frames)
    original, rate = original_frames(SAMPLES / "forward_bend_side.mp4")
    kept = [n for n in range(len(original)) if phone_dropping_frames(n)]
    times, pictures = shown(copy)
    assert np.allclose(times, np.array(kept) / float(rate), atol=1e-3)          # not frame number / average rate
    assert probe(copy).fps == pytest.approx(len(kept) / (len(original) / float(rate)), rel=0.05)
    assert np.abs(pictures[-1].astype(int) - original[kept[-1]]).mean() < CODEC_NOISE


def test_a_part_of_a_recording_starts_at_the_asked_frame_and_time(tmp_path):
    copy = phone_copy(SAMPLES / "forward_bend_side.mp4", tmp_path / "vfr.mp4", keep=phone_dropping_frames)
    times, _ = shown(copy)
    part = list(read_frames(probe(copy), 1, 70, 80))
    assert np.allclose([t for t, _ in part], times[70:80])


def test_a_turn_that_is_not_a_quarter_is_refused_in_words():
    matrix = np.array([np.cos(0.6), np.sin(0.6), 0, -np.sin(0.6), np.cos(0.6), 0, 0, 0, 1]) * 65536
    with pytest.raises(VideoError, match="turned by 34 degrees, which this tool cannot undo"):
        display_turn(matrix)
    assert display_turn(None) == "" and display_turn(np.zeros(9)) == ""


# The regular clock (measures/clock.py)

def series_at(t: np.ndarray, x: np.ndarray) -> LandmarkSeries:
    """A body moving with x: landmark k at (x, 2x + 4k) px (the hips 48 px under the shoulders), at times t."""
    image = np.stack([x, 2 * x], axis=-1)[:, None, :] + np.stack([np.zeros(33), 4.0 * np.arange(33)], axis=-1)
    return LandmarkSeries(image=image, visibility=np.ones((len(t), 33)), world=np.zeros((len(t), 33, 3)), t=t,
                          width=640, height=480)


def test_a_steady_recording_is_left_as_it_is():
    t = np.arange(100) / 30 + np.random.default_rng(0).uniform(-0.004, 0.004, 100)      # a webcam's jitter
    series = series_at(t, np.arange(100.0))
    assert steady(t) and on_regular_clock(series) is series


def test_a_variable_frame_rate_is_put_on_a_regular_clock_at_its_fastest_rate():
    n = np.array([k for k in range(150) if k < 60 or k % 3 == 0])
    t = n / 15.0
    series = series_at(t, 10.0 * t)                      # moving 10 px a second
    regular = on_regular_clock(series)
    assert not steady(t) and regular.fps == pytest.approx(15.0)
    assert np.allclose(np.diff(regular.t), 1 / 15.0)
    assert np.allclose(regular.image[:, 0, 0], 10.0 * regular.t)          # between real frames: the straight line
    assert "frame rate varied (5 to 15 frames a second)" in regular.notes[-1]
    assert frame_rate_during(t, 0.0, 3.9) == pytest.approx(15.0, rel=0.05)
    assert frame_rate_during(t, 5.0, 9.8) == pytest.approx(5.0, rel=0.05)


def test_a_stretch_without_frames_is_not_bridged_and_says_why():
    t = np.concatenate([np.arange(30) / 30, 2.0 + np.arange(30) / 30])    # a second with no frame at all
    regular = on_regular_clock(series_at(t, np.ones(60)))
    gap = (regular.t > t[29] + 1e-6) & (regular.t < t[30] - 1e-6)
    assert not regular.detected[gap].any() and (regular.excluded[gap] == Excluded.NO_FRAME).all()
    assert regular.exclusion_reasons() == ["the camera recorded no frames"]
    assert regular.detected[~gap].all()


def test_a_set_aside_frame_stays_set_aside_on_the_regular_clock():
    t = np.array([k for k in range(90) if k < 30 or k % 2 == 0]) / 30.0
    series = series_at(t, np.ones(len(t))).exclude(np.arange(len(t)) == 40, Excluded.OVERLAP)
    regular = on_regular_clock(series)
    near = np.abs(regular.t - t[40]) < t[41] - t[40] - 1e-6          # the ticks between its neighbours
    assert (regular.excluded[near] == Excluded.OVERLAP).all() and not regular.detected[near].any()
    assert regular.detected[~near].all()


def test_a_damaged_stretch_in_the_middle_loses_its_own_frames_not_the_rest(tmp_path):
    data = bytearray((SAMPLES / "forward_bend_side.mp4").read_bytes())
    third = len(data) // 3
    data[third:third + 3000] = bytes(3000)                      # a few packets overwritten
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    times, _ = shown(damaged)
    assert 200 <= len(times) < 237 and times[-1] == pytest.approx(236 / 15, abs=1e-3)      # to the end


def test_a_webm_says_how_many_frames_it_holds_from_its_duration(tmp_path):
    copy = phone_copy(SAMPLES / "side_bend_front.mp4", tmp_path / "copy.webm", codec="vp9")
    assert probe(copy).frame_count == pytest.approx(306, abs=2)     # the stream itself does not say


def test_frame_times_that_repeat_do_not_stop_the_clock():
    t = np.repeat(np.arange(40) / 15.0, 2)[:-1]                    # every frame twice, as a broken muxer writes
    regular = on_regular_clock(series_at(t, np.arange(len(t), dtype=float)))
    assert np.all(np.diff(regular.t) > 0)


def test_a_tracking_jump_is_set_aside_before_the_clock_not_blended_into_it():
    """Frames at a variable rate; from 4 s the tracker sits on someone a torso length to the right. The ticks between
    the last frame of the subject and the first of the other person are no pose of either: set aside, as the
    recorded frames are."""
    t = np.array([k for k in range(150) if k < 60 or k % 3 == 0]) / 15.0
    x = np.where(t >= 4.0, 60.0, 0.0) + np.where(t >= 8.0, -60.0, 0.0)      # back on the subject at 8 s
    regular = on_regular_clock(series_at(t, x))
    away = (regular.t > 3.95) & (regular.t < 8.0 - 1e-6)
    assert (regular.excluded[away] == Excluded.JUMPED).all() and not regular.detected[away].any()
    assert regular.detected[regular.t < 3.9].all()


def test_a_repetition_that_lasts_to_the_last_frame_is_judged_on_its_frame_rate_not_a_traceback():
    """A trial's end is one past its last frame: a recording that stops as the subject comes back up gave an
    IndexError (a bar-held rotation, seated, on the held-out renders) instead of a measurement or a refusal."""
    from posture.errors import FrameRateError
    from posture.measures.clock import check_frame_rate

    quick = np.arange(90) / 30.0
    check_frame_rate(quick, quick, ((30, 60, 90),))               # 30 fps to the very end: measured
    slow = np.arange(20) / 5.0
    with pytest.raises(FrameRateError, match="only 5 frames a second"):
        check_frame_rate(slow, slow, ((5, 12, 20),))
