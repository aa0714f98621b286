"""The recording's clock: frames on their true times, and how many frames a second it really had.

Phones record at a variable frame rate (it drops in low light); a video's
frame times are its timestamps (video.read_frames). Every time-based rule
(stillness, speeds, filters, hold times, trial lengths) is written for frames
at a steady rate, so an irregular recording is put on a regular clock once,
here, at the analysis's entry: each tick takes its landmarks from the real
frames either side (straight-line, as `trials.fill_gaps` bridges a short gap),
and a tick with no real frame within `FilterConfig.max_gap_s` has none.

What the regular clock cannot give back is detail that was never recorded:
`frame_rate_during` counts the real frames of a stretch, for the frame-rate
rule (`check_frame_rate`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from posture.errors import FrameRateError
from posture.landmarks import Excluded, LandmarkSeries
from posture.measures.subject import track_jumps
from posture.trials import FilterConfig

JITTER = 0.25            # frame intervals within this share of their median are a steady clock (webcams jitter)
MAX_TICK_FPS = 120.0     # the regular clock's fastest tick
MIN_MOVEMENT_FPS = 10.0  # the lowest frame rate during a movement at which every +/- held (benchmarks/frame_rate.py)


def steady(t: np.ndarray) -> bool:
    """True when the frame times come at a steady rate (within JITTER), or there are too few to tell."""
    if len(t) < 3:
        return True
    dt = np.diff(t)
    step = float(np.median(dt))
    return bool(step > 0 and np.all(np.abs(dt - step) <= JITTER * step))


def tick_s(t: np.ndarray) -> float:
    """The clock's tick for these frame times: the recording's fastest sustained interval (the 10th percentile),
    so that no recorded detail is thinned out; never under 1/MAX_TICK_FPS (frames that came in bursts)."""
    dt = np.diff(t)
    return max(float(np.percentile(dt[dt > 0], 10)), 1.0 / MAX_TICK_FPS)


def on_regular_clock(series: LandmarkSeries, bridge_s: float = FilterConfig().max_gap_s) -> LandmarkSeries:
    """The series as it would be on a steady clock (itself when it already is, or has no two frame times apart),
    with a note saying so.

    A tick between two real frames no more than bridge_s apart, both with the subject, takes the straight line
    between their landmarks; a tick next to a set-aside frame is set aside for the same reason; a tick in a
    longer stretch with no frame has no landmarks, set aside as Excluded.NO_FRAME.
    """
    t = series.t
    if steady(t) or not (np.diff(t) > 0).any():
        return series
    # The tracking's jumps are found on the recorded frames: a tick between two people would hide one.
    series = series.exclude(track_jumps(series), Excluded.JUMPED)
    step = tick_s(t)
    ticks = t[0] + step * np.arange(int(np.floor((t[-1] - t[0]) / step + 1e-6)) + 1)
    after = np.clip(np.searchsorted(t, ticks, side="right"), 1, len(t) - 1)
    before = after - 1
    w = np.clip((ticks - t[before]) / (t[after] - t[before]), 0.0, 1.0)
    exact = np.isclose(w, 0.0) | np.isclose(w, 1.0)
    nearest = np.where(w > 0.5, after, before)
    usable = series.detected & (series.excluded == Excluded.NO)
    bridged = (t[after] - t[before] <= bridge_s + 1e-9) & usable[before] & usable[after]
    ok = np.where(exact, series.detected[nearest], bridged)

    def blend(x: np.ndarray) -> np.ndarray:
        shape = (-1,) + (1,) * (x.ndim - 1)
        out = (1 - w).reshape(shape) * x[before] + w.reshape(shape) * x[after]
        out[exact] = x[nearest[exact]]
        return out

    image, world, visibility = blend(series.image), blend(series.world), blend(series.visibility)
    image[~ok], world[~ok], visibility[~ok] = np.nan, np.nan, 0.0
    excluded = np.maximum(series.excluded[before], series.excluded[after]).astype(np.int8)
    excluded[exact] = series.excluded[nearest[exact]]
    gap = ~ok & ~exact & (excluded == Excluded.NO) & usable[before] & usable[after]
    excluded[gap] = Excluded.NO_FRAME
    excluded[ok] = Excluded.NO
    fastest, slowest = 1.0 / step, 1.0 / float(np.percentile(np.diff(t), 90))       # a long gap is set aside
    note = (f"The recording's frame rate varied ({slowest:.0f} to {fastest:.0f} frames a second); it was analysed "
            "on the frames' true times.")
    return replace(series, image=image, world=world, visibility=visibility, t=ticks, excluded=excluded,
                   notes=series.notes + (note,))


def frame_rate_during(recorded_t: np.ndarray, start_s: float, stop_s: float) -> float:
    """Real frames a second between two times (the frames recorded, not the clock's ticks)."""
    inside = np.count_nonzero((recorded_t >= start_s - 1e-9) & (recorded_t <= stop_s + 1e-9))
    return (inside - 1) / (stop_s - start_s) if stop_s > start_s and inside > 1 else 0.0


def check_frame_rate(recorded_t: np.ndarray, ticks: np.ndarray, trial_frames: tuple[tuple[int, int, int], ...]) -> None:
    """FrameRateError unless every repetition was recorded at MIN_MOVEMENT_FPS or more (its real frames; the trials'
    frame numbers count the analysis's ticks). At 7.5, 6 and 5 fps the renders' hip or knee flexion left their +/-;
    at 10 and more nothing changed (docs/measurements.md)."""
    for start, _, end in trial_frames:            # end is past the repetition's last frame
        rate = round(frame_rate_during(recorded_t, ticks[start], ticks[end - 1]))   # a camera's own jitter aside
        if rate < MIN_MOVEMENT_FPS:
            raise too_few_frames(rate)


def too_few_frames(rate: int, stride: int = 1) -> FrameRateError:
    """The refusal of a movement recorded at `rate` frames a second, naming the cause: the camera, or the batch's
    --stride when it thinned the frames."""
    floor = f"too few to follow it (at least {MIN_MOVEMENT_FPS:.0f} are needed)"
    if stride > 1:
        return FrameRateError(f"Analysed at --stride {stride}, this recording has only {rate} frames a second during "
                              f"the movement, {floor}: run the batch with a smaller --stride.", rate)
    return FrameRateError(f"The camera recorded only {rate} frames a second during the movement, {floor}: record it "
                          "again in brighter light, with the camera set to 30 frames a second.", rate)
