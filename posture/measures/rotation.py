"""Trunk rotation, seen from the front: shoulder line against pelvis line, each way.

One frontal camera sees axial rotation only as depth, so two estimates are
combined: (a) the yaw between the 3-D world shoulder and hip lines on the
horizontal plane, and (b) the 2-D shoulder width's foreshortening against
neutral (normalised by hip width to cancel distance changes), signed by (a).
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
TRUNK = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)


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


def foreshortening_rotation(series: LandmarkSeries, config: FilterConfig = FilterConfig()) -> np.ndarray:
    """Estimate (b), unsigned: acos of the shoulder/hip width ratio against its neutral value.

    acos is steep near 1, so the ratio is low-pass filtered and its neutral value
    taken as the 90th percentile of the clip (turning only ever narrows the shoulders).
    """
    sw = np.linalg.norm(series.point(L.LEFT_SHOULDER) - series.point(L.RIGHT_SHOULDER), axis=-1)
    hw = np.linalg.norm(series.point(L.LEFT_HIP) - series.point(L.RIGHT_HIP), axis=-1)
    ratio = lowpass(sw / hw, series.t, config)
    return np.degrees(np.arccos(np.clip(ratio / np.nanpercentile(ratio, 90), 0.0, 1.0)))


def trunk_rotation(series: LandmarkSeries, neutral: np.ndarray, roll: float = 0.0,
                   world_weight: float = 0.5) -> np.ndarray:
    """Combined per-frame rotation estimate, degrees, + to the subject's left."""
    a = world_rotation(series, roll)
    a = a - np.nanmedian(a[neutral])
    b = np.sign(lowpass(a, series.t)) * foreshortening_rotation(series)
    return world_weight * a + (1.0 - world_weight) * b


def rotation(series: LandmarkSeries, config: AnalysisConfig = AnalysisConfig()) -> TestResult:
    """Peak trunk rotation to each side (both positive), with the pelvis yaw check."""
    share = check_person(series, WHOLE_BODY, config.min_detected)
    neutral = neutral_frames(series)
    move = find_movement(trunk_rotation(series, neutral, config.roll_deg), series, config, FRONTAL,
                         min_excursion=8.0, directions=(1, -1))
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
