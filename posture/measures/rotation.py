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

from dataclasses import replace

import numpy as np

from posture.geometry import wrap180
from posture.landmarks import Landmark as L, LandmarkSeries
from posture.measures.common import (FRONTAL, AnalysisConfig, Measurement, Subject, TestResult, Withheld,
                                     frame_quality, roll_note, summarise_trials)
from posture.measures.angles import trunk_length, world_yaw
from posture.measures.movement import around, find_movement
from posture.trials import FilterConfig, lowpass

ARMS_NOT_AT_SIDES = ("The {side} arm did not hang at the side at the start: for this test both arms hang loose at "
                     "the sides, so that they turn with the upper body; record it again that way.")
ARMS_AGREE_DEG = 15.0       # the shoulders' own reading of the turn may differ from the arms' by this much
PELVIS_NOT_MEASURED = ("not measured: from one camera in front, the pose model's hips turn with the shoulders "
                       "(read 7 to 27 degrees with the pelvis still); keep the hips still by the protocol")
MIN_EXCURSION_DEG = 8.0      # a turn shorter than this from neutral is not a repetition
DIRECTIONS = (1, -1)         # + to the subject's left
TRUNK = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
ARM_PAIRS = ((L.LEFT_ELBOW, L.RIGHT_ELBOW), (L.LEFT_WRIST, L.RIGHT_WRIST))
SHOULDERS = ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER),)


def world_rotation(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """Estimate (a): shoulder yaw minus pelvis yaw, + rotating to the subject's left."""
    return wrap180(world_yaw(series, L.RIGHT_SHOULDER, L.LEFT_SHOULDER, roll)
                   - world_yaw(series, L.RIGHT_HIP, L.LEFT_HIP, roll))


def arm_width_ratio(series: LandmarkSeries, pairs: tuple[tuple[L, L], ...] = ARM_PAIRS) -> np.ndarray:
    """Mean 2-D width between the left/right pairs (the elbows and the wrists), over the trunk length, per frame."""
    width = np.mean([np.linalg.norm(series.point(a) - series.point(b), axis=-1) for a, b in pairs], axis=0)
    return width / trunk_length(series)


def turn_from_width(ratio: np.ndarray, neutral_ratio: float) -> np.ndarray:
    """Estimate (b), unsigned: the turn that foreshortens the neutral width to this one."""
    return np.degrees(np.arccos(np.clip(ratio / neutral_ratio, 0.0, 1.0)))


def foreshortening_rotation(series: LandmarkSeries, neutral: np.ndarray, config: FilterConfig = FilterConfig(),
                            pairs: tuple[tuple[L, L], ...] = ARM_PAIRS) -> np.ndarray:
    """Estimate (b) per frame on the low-pass filtered width ratio of the pairs (acos is steep near neutral)."""
    ratio = lowpass(arm_width_ratio(series, pairs), series.t, config)
    return turn_from_width(ratio, float(np.nanmedian(ratio[neutral])))


def trunk_rotation(series: LandmarkSeries, neutral: np.ndarray, roll: float = 0.0,
                   config: FilterConfig = FilterConfig()) -> np.ndarray:
    """Per-frame rotation, degrees, + to the subject's left: the size of (b) with the sign of (a), low-pass filtered.

    Filtered here, before the arccos (steep near neutral), not afterwards.
    """
    a = world_rotation(series, roll)
    return (np.sign(lowpass(a - np.nanmedian(a[neutral]), series.t, config))
            * foreshortening_rotation(series, neutral, config))


def rotation_against(series: LandmarkSeries, reference: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """The same frame by frame, unfiltered, against a still reference recording (live use)."""
    a = world_rotation(series, roll) - np.nanmedian(world_rotation(reference, roll))
    return np.sign(a) * turn_from_width(arm_width_ratio(series), float(np.nanmedian(arm_width_ratio(reference))))


def rotation(subject: Subject, config: AnalysisConfig = AnalysisConfig()) -> TestResult:
    """Peak trunk rotation to each side (both positive), when the shoulders confirm the arms' reading.

    Pelvis yaw is reported as not measurable: MediaPipe's hips turn with the
    shoulders on realistic bodies (7 to 27 degrees read with the pelvis still).
    """
    series, neutral = subject.series, subject.still   # the arms hang at the sides there: measure() checks it
    move = find_movement(trunk_rotation(series, neutral, config.roll_deg, config.filter), series, config,
                         min_excursion=MIN_EXCURSION_DEG, directions=DIRECTIONS, filtered=True)
    # The shoulders' own foreshortening reads too little of a turn (docs/accuracy.md): it only confirms the arms'.
    shoulders = foreshortening_rotation(series, neutral, config.filter, SHOULDERS)
    trunk_q = frame_quality(series, TRUNK) * subject.fit
    ms: list[Measurement] = []
    for direction, side in ((1, "left"), (-1, "right")):
        trials = [t for t in move.trials if t.direction == direction]
        windows = [move.peak_window(t, series, config.peak_hold_s) for t in trials]
        peaks = [abs(t.peak_value) for t in trials]
        apart = [abs(p - around(shoulders, w)) for p, w in zip(peaks, windows)]
        quality = float(np.median([around(trunk_q, w) for w in windows])) if trials else 0.0
        m = summarise_trials(f"rotation_{side}", "deg", peaks, quality, config.min_quality)
        if trials and not all(np.isfinite(a) and a <= ARMS_AGREE_DEG for a in apart):
            worst = np.nanmax(apart) if np.isfinite(apart).any() else float("nan")
            m = replace(m, value=None, trials=(), spread=None, maximum=None, withheld=Withheld.DISAGREE,
                        reason=f"withheld: the arms and the shoulders disagree by {worst:.0f} degrees (at most "
                               f"{ARMS_AGREE_DEG:.0f}), so the arms did not turn with the upper body")
        ms.append(m)
        ms.append(Measurement(f"pelvis_yaw_{side}", None, "deg", quality, reason=PELVIS_NOT_MEASURED,
                              withheld=Withheld.NOT_MEASURABLE))
    return TestResult("rotation", FRONTAL, tuple(ms), roll_note(config) + move.notes, subject.share,
                      tuple((t.start, t.peak, t.end) for t in move.trials))
