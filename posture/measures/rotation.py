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
from posture.errors import TrialError
from posture.measures.angles import trunk_length, world_yaw
from posture.measures.checks import arm_off_side, arm_positions
from posture.measures.movement import around, find_movement
from posture.trials import FilterConfig, lowpass

ARMS_NOT_AT_SIDES = ("The {side} arm did not hang at the side at the start: for this test both arms hang loose at "
                     "the sides, so that they turn with the upper body; record it again that way.")
NO_PROTOCOL = ("The arms were neither hanging at the sides nor holding a bar across the shoulders at the start: "
               "for this test do one or the other, so that the arms turn with the upper body; record it again that "
               "way.")
CROSSED_REFUSED = ("Arms crossed on the chest cannot be measured from one camera in front: the forearms hide the "
                   "elbows and wrists, and test recordings read {mae:.0f} degrees off on average; let the arms hang at "
                   "the sides or hold a bar across the shoulders, and record it again.")
CROSSED_MAE_DEG = 13.8       # measured anyway on the held-out renders, standing and seated (benchmarks/held_out.py)
HANGING, BAR, CROSSED = "arms hanging", "a bar across the shoulders", "arms crossed on the chest"
SEATED, STANDING = "seated", "standing"
# Every protocol a result can name: the arms, then how the subject stood when the 3-D thighs were seen ('' before
# protocols were recognised).
PROTOCOLS = ("", HANGING, BAR, *(f"{arms}, {pose}" for arms in (HANGING, BAR) for pose in (STANDING, SEATED)))
BAR_HIGH = 0.95             # a bar's wrists this far above the hips at least, in trunk lengths (the shoulders: 1.0)
OWN_SIDE = 0.45             # and each wrist this far out on its own side of the shoulders' midline
CROSSED_SIDE = 0.25         # crossed: each wrist less far out than this (on the other side: negative)
CROSSED_LOW = 0.3           # and above the hips by this much (renders: 0.67 to 0.93), below a bar's height
SEATED_THIGH_DEG = 25.0     # seated: the thighs this far from vertical at least (renders: 40 to 64; standing 1 to 5)
ARMS_AGREE_DEG = 15.0       # the shoulders' own reading of the turn may differ from the arms' by this much
PELVIS_NOT_MEASURED = ("not measured: from one camera in front, the pose model's hips turn with the shoulders "
                       "(read 7 to 27 degrees with the pelvis still); keep the hips still by the protocol")
MIN_EXCURSION_DEG = 8.0      # a turn shorter than this from neutral is not a repetition
DIRECTIONS = (1, -1)         # + to the subject's left
TRUNK = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
ARM_PAIRS = ((L.LEFT_ELBOW, L.RIGHT_ELBOW), (L.LEFT_WRIST, L.RIGHT_WRIST))
SHOULDERS = ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER),)


def _facing(series: LandmarkSeries, still: np.ndarray) -> float:
    """+1 when the subject's left is to the right of the picture (facing the camera), -1 in a mirror image."""
    return float(np.sign(np.nanmedian(series.image[still, L.LEFT_SHOULDER, 0]
                                      - series.image[still, L.RIGHT_SHOULDER, 0])))


def _wrists_out(series: LandmarkSeries, still: np.ndarray) -> tuple[float, float]:
    """Each wrist's distance out on its own side of the shoulders' midline, in trunk lengths (negative: across)."""
    mid = series.midpoint(L.LEFT_SHOULDER, L.RIGHT_SHOULDER)[:, 0]
    trunk, facing = trunk_length(series), _facing(series, still)
    return tuple(float(np.nanmedian((sign * facing * (series.image[:, wrist, 0] - mid) / trunk)[still]))
                 for wrist, sign in ((L.LEFT_WRIST, 1), (L.RIGHT_WRIST, -1)))


def _wrists_high(series: LandmarkSeries, still: np.ndarray) -> np.ndarray:
    """Each wrist's height above its hip, in trunk lengths (the shoulders stand at about 1)."""
    return np.array([np.nanmedian(high[still]) for _, high in arm_positions(series).values()])


def holds_bar(series: LandmarkSeries, still: np.ndarray) -> bool:
    """Both wrists at the shoulders' height or above, each well out on its own side: a bar across the shoulders."""
    high, out = _wrists_high(series, still), np.array(_wrists_out(series, still))
    return bool(np.all(high >= BAR_HIGH) and np.all(out >= OWN_SIDE))      # NaN: not seen, so no


def crossed(series: LandmarkSeries, still: np.ndarray) -> bool:
    """Both wrists across the midline, between the hips and the shoulders: the arms crossed on the chest."""
    high, out = _wrists_high(series, still), np.array(_wrists_out(series, still))
    return bool(np.all(out < CROSSED_SIDE) and np.all((high > CROSSED_LOW) & (high < BAR_HIGH)))


def seated(series: LandmarkSeries, still: np.ndarray) -> bool | None:
    """Sitting: the thighs (the model's 3-D hip to knee) lie more than SEATED_THIGH_DEG from vertical (None: the
    3-D landmarks were not seen)."""
    w = series.world
    thigh = (w[:, L.LEFT_KNEE] + w[:, L.RIGHT_KNEE] - w[:, L.LEFT_HIP] - w[:, L.RIGHT_HIP])[still] / 2
    from_vertical = np.degrees(np.arctan2(np.linalg.norm(thigh[:, [0, 2]], axis=-1), np.abs(thigh[:, 1])))
    if not np.isfinite(from_vertical).any():
        return None
    return bool(np.nanmedian(from_vertical) > SEATED_THIGH_DEG)


def arms_of(protocol: str) -> str:
    """The way the arms were held, from a protocol's words (HANGING, BAR; '' when not recognised)."""
    return protocol.split(",")[0]


def same_way(a: str, b: str) -> bool:
    """Two results done the same way, so that their difference is a change of the body, not of the method. A result
    stored before protocols were recognised ('') had its arms hanging; seated and standing differ only when both
    are known."""
    (arms_a, _, pose_a), (arms_b, _, pose_b) = a.partition(", "), b.partition(", ")
    return (arms_a or HANGING) == (arms_b or HANGING) and (not pose_a or not pose_b or pose_a == pose_b)


def protocol(series: LandmarkSeries, still: np.ndarray) -> str:
    """How the rotation was done, from the neutral: 'arms hanging' or 'a bar across the shoulders', then ', seated'
    or ', standing' (nothing when the 3-D thighs were not seen). Refuses the arms crossed on the chest (too far off,
    CROSSED_MAE_DEG) and anything else."""
    if not arm_off_side(series, still):
        arms = HANGING
    elif holds_bar(series, still):
        arms = BAR
    elif crossed(series, still):
        raise TrialError(CROSSED_REFUSED.format(mae=CROSSED_MAE_DEG))
    else:
        raise TrialError(NO_PROTOCOL)
    sits = seated(series, still)
    return arms if sits is None else f"{arms}, {SEATED if sits else STANDING}"


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


def bar_turn(series: LandmarkSeries, neutral: np.ndarray, config: FilterConfig = FilterConfig()) -> np.ndarray:
    """Which way the trunk turns with a bar behind the neck, per frame (+1 to the subject's left, -1 right, 0).

    The bar lies behind the axis the trunk turns about, so in the picture it slides the other way from the turn,
    against the shoulders' midpoint (about a fifth of a trunk length at 35 degrees). The model's 3-D depth, which
    gives the direction with the arms hanging, barely moves with the hands raised (docs/accuracy.md).
    """
    shift = (series.midpoint(L.LEFT_WRIST, L.RIGHT_WRIST)[:, 0]
             - series.midpoint(L.LEFT_SHOULDER, L.RIGHT_SHOULDER)[:, 0]) / trunk_length(series)
    return -_facing(series, neutral) * np.sign(lowpass(shift - np.nanmedian(shift[neutral]), series.t, config))


def trunk_rotation(series: LandmarkSeries, neutral: np.ndarray, roll: float = 0.0,
                   config: FilterConfig = FilterConfig(), bar: bool = False) -> np.ndarray:
    """Per-frame rotation, degrees, + to the subject's left: the size of (b) with the sign of (a), low-pass filtered
    (with a bar held across the shoulders, the sign of bar_turn).

    Filtered here, before the arccos (steep near neutral), not afterwards.
    """
    if bar:
        sign = bar_turn(series, neutral, config)
    else:
        a = world_rotation(series, roll)
        sign = np.sign(lowpass(a - np.nanmedian(a[neutral]), series.t, config))
    return sign * foreshortening_rotation(series, neutral, config)


def rotation_against(series: LandmarkSeries, reference: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """The same frame by frame, unfiltered, against a still reference recording (live use)."""
    a = world_rotation(series, roll) - np.nanmedian(world_rotation(reference, roll))
    return np.sign(a) * turn_from_width(arm_width_ratio(series), float(np.nanmedian(arm_width_ratio(reference))))


def rotation(subject: Subject, config: AnalysisConfig = AnalysisConfig()) -> TestResult:
    """Peak trunk rotation to each side (both positive), when the shoulders confirm the arms' reading.

    Pelvis yaw is reported as not measurable: MediaPipe's hips turn with the
    shoulders on realistic bodies (7 to 27 degrees read with the pelvis still).
    """
    series, neutral = subject.series, subject.still   # how the arms were held there: measure() recognised it
    bar = arms_of(subject.protocol) == BAR
    move = find_movement(trunk_rotation(series, neutral, config.roll_deg, config.filter, bar), series, config,
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
    done = (f"Protocol: {subject.protocol}.",) if subject.protocol else ()
    return TestResult("rotation", FRONTAL, tuple(ms), done + roll_note(config) + move.notes, subject.share,
                      tuple((t.start, t.peak, t.end) for t in move.trials), protocol=subject.protocol)
