"""Standing posture, frontal and sagittal: the shared angles (angles.py) over a still period."""

from __future__ import annotations

import numpy as np

from posture.geometry import upright
from posture.landmarks import Landmark as L, LandmarkSeries
from posture.measures.angles import (PLUMB_POINTS, facing_direction, head_tilt, pelvic_tilt,
                                     plumb_offsets_px, shoulder_tilt, trunk_axis, trunk_inclination,
                                     trunk_lateral_lean)
from posture.measures.common import (FRONTAL, SAGITTAL, AnalysisConfig, Measurement, Subject, TestResult,
                                     Withheld, frame_quality, roll_note, withhold_if_poor)
from posture.measures import stillness


ARMS_NOT_RELAXED = ("The arms were not hanging relaxed at the sides: for standing posture let them hang loose and "
                    "record it again.")
HEAD_FORWARD_NOT_MEASURED = ("not measured: the pose model places the ear 3 to 6 cm forward of the true ear, so the "
                             "angle reads 11 to 18 degrees too small on realistic test bodies")


def still_period(series: LandmarkSeries, config: AnalysisConfig) -> slice:
    """The still period this analysis averages over (stillness.still_period with the config's length and gaps)."""
    return stillness.still_period(series, config.still_s, config.filter.max_gap_s)


def _still_median(name: str, unit: str, values: np.ndarray, quality: np.ndarray,
                  frames: slice, config: AnalysisConfig) -> Measurement:
    q = float(np.nanmedian(quality[frames]))
    return withhold_if_poor(Measurement(name, float(np.nanmedian(values[frames])), unit, q),
                            config.min_quality)


def standing_frontal(subject: Subject, config: AnalysisConfig = AnalysisConfig()) -> TestResult:
    """Shoulder, pelvic and head tilt, trunk lean and lateral shift while standing still."""
    series, still, fit, roll = subject.series, subject.still, subject.fit, config.roll_deg
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
    return TestResult("posture-frontal", FRONTAL, ms, roll_note(config), subject.share,
                      ((still.start, still.start, still.stop),))


def standing_sagittal(subject: Subject, config: AnalysisConfig = AnalysisConfig()) -> TestResult:
    """Head-forward angle, trunk inclination and plumb-line offsets while standing still."""
    series, still, fit = subject.series, subject.still, subject.fit
    roll, fwd = config.roll_deg, facing_direction(series, still)
    trunk_q = frame_quality(series, (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)) * fit
    head_q = float(np.nanmedian((frame_quality(series, (L.LEFT_EAR, L.RIGHT_EAR, L.LEFT_SHOULDER,
                                                         L.RIGHT_SHOULDER)) * fit)[still]))
    ms = [
        Measurement("head_forward_angle", None, "deg", head_q, reason=HEAD_FORWARD_NOT_MEASURED,
                    withheld=Withheld.NOT_MEASURABLE),
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
    return TestResult("posture-sagittal", SAGITTAL, tuple(ms), roll_note(config), subject.share,
                      ((still.start, still.start, still.stop),))
