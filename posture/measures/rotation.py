"""Trunk rotation, seen from the front: shoulder line against pelvis line, each way.

One frontal camera sees axial rotation only as depth. The 3-D world landmarks
give its direction (a), the yaw of the shoulder line against the hip line, but
read far too little of its size; the size comes from foreshortening (b): the
arms hang from the shoulders, so the 2-D width between the elbows and between
the wrists narrows by the cosine of the thorax's turn. It is taken against the
trunk length, which turning leaves alone, to cancel distance changes. Why not
the shoulders and hips themselves: docs/measurements.md.
"""

from __future__ import annotations

import numpy as np

from posture.geometry import wrap180
from posture.landmarks import Landmark as L, LandmarkSeries
from posture.measures.common import (FRONTAL, WHOLE_BODY, AnalysisConfig, Measurement, TestResult,
                                     check_person, frame_quality, roll_note, summarise_trials)
from posture.measures.movement import around, find_movement, neutral_frames
from posture.trials import FilterConfig, lowpass

PELVIS_LIMIT_DEG = 10.0
MIN_EXCURSION_DEG = 8.0      # a turn shorter than this from neutral is not a repetition
DIRECTIONS = (1, -1)         # + to the subject's left
TRUNK = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
ARM_PAIRS = ((L.LEFT_ELBOW, L.RIGHT_ELBOW), (L.LEFT_WRIST, L.RIGHT_WRIST))


def _world_yaw(series: LandmarkSeries, right: L, left: L, roll: float) -> np.ndarray:
    """Yaw of a right-to-left world line on the horizontal plane, + when the left end is farther."""
    v = series.world[:, left] - series.world[:, right]
    a = np.radians(roll)
    x = np.cos(a) * v[..., 0] - np.sin(a) * v[..., 1]   # undo the roll about the camera axis
    return np.degrees(np.arctan2(v[..., 2], x))


def world_rotation(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """Estimate (a): shoulder yaw minus pelvis yaw, + rotating to the subject's left."""
    return wrap180(_world_yaw(series, L.RIGHT_SHOULDER, L.LEFT_SHOULDER, roll)
                   - _world_yaw(series, L.RIGHT_HIP, L.LEFT_HIP, roll))


def pelvis_yaw(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """Pelvis yaw against the camera, + turned to the subject's left."""
    return _world_yaw(series, L.RIGHT_HIP, L.LEFT_HIP, roll)


def arm_width_ratio(series: LandmarkSeries) -> np.ndarray:
    """Mean 2-D width between the elbows and between the wrists, over the trunk length, per frame."""
    trunk = np.linalg.norm(series.midpoint(L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
                           - series.midpoint(L.LEFT_HIP, L.RIGHT_HIP), axis=-1)
    width = np.mean([np.linalg.norm(series.point(a) - series.point(b), axis=-1) for a, b in ARM_PAIRS], axis=0)
    return width / trunk


def turn_from_width(ratio: np.ndarray, neutral_ratio: float) -> np.ndarray:
    """Estimate (b), unsigned: the turn that foreshortens the neutral width to this one."""
    return np.degrees(np.arccos(np.clip(ratio / neutral_ratio, 0.0, 1.0)))


def foreshortening_rotation(series: LandmarkSeries, neutral: np.ndarray,
                            config: FilterConfig = FilterConfig()) -> np.ndarray:
    """Estimate (b) per frame on the low-pass filtered width ratio (acos is steep near neutral)."""
    ratio = lowpass(arm_width_ratio(series), series.t, config)
    return turn_from_width(ratio, float(np.nanmedian(ratio[neutral])))


def trunk_rotation(series: LandmarkSeries, neutral: np.ndarray, roll: float = 0.0) -> np.ndarray:
    """Per-frame rotation, degrees, + to the subject's left: the size of (b) with the sign of (a)."""
    a = world_rotation(series, roll)
    return np.sign(lowpass(a - np.nanmedian(a[neutral]), series.t)) * foreshortening_rotation(series, neutral)


def rotation_against(series: LandmarkSeries, reference: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """The same frame by frame, unfiltered, against a still reference recording (live use)."""
    a = world_rotation(series, roll) - np.nanmedian(world_rotation(reference, roll))
    return np.sign(a) * turn_from_width(arm_width_ratio(series), float(np.nanmedian(arm_width_ratio(reference))))


def rotation(series: LandmarkSeries, config: AnalysisConfig = AnalysisConfig()) -> TestResult:
    """Peak trunk rotation to each side (both positive), with the pelvis yaw check."""
    share = check_person(series, WHOLE_BODY, config.min_detected)
    neutral = neutral_frames(series)
    move = find_movement(trunk_rotation(series, neutral, config.roll_deg), series, config, FRONTAL,
                         min_excursion=MIN_EXCURSION_DEG, directions=DIRECTIONS)
    yaw = pelvis_yaw(series, config.roll_deg)
    yaw = yaw - np.nanmedian(yaw[neutral])
    trunk_q = frame_quality(series, TRUNK) * move.fit
    ms: list[Measurement] = []
    for direction, side in ((1, "left"), (-1, "right")):
        trials = [t for t in move.trials if t.direction == direction]
        windows = [move.peak_window(t, series, config.peak_hold_s) for t in trials]
        pelvis = [abs(around(yaw, w)) for w in windows]
        flags = tuple(f"{side} trial {k}: pelvis turned {p:.0f} deg (over {PELVIS_LIMIT_DEG:.0f})"
                      for k, p in enumerate(pelvis, start=1) if p > PELVIS_LIMIT_DEG)
        quality = float(np.median([around(trunk_q, w) for w in windows])) if trials else 0.0
        ms.append(summarise_trials(f"rotation_{side}", "deg", [abs(t.peak_value) for t in trials],
                                   quality, config.min_quality, flags))
        ms.append(summarise_trials(f"pelvis_yaw_{side}", "deg", pelvis, quality, config.min_quality))
    return TestResult("rotation", FRONTAL, tuple(ms), roll_note(config) + move.notes, share,
                      tuple((t.start, t.peak, t.end) for t in move.trials))
