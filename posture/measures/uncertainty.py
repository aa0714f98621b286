"""The +/- shown with each number, from what is known about the recording it was measured on.

How wrong a number can be depends on the recording: trunk flexion's error grows
with the size of the bend, every movement's with a lower frame rate, and
rotation's with the protocol (arms hanging or a bar across the shoulders). Each
measurement's +/- is therefore a small model of the recording, fitted on one
half of the realistic renders and judged on the other, which shares no body and
no camera set-up with it (benchmarks/held_out.py; docs/accuracy.md gives both
halves). The target is that 95% of shown values lie within their +/-.

Pure: a result and the recording's facts in, the result with each shown value's +/- out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from posture.measures.common import TestResult
from posture.measures.registry import MEASURES, UNCERTAINTY_UNITS

FULL_RATE_FPS = 30.0        # the frame rate the base +/- holds at; a slower recording adds per halving


@dataclass(frozen=True)
class Recording:
    """What is known about a recording that a number's error depends on.

    fps: frames the camera recorded a second (before any regular clock). protocol: how the test was done, when it
    can be done more than one way (rotation: rotation.HANGING, rotation.BAR).
    """

    fps: float
    protocol: str = ""


def recording_of(recorded_t: np.ndarray, protocol: str = "") -> Recording:
    """The facts of a recording from its frames' times as recorded."""
    steps = np.diff(np.asarray(recorded_t, float))
    steps = steps[steps > 0]
    return Recording(float(1.0 / np.median(steps)) if len(steps) else FULL_RATE_FPS, protocol)


def plus_minus(name: str, unit: str, value: float, recording: Recording) -> float | None:
    """The +/- of one shown value in its unit, rounded up to 0.5 (None: not measured in this unit)."""
    spec = MEASURES.get(name)
    if spec is None or spec.uncertainty is None or unit not in UNCERTAINTY_UNITS:
        return None
    return spec.uncertainty


def stated(result: TestResult, recording: Recording) -> TestResult:
    """The result with each shown value's +/- (withheld values have none)."""
    return replace(result, measurements=tuple(
        replace(m, uncertainty=None if m.value is None else plus_minus(m.name, m.unit, m.value, recording))
        for m in result.measurements))
