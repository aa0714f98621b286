"""Standing still: the one rule for where a test's neutral is, offline and live.

Every test starts with the subject standing still. A movement test needs a
still, upright neutral to measure from (NEUTRAL); a posture test needs a still
period to average over (POSTURE). The analysis, the height scale, the
recogniser and the live check all ask here, so that what the live check
accepts as a neutral is what the analysis measures from.

Pure: landmarks in, frames out (or a refusal in one sentence).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from posture.errors import TrialError
from posture.geometry import incline_from_vertical
from posture.landmarks import Landmark as L, LandmarkSeries
from posture.measures.angles import trunk_axis, trunk_length
from posture.trials import FilterConfig, longest_still_period, lowpass_columns, true_runs

NEUTRAL_S = 1.0             # a movement's neutral is still for at least this long
UPRIGHT_DEG = 8.0           # the trunk within this of the vertical is upright
OPENING_S = 2.0             # every recording opens with this long standing still; a posture is averaged over as long
SPEED_CUTOFF_HZ = 1.5       # speeds are read on landmarks low-pass filtered at this
JUDGED_FROM = 10            # frames: fewer are too few for that low-pass (trials.lowpass), so not judged yet
SETTLING = 5                # frames: the newest ones, whose speed the low-pass cannot read yet (no frames after)
MOVING = (L.NOSE, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST, L.RIGHT_WRIST,
          L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE)


def _speed(series: LandmarkSeries, points: np.ndarray, max_gap_s: float | None = None) -> np.ndarray:
    """Per frame and point, the speed of points (frames x points x 2 px) in px per second, read through the
    low-pass."""
    smooth = FilterConfig(cutoff_hz=SPEED_CUTOFF_HZ) if max_gap_s is None else FilterConfig(
        cutoff_hz=SPEED_CUTOFF_HZ, max_gap_s=max_gap_s)
    frames, n = points.shape[:2]
    xy = lowpass_columns(points.reshape(frames, n * 2), series.t, smooth).reshape(frames, n, 2)
    return np.linalg.norm(np.gradient(xy, series.t, axis=0), axis=-1)


def body_speed(series: LandmarkSeries) -> np.ndarray:
    """Per frame, the median speed of the head, arms, trunk and knees, in torso lengths per second."""
    torso = np.nanmedian(trunk_length(series))
    speeds = _speed(series, series.image[:, list(MOVING)])
    with warnings.catch_warnings():          # frames where nobody was found stay NaN, quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(speeds, axis=1) / torso


def trunk_speed(series: LandmarkSeries, max_gap_s: float | None = None) -> np.ndarray:
    """Per frame, the speed of the trunk's centre (shoulders and hips), in torso lengths per second."""
    centre = (series.midpoint(L.LEFT_SHOULDER, L.RIGHT_SHOULDER) + series.midpoint(L.LEFT_HIP, L.RIGHT_HIP)) / 2
    return _speed(series, centre[:, None], max_gap_s)[:, 0] / np.nanmedian(trunk_length(series))


def upright(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """The trunk within UPRIGHT_DEG of the true vertical, whichever way the subject faces."""
    return np.abs(incline_from_vertical(trunk_axis(series, roll))) < UPRIGHT_DEG


@dataclass(frozen=True)
class StillRule:
    """What standing still means for one kind of test: a speed under a limit, upright or not, for at least min_s."""

    speed: Callable[[LandmarkSeries], np.ndarray]     # torso lengths per second, per frame
    limit: float
    min_s: float
    needs_upright: bool

    def still(self, series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
        """Per frame: still by this rule (frames where nobody was found never are)."""
        calm = np.nan_to_num(self.speed(series), nan=np.inf) < self.limit
        return calm & upright(series, roll) if self.needs_upright else calm

    def lasts(self, series: LandmarkSeries, start: int, stop: int, min_s: float | None = None) -> bool:
        """Frames start..stop-1 span at least min_s (half a frame's grace for the sampling)."""
        need = self.min_s if min_s is None else min_s
        return stop - start >= 2 and series.t[stop - 1] - series.t[start] >= need - 0.5 / max(series.fps, 1)


NEUTRAL = StillRule(body_speed, 0.1, NEUTRAL_S, needs_upright=True)
POSTURE = StillRule(trunk_speed, 0.25, OPENING_S, needs_upright=False)


def still_since(series: LandmarkSeries, rule: StillRule, roll: float = 0.0) -> int | None:
    """The first frame of the still stretch that runs to the series' last frame (None: the last frame moves).

    The live check asks this of the frames so far: it settles the neutral once that stretch lasts its hold. Fewer
    than JUDGED_FROM frames, and the newest SETTLING frames, are taken as still until more frames can tell.
    """
    if len(series) < JUDGED_FROM:
        return 0
    still = rule.still(series, roll)
    still[-SETTLING:] = True
    if not still[-SETTLING - 1]:
        return None
    moving = np.flatnonzero(~still)
    return int(moving[-1]) + 1 if moving.size else 0


@dataclass(frozen=True)
class Neutral:
    """Where the still, upright neutral of a movement starts; what came before it is not measured."""

    start: int
    note: str = ""


def find_neutral(series: LandmarkSeries, roll: float = 0.0) -> Neutral:
    """The first stretch of NEUTRAL_S with the body still and the trunk upright, else TrialError.

    A recording is meant to open with it; when it does not, a later one is used
    and the frames before it are left out, so a lean that was already under way
    never becomes the zero.
    """
    if len(series) < 2:
        raise TrialError("The recording is too short: record the whole movement, starting still.")
    for start, stop in true_runs(NEUTRAL.still(series, roll)):
        if NEUTRAL.lasts(series, start, stop):
            first_seen = np.flatnonzero(series.detected)[0]
            if start <= first_seen + max(1, int(0.2 * series.fps)):
                return Neutral(first_seen)
            return Neutral(start, f"The recording did not start still and upright; the neutral was taken at "
                                  f"{series.t[start]:.1f} s and what came before was left out.")
    raise TrialError(f"The subject never stood still and upright for {NEUTRAL_S:g} s: ask them to stand still, "
                     "upright and relaxed, before they start the movement.")


def neutral_frames(series: LandmarkSeries, seconds: float = NEUTRAL_S) -> np.ndarray:
    """The opening stretch of detected frames: the neutral of a series that starts at it (find_neutral)."""
    seen = np.flatnonzero(series.detected)
    t0 = series.t[seen[0]]
    return seen[series.t[seen] - t0 <= seconds]


def neutral_level(x: np.ndarray, t: np.ndarray, band: float = 3.0) -> float:
    """The level of a filtered signal in neutral: the median of its opening NEUTRAL_S (a series that starts at its
    neutral, as find_neutral leaves it), refined over every frame within `band` of it (the subject returns near it
    between repetitions)."""
    valid = ~np.isnan(x)
    if not valid.any():
        raise TrialError("No usable frames were found: check that the whole body is visible.")
    opening = valid & (t - t[valid][0] <= NEUTRAL_S)
    first = float(np.median(x[opening]))
    near = valid & (np.abs(x - first) <= band)
    return float(np.median(x[near]))


def standing_frames(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """The frames of the neutral the analysis will measure from (find_neutral), for the height scale; the opening
    second when the subject never stood still and upright (a posture test: its analysis says so if it matters)."""
    try:
        start = find_neutral(series, roll).start
    except TrialError:
        return neutral_frames(series)
    return start + neutral_frames(series[start:])


def still_period(series: LandmarkSeries, min_s: float = OPENING_S, max_gap_s: float | None = None) -> slice:
    """A posture's still period: the longest stretch of at least min_s with the trunk at rest, else TrialError."""
    speed = trunk_speed(series, max_gap_s)
    start, stop = longest_still_period(speed, series.t, limit=POSTURE.limit)
    if not POSTURE.lasts(series, start, stop, min_s):
        raise TrialError(f"No still period of {min_s:g} s was found: ask the subject to stand "
                         "still, arms relaxed, for a few seconds.")
    return slice(start, stop)


def check_length(series: LandmarkSeries, min_s: float = OPENING_S) -> None:
    """Every test starts with the subject standing still for min_s: a shorter recording cannot hold it."""
    seconds = float(series.t[-1] - series.t[0]) if len(series) > 1 else 0.0
    if seconds < min_s:
        raise TrialError(f"The recording lasts only {seconds:.1f} s: every test needs at least {min_s:g} s "
                         "of standing still first, then the movement; record it again, longer.")
