"""Side bend, seen from the front: trunk lateral lean to each side, fingertip travel."""

from __future__ import annotations

import numpy as np

from posture.geometry import upright
from posture.landmarks import Landmark as L
from posture.measures.common import (FRONTAL, AnalysisConfig, Subject, TestResult, frame_quality, needs_scale,
                                     roll_note, summarise_trials)
from posture.measures.movement import around, find_movement
from posture.measures.angles import trunk_lateral_lean

TRUNK = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
SIDES = {1: ("left", L.LEFT_INDEX), -1: ("right", L.RIGHT_INDEX)}
MIN_EXCURSION_DEG = 5.0      # a lean shorter than this from neutral is not a repetition


def side_bend(subject: Subject, config: AnalysisConfig = AnalysisConfig()) -> TestResult:
    """Peak lean to each side minus neutral (both reported positive), fingertip travel in cm."""
    series, neutral, roll = subject.series, subject.still, config.roll_deg
    move = find_movement(trunk_lateral_lean(series, roll), series, config,
                         min_excursion=MIN_EXCURSION_DEG, directions=tuple(SIDES))
    trunk_q = frame_quality(series, TRUNK) * subject.fit
    ms = []
    for direction, (side, finger) in SIDES.items():
        trials = [t for t in move.trials if t.direction == direction]
        windows = [move.peak_window(t, series, config.peak_hold_s) for t in trials]
        hand_q = frame_quality(series, (finger,)) * subject.fit
        quality = float(np.median([around(trunk_q, w) for w in windows])) if trials else 0.0
        finger_q = float(np.median([around(hand_q, w) for w in windows])) if trials else 0.0
        ms.append(summarise_trials(f"side_bend_{side}", "deg", [abs(t.peak_value) for t in trials],
                                   quality, config.min_quality))
        height = upright(series.point(finger), roll)[..., 1]
        travel_px = [np.nanmedian(height[neutral]) - around(height, w) for w in windows]
        if config.cm_per_px:
            ms.append(summarise_trials(f"fingertip_travel_{side}", "cm",
                                       [p * config.cm_per_px for p in travel_px], finger_q, config.min_quality))
        else:
            ms.append(needs_scale(f"fingertip_travel_{side}", finger_q))
    return TestResult("side-bend", FRONTAL, tuple(ms), roll_note(config) + move.notes, subject.share,
                      tuple((t.start, t.peak, t.end) for t in move.trials))
