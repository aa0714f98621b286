"""The +/- shown with each number: how far off it can be, from what is known about how it was measured.

Each figure was set on one half of the realistic renders and judged on the
other, which shares no body and no camera set-up with it (benchmarks/held_out.py;
docs/accuracy.md gives both halves): per measurement, the fitting half's bias
plus the 95% prediction interval of its clips' errors, or its largest error if
larger, rounded up to 0.5. The aim is that 95% of shown values lie within their
+/-. What the error was found to depend on is what the +/- depends on:
rotation's on the way the arms are held (two slim bodies turning 50 degrees with
the arms hanging read 8 to 10 over; with a bar none read more than 6 off).
Each held-out half that judged a fit joins the fitting evidence afterwards, and
a new one, rendered after the refit is committed, judges the next.
The frame rate is not among them: from 30 down to 10 frames a second the
errors did not change, and below 10 a movement is refused (clock.py).

Pure: a result in, the result with each shown value's +/- out.
"""

from __future__ import annotations

from dataclasses import replace

from posture.measures.common import Measurement, TestResult, Withheld
from posture.measures.rotation import BAR, arms_of

UNITS = ("deg", "cm")        # the units the renders measured the error in; a value in another unit has no +/-

# benchmarks/held_out.py --fit, 2026-12-08, on the fitting half only (16 bodies, 9 camera set-ups, each clip at 30,
# 15 and 10 fps; left and right together): the clips' |bias| + their 95% prediction interval, or the largest error when
# larger, rounded up to 0.5. Judged on a held-out half rendered after these were committed.
PLUS_MINUS = {
    "trunk_flexion": 3.5, "hip_flexion": 5.5, "fingertip_to_floor": 6.5, "knee_flexion_at_peak": 8.0,
    "side_bend_left": 2.5, "side_bend_right": 2.5, "rotation_left": 10.5, "rotation_right": 10.5,
    "shoulder_tilt": 3.0, "pelvic_tilt": 6.5, "trunk_lateral_lean": 2.0, "head_tilt": 6.0, "lateral_shift": 1.5,
    "trunk_inclination": 6.0, "plumb_ear": 6.0, "plumb_shoulder": 1.5, "plumb_hip": 5.0, "plumb_knee": 2.0,
}
WITH_A_BAR = {"rotation_left": 7.0, "rotation_right": 7.0}     # rotation with a bar across the shoulders


def plus_minus(name: str, unit: str, protocol: str = "") -> float | None:
    """The +/- of a shown value in its unit (None: not measured in this unit, or not at all)."""
    if unit not in UNITS:
        return None
    if arms_of(protocol) == BAR and name in WITH_A_BAR:
        return WITH_A_BAR[name]
    return PLUS_MINUS.get(name)


NO_PLUS_MINUS = "not measured: on test recordings it read too far off for a ± to be stated"


def stated(result: TestResult) -> TestResult:
    """The result with each shown value's +/-. A value in degrees or cm with no known +/- is withheld: every shown
    number carries its uncertainty (fingertip travel: up to 7 cm off on the held-out renders)."""
    return replace(result, measurements=tuple(_with_plus_minus(m, result.protocol) for m in result.measurements))


def _with_plus_minus(m: Measurement, protocol: str) -> Measurement:
    """A measurement in degrees or cm with no known +/- is never measured, whatever else withheld it (a better
    recording would not give it either), unless it already says why it cannot be (pelvis yaw)."""
    u = plus_minus(m.name, m.unit, protocol)
    if u is None and m.unit in UNITS and m.withheld != Withheld.NOT_MEASURABLE:
        return replace(m, value=None, trials=(), spread=None, maximum=None, uncertainty=None,
                       withheld=Withheld.NOT_MEASURABLE, reason=NO_PLUS_MINUS)
    return replace(m, uncertainty=None if m.value is None else u)
