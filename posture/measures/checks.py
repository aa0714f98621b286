"""What must hold before a test gives a number: the camera's angle, the movement asked for, the arms (the still
neutral: stillness.py).

Pure: landmarks in, the series to measure (or a refusal in one sentence) out.
Each refusal says what was seen and what to do, because a clinical tool may
refuse but may not guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.errors import TrialError, ViewError
from posture.landmarks import Landmark as L, LandmarkSeries
from posture.measures.angles import trunk_lateral_lean, trunk_length, world_yaw
from posture.measures.common import FRONTAL
from posture.geometry import wrap180
from posture.trials import robust_peak

# A hanging arm's wrist beside its hip, in trunk lengths. MediaPipe on the renders, arms hanging: 0.24 to 0.45 across
# from the front, 0.01 to 0.14 from the side, at most +0.04 above; arms crossed 0.75 to 0.93 above; held out at
# shoulder height 1.26 across and 0.95 above.
ARMS_AWAY = 0.6             # at most this far across the picture (to the side from the front, forward from the side)
ARMS_HIGH = 0.3             # and at most this far above the hip


def camera_angle(series: LandmarkSeries, frames: slice | np.ndarray, view: str, roll: float = 0.0) -> float:
    """Degrees the camera is away from the test's view, + towards the subject's left.

    From the 3-D shoulder and hip lines: facing the camera they run across it,
    side-on along it.
    """
    yaws = [world_yaw(series, right, left, roll)[frames]
            for left, right in ((L.LEFT_HIP, L.RIGHT_HIP), (L.LEFT_SHOULDER, L.RIGHT_SHOULDER))]
    yaw = float(np.nanmedian(np.concatenate(yaws)))      # + when the left side is farther from the camera
    if view == FRONTAL or not np.isfinite(yaw):
        return -yaw
    return float(wrap180(np.sign(yaw) * 90.0 - yaw)) if yaw else 90.0


def check_camera_angle(angle: float, view: str, limit: float) -> None:
    """ViewError with the turn that fixes it when the camera is more than `limit` degrees off the view (NaN: unknown)."""
    if not np.isfinite(angle) or abs(angle) <= limit:
        return
    if view == FRONTAL:
        side = "left" if angle > 0 else "right"
        raise ViewError(f"The camera is {abs(angle):.0f} degrees to the subject's {side} of straight in front "
                        f"(at most {limit:.0f} for this test): turn the subject {abs(angle):.0f} degrees to their "
                        f"{side}, or move the camera round to face them squarely.")
    raise ViewError(f"The camera sees the subject {abs(angle):.0f} degrees away from exactly side-on (at most "
                    f"{limit:.0f} for this test): turn the subject until their shoulders point at the camera.")


def _neutral_trunk(series: LandmarkSeries, neutral: np.ndarray) -> float:
    """The trunk length in neutral, px: the unit the movement rules measure in."""
    return float(np.nanmedian(trunk_length(series)[neutral]))


def hip_drop(series: LandmarkSeries, neutral: np.ndarray) -> np.ndarray:
    """How far the hips sank below their neutral height, in torso lengths (a squat, or bent knees)."""
    hips = series.midpoint(L.LEFT_HIP, L.RIGHT_HIP)[:, 1]
    return (hips - np.nanmedian(hips[neutral])) / _neutral_trunk(series, neutral)


def trunk_shortening(series: LandmarkSeries, neutral: np.ndarray) -> np.ndarray:
    """1 minus the trunk's picture length over its neutral length: a bow towards the camera shortens it."""
    return 1.0 - trunk_length(series) / _neutral_trunk(series, neutral)


def feet_travel(series: LandmarkSeries, neutral: np.ndarray) -> np.ndarray:
    """How far the ankles moved from where they stood, in torso lengths (walking)."""
    ankles = series.midpoint(L.LEFT_ANKLE, L.RIGHT_ANKLE)
    return np.linalg.norm(ankles - np.nanmedian(ankles[neutral], axis=0), axis=-1) / _neutral_trunk(series, neutral)


def wrists_raised(series: LandmarkSeries, neutral: np.ndarray) -> np.ndarray:
    """How far the wrists rose towards shoulder height from neutral, in torso lengths (arm raises)."""
    wrists = np.nanmean(series.image[:, [L.LEFT_WRIST, L.RIGHT_WRIST], 1], axis=1)
    return (np.nanmedian(wrists[neutral]) - wrists) / _neutral_trunk(series, neutral)


def lateral_lean_change(series: LandmarkSeries, neutral: np.ndarray) -> np.ndarray:
    """Trunk lateral lean away from neutral, degrees either way."""
    lean = trunk_lateral_lean(series)
    return np.abs(lean - np.nanmedian(lean[neutral]))


def arm_positions(series: LandmarkSeries) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per arm ('left', 'right') and frame: the wrist's distance across the picture from its hip and its height above
    it, in trunk lengths."""
    trunk = trunk_length(series)
    return {side: (np.abs(series.image[:, wrist, 0] - series.image[:, hip, 0]) / trunk,
                   (series.image[:, hip, 1] - series.image[:, wrist, 1]) / trunk)
            for side, wrist, hip in (("left", L.LEFT_WRIST, L.LEFT_HIP), ("right", L.RIGHT_WRIST, L.RIGHT_HIP))}


def arm_off_side(series: LandmarkSeries, frames: slice | np.ndarray = slice(None)) -> str:
    """The first arm ('left', 'right') whose wrist is not beside its hip over these frames (medians), else ''."""
    for side, (away, high) in arm_positions(series).items():
        if np.nanmedian(away[frames]) > ARMS_AWAY or np.nanmedian(high[frames]) > ARMS_HIGH:
            return side
    return ""


def check_arms_at_sides(series: LandmarkSeries, frames: slice | np.ndarray, refusal: str) -> None:
    """TrialError with the test's refusal ({side}: the arm) unless both arms hang at the sides over these frames."""
    side = arm_off_side(series, frames)
    if side:
        raise TrialError(refusal.format(side=side))


@dataclass(frozen=True)
class MustStay:
    """Something a test's movement leaves (nearly) alone; beyond `limit`, the recording shows another movement."""

    measure: object            # (series, neutral frames) -> per-frame value
    limit: float
    seen: str                  # what was seen, with {value}
    looks_like: str            # "a squat"


SQUAT = MustStay(hip_drop, 0.25, "the hips sank {value:.0%} of the trunk's length", "a squat")
BOW = MustStay(trunk_shortening, 0.2, "the trunk bent towards the camera ({value:.0%} shorter)", "a forward bow")
WALK = MustStay(feet_travel, 0.5, "the feet moved {value:.1f} trunk lengths", "walking")
ARM_RAISE = MustStay(wrists_raised, 0.5, "the hands rose {value:.0%} of the trunk's length", "arm raises")
SIDE_LEAN = MustStay(lateral_lean_change, 15.0, "the trunk leaned {value:.0f} degrees sideways", "a side bend")


def check_movement(series: LandmarkSeries, neutral: np.ndarray, must_stay: tuple[MustStay, ...], test_label: str,
                   hold_s: float = 0.3) -> None:
    """TrialError naming what was seen when the recording shows another movement than the test's.

    A value counts when it is held for hold_s, as a trial's peak (a one-frame spike is not a movement; NaN
    frames never count).
    """
    for rule in must_stay:
        held = np.nan_to_num(np.asarray(rule.measure(series, neutral), float), nan=-np.inf)
        value = robust_peak(held, series.fps, hold_s)[1]
        if value > rule.limit:
            seen = rule.seen.format(value=value)
            raise TrialError(f"{seen[0].upper()}{seen[1:]}: this looks like {rule.looks_like}, not the {test_label}; "
                             "record the test's own movement.")

