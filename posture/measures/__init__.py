"""One module per test; `analyse` picks the right one through the registry of test specs."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from posture.landmarks import LandmarkSeries
from posture.measures.checks import camera_angle, check_arms_at_sides, check_camera_angle, check_movement
from posture.measures.common import (WHOLE_BODY, AnalysisConfig, Measurement, Subject, TestResult, check_person,
                                     check_view)
from posture.measures.posture import still_period
from posture.measures.registry import MEASURES, TESTS, MeasureSpec, TestSpec, spec_for
from posture.measures.stillness import check_length, find_neutral, neutral_frames
from posture.measures.subject import keep_subject
from posture.measures.uncertainty import stated


@dataclass(frozen=True)
class Measured:
    """One test measured, with what was made sure of on the way: the subject as measured (series from the neutral on,
    its still frames, detected share, the view's fit), where the neutral starts in the recording, the camera's angle
    from the test's view (degrees, NaN when unknown), and the result."""

    subject: Subject
    start: int
    camera_angle: float
    result: TestResult


def measure(series: LandmarkSeries, test: str, config: AnalysisConfig = AnalysisConfig()) -> Measured:
    """Run one named test on a landmark series, after what must hold for it holds, each check once.

    One subject with their own left and right; for a movement, a still upright
    neutral, the camera within the test's angle and no other movement shown;
    the arms at the sides where the test needs them (in its neutral or still period).
    The test's own function then only measures.
    """
    spec = spec_for(test)
    check_length(series, config.still_s)
    check_person(series, WHOLE_BODY, config.min_detected)
    # The plain sentences first (facing away, side-on), from the whole recording: its opening second may be
    # someone walking in, whose view of the camera changes from frame to frame.
    check_view(series, np.flatnonzero(series.detected), spec.view)
    subject = keep_subject(series, frontal=not spec.side_on)
    series, notes = subject.series, series.notes + subject.notes
    share = check_person(series, WHOLE_BODY, config.min_detected)
    start = 0
    if spec.moves:
        neutral = find_neutral(series, config.roll_deg)
        start, series = neutral.start, series[neutral.start:]
        notes += (neutral.note,) if neutral.note else ()
    frames = neutral_frames(series) if spec.moves else np.flatnonzero(series.detected)
    angle = camera_angle(series, frames, spec.view, config.roll_deg)
    check_camera_angle(angle, spec.view, spec.max_camera_deg)
    check_movement(series, frames, spec.must_stay, spec.title.lower())
    still = frames if spec.moves else still_period(series, config)
    protocol = spec.protocol(series, still) if spec.protocol else ""      # refuses a way it cannot measure
    if spec.arms_at_sides and not spec.protocol:
        check_arms_at_sides(series, still, spec.arms_at_sides)
    if start:                         # the share of the frames measured, from the neutral on
        share = check_person(series, WHOLE_BODY, config.min_detected)
    checked = Subject(series, still, share, check_view(series, still, spec.view), protocol)
    result = spec.analyse(checked, config)
    if start:
        result = replace(result, trial_frames=tuple((a + start, b + start, c + start)
                                                    for a, b, c in result.trial_frames))
    angle_shown = round(angle, 1) if np.isfinite(angle) else None
    return Measured(checked, start, angle, stated(replace(result, notes=result.notes + notes,
                                                           camera_angle_deg=angle_shown)))


def analyse(series: LandmarkSeries, test: str, config: AnalysisConfig = AnalysisConfig()) -> TestResult:
    """The result of one named test on a landmark series (measure(), its result alone)."""
    return measure(series, test, config).result


__all__ = ["MEASURES", "TESTS", "AnalysisConfig", "Measurement", "MeasureSpec", "TestResult", "TestSpec", "analyse",
           "spec_for"]
