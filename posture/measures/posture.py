"""Standing posture, frontal and sagittal, and the per-frame angles other tests reuse.

Frontal angles assume the subject faces the camera (checked), so the
subject's left is the image's right. Sagittal angles are signed + forward,
whichever way the subject faces.
"""

from __future__ import annotations

import numpy as np

from posture.errors import TrialError
from posture.geometry import incline_from_horizontal, incline_from_vertical, upright
from posture.landmarks import Landmark as L, LandmarkSeries
from posture.measures.common import (FRONTAL, SAGITTAL, WHOLE_BODY, AnalysisConfig, Measurement,
                                     TestResult, check_person, check_view, frame_quality, roll_note,
                                     withhold_if_poor)
from posture.trials import FilterConfig, longest_still_period, lowpass


def _line_tilt(series: LandmarkSeries, right: L, left: L, roll: float) -> np.ndarray:
    """Right-to-left line from the true horizontal, + when the left end is higher."""
    return incline_from_horizontal(upright(series.point(left) - series.point(right), roll))


def shoulder_tilt(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """Degrees, + when the left shoulder is higher (frontal view)."""
    return _line_tilt(series, L.RIGHT_SHOULDER, L.LEFT_SHOULDER, roll)


def pelvic_tilt(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """Degrees, + when the left hip is higher (frontal view)."""
    return _line_tilt(series, L.RIGHT_HIP, L.LEFT_HIP, roll)


def head_tilt(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """Degrees, + when the left ear is higher (frontal view)."""
    return _line_tilt(series, L.RIGHT_EAR, L.LEFT_EAR, roll)


def trunk_axis(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """Mid-hip to mid-shoulder, upright pixels."""
    return upright(series.midpoint(L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
                   - series.midpoint(L.LEFT_HIP, L.RIGHT_HIP), roll)


def trunk_lateral_lean(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """Degrees from the true vertical, + leaning to the subject's left (frontal view)."""
    return incline_from_vertical(trunk_axis(series, roll))


def facing_direction(series: LandmarkSeries, frames: slice | np.ndarray = slice(None)) -> float:
    """+1 when a side-on subject faces the image's right, -1 when the left (toes, else nose)."""
    image = series.image[frames]
    toes = image[:, [L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX], 0] - image[:, [L.LEFT_HEEL, L.RIGHT_HEEL], 0]
    lead = np.nanmedian(toes)
    if not np.isfinite(lead) or abs(lead) < 1.0:
        ears = series.midpoint(L.LEFT_EAR, L.RIGHT_EAR)[frames, 0]
        lead = np.nanmedian(series.image[frames, L.NOSE, 0] - ears)
    return 1.0 if lead >= 0 else -1.0


def trunk_inclination(series: LandmarkSeries, forward: float, roll: float = 0.0) -> np.ndarray:
    """Hip-to-shoulder angle from the true vertical, + forward (sagittal view)."""
    return incline_from_vertical(trunk_axis(series, roll), forward)


def head_forward_angle(series: LandmarkSeries, forward: float, roll: float = 0.0) -> np.ndarray:
    """Shoulder-to-ear line above the horizontal, seen from the front of the subject.

    A craniovertebral-angle proxy: 90 with the ear straight above the shoulder,
    smaller as the head moves forward.
    """
    v = upright(series.midpoint(L.LEFT_EAR, L.RIGHT_EAR)
                - series.midpoint(L.LEFT_SHOULDER, L.RIGHT_SHOULDER), roll)
    return np.degrees(np.arctan2(v[..., 1], forward * v[..., 0]))


PLUMB_POINTS = {"ear": (L.LEFT_EAR, L.RIGHT_EAR), "shoulder": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
                "hip": (L.LEFT_HIP, L.RIGHT_HIP), "knee": (L.LEFT_KNEE, L.RIGHT_KNEE)}


def plumb_offsets_px(series: LandmarkSeries, forward: float, roll: float = 0.0) -> dict[str, np.ndarray]:
    """Horizontal offset of ear, shoulder, hip and knee from the vertical through the ankle, + forward."""
    ankle = upright(series.midpoint(L.LEFT_ANKLE, L.RIGHT_ANKLE), roll)[..., 0]
    return {name: forward * (upright(series.midpoint(a, b), roll)[..., 0] - ankle)
            for name, (a, b) in PLUMB_POINTS.items()}


def still_period(series: LandmarkSeries, config: AnalysisConfig) -> slice:
    """The longest stretch of at least config.still_s with the trunk at rest, else TrialError."""
    centre = (series.midpoint(L.LEFT_SHOULDER, L.RIGHT_SHOULDER) + series.midpoint(L.LEFT_HIP, L.RIGHT_HIP)) / 2
    torso = np.nanmedian(np.linalg.norm(trunk_axis(series), axis=-1))
    smooth = FilterConfig(cutoff_hz=1.5, max_gap_s=config.filter.max_gap_s)
    xy = np.stack([lowpass(centre[:, k], series.t, smooth) for k in range(2)], axis=-1)
    speed = np.linalg.norm(np.gradient(xy, series.t, axis=0), axis=-1) / torso
    start, stop = longest_still_period(speed, series.t, limit=0.25)
    if stop - start < 2 or series.t[stop - 1] - series.t[start] < config.still_s - 0.5 / max(series.fps, 1):
        raise TrialError(f"No still period of {config.still_s:g} s was found: ask the subject to stand "
                         "still, arms relaxed, for a few seconds.")
    return slice(start, stop)


def _still_median(name: str, unit: str, values: np.ndarray, quality: np.ndarray,
                  frames: slice, config: AnalysisConfig) -> Measurement:
    q = float(np.nanmedian(quality[frames]))
    return withhold_if_poor(Measurement(name, float(np.nanmedian(values[frames])), unit, q),
                            config.min_quality)


def standing_frontal(series: LandmarkSeries, config: AnalysisConfig = AnalysisConfig()) -> TestResult:
    """Shoulder, pelvic and head tilt, trunk lean and lateral shift while standing still."""
    share = check_person(series, WHOLE_BODY, config.min_detected)
    still = still_period(series, config)
    fit = check_view(series, still, FRONTAL)
    roll = config.roll_deg
    shift_px = trunk_axis(series, roll)[..., 0]
    if config.cm_per_px:
        shift, shift_unit = shift_px * config.cm_per_px, "cm"
    else:
        hips = np.linalg.norm(upright(series.point(L.LEFT_HIP) - series.point(L.RIGHT_HIP), roll), axis=-1)
        shift, shift_unit = 100.0 * shift_px / hips, "% hip width"
    rows = [
        ("shoulder_tilt", shoulder_tilt(series, roll), "deg", (L.LEFT_SHOULDER, L.RIGHT_SHOULDER)),
        ("pelvic_tilt", pelvic_tilt(series, roll), "deg", (L.LEFT_HIP, L.RIGHT_HIP)),
        ("trunk_lateral_lean", trunk_lateral_lean(series, roll), "deg",
         (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)),
        ("head_tilt", head_tilt(series, roll), "deg", (L.LEFT_EAR, L.RIGHT_EAR)),
        ("lateral_shift", shift, shift_unit, (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)),
    ]
    ms = tuple(_still_median(name, unit, values, frame_quality(series, lms) * fit, still, config)
               for name, values, unit, lms in rows)
    return TestResult("posture-frontal", FRONTAL, ms, roll_note(config), share,
                      ((still.start, still.start, still.stop),))


def standing_sagittal(series: LandmarkSeries, config: AnalysisConfig = AnalysisConfig()) -> TestResult:
    """Head-forward angle, trunk inclination and plumb-line offsets while standing still."""
    share = check_person(series, WHOLE_BODY, config.min_detected)
    still = still_period(series, config)
    fit = check_view(series, still, SAGITTAL)
    roll, fwd = config.roll_deg, facing_direction(series, still)
    trunk_q = frame_quality(series, (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)) * fit
    ms = [
        _still_median("head_forward_angle", "deg", head_forward_angle(series, fwd, roll),
                      frame_quality(series, (L.LEFT_EAR, L.RIGHT_EAR, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)) * fit,
                      still, config),
        _still_median("trunk_inclination", "deg", trunk_inclination(series, fwd, roll), trunk_q, still, config),
    ]
    offsets = plumb_offsets_px(series, fwd, roll)
    if config.cm_per_px:
        scale, unit = config.cm_per_px, "cm"
    else:
        ankle = upright(series.midpoint(L.LEFT_ANKLE, L.RIGHT_ANKLE), roll)[..., 1]
        ear = upright(series.midpoint(L.LEFT_EAR, L.RIGHT_EAR), roll)[..., 1]
        scale, unit = 100.0 / (ear - ankle), "% ear height"
    for name, (a, b) in PLUMB_POINTS.items():
        q = frame_quality(series, (a, b, L.LEFT_ANKLE, L.RIGHT_ANKLE)) * fit
        ms.append(_still_median(f"plumb_{name}", unit, offsets[name] * scale, q, still, config))
    return TestResult("posture-sagittal", SAGITTAL, tuple(ms), roll_note(config), share,
                      ((still.start, still.start, still.stop),))
