"""One spec per clinical test: the view, the analysis, the angle shown live, the protocol, and how changes are judged.

Every part of the tool that needs to know about a test (the command line, the
live check, the app, the recogniser, the comparison and the exports) reads it
here. Adding a test is one spec below and one analysis function in its module.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from posture.landmarks import LandmarkSeries
from posture.measures import forward_bend as fb, rotation as rot, side_bend as sb
from posture.measures.checks import ARM_RAISE, BOW, SIDE_LEAN, SQUAT, WALK, MustStay
from posture.measures.common import FRONTAL, SAGITTAL, AnalysisConfig, Subject, TestResult
from posture.measures.stillness import neutral_frames
from posture.trials import mdc95
from posture.measures.angles import facing_direction, shoulder_tilt, trunk_inclination, trunk_lateral_lean
from posture.measures.posture import ARMS_NOT_RELAXED, standing_frontal, standing_sagittal

LARGER, SMALLER, LEVEL = "larger", "smaller", "level"      # which way a measurement is better
AUTO = "auto"           # no test named: the analysis recognises it from the recording (analysis.py)
STILL = "Stand naturally and keep still."

# The angle per frame that shows a test's movement: (series, forward, roll, neutral) -> degrees.
# forward: +1/-1 facing of a side-on subject (None: found from the series); neutral: still reference frames.
AngleFunction = Callable[[LandmarkSeries, "float | None", float, "LandmarkSeries | None"], np.ndarray]


@dataclass(frozen=True)
class MeasureSpec:
    """One measurement a test reports (its +/- is stated by uncertainty.py, for how it was measured).

    default_mdc95: the conservative MDC95 between sessions when the sessions have
    too few trials of their own (units of the measurement; see docs/measurements.md).
    better: LARGER (a range), SMALLER (a distance to the floor) or LEVEL (nearer zero).
    """

    name: str
    default_mdc95: float | None      # None: the unit's fallback (its unit varies with the scale)
    better: str = LEVEL


@dataclass(frozen=True)
class TestSpec:
    """Everything the tool knows about one clinical test."""

    __test__ = False                 # not a pytest test class

    name: str                        # the key used everywhere: "forward-bend"
    title: str                       # as a clinician names it: "Forward bend"
    view: str                        # FRONTAL or SAGITTAL
    analyse: Callable[[Subject, AnalysisConfig], TestResult]     # measures only: measures.measure() checked first
    angle: AngleFunction
    angle_name: str                  # what the angle on screen is called
    measures: tuple[MeasureSpec, ...]
    instruction: str                 # the live instruction while moving (or holding still)
    camera_hint: str = ""            # where the camera goes, as the app lists the test: "camera at the side"
    one_side: str = ""               # the instruction for one side, once the other side is done
    min_excursion: float = 0.0       # degrees from neutral that count as a repetition
    sides: tuple[int, ...] = ()      # (1,) one-sided; (1, -1) both ways; () no movement (posture)
    reps_per_side: int = 0           # live repetitions asked for per side
    settle_angle: Callable[[LandmarkSeries, float], np.ndarray] | None = None
    # ^ the angle that judges stillness live before the neutral is settled, when `angle` needs the neutral
    max_camera_deg: float = 20.0     # the camera at most this far from the test's view
    must_stay: tuple[MustStay, ...] = ()     # what the movement leaves alone; else it is another movement
    arms_at_sides: str = ""          # the refusal when the arms do not hang at the sides ({side}: which); '' free
    # ^ checked on a movement's neutral and a posture's still period, offline and live
    protocol: Callable[[LandmarkSeries, np.ndarray], str] | None = None
    # ^ a test done more than one way: which way, from the neutral (or a refusal); replaces arms_at_sides offline
    protocols: tuple[str, ...] = ("",)   # every way it can say (a result stored before protocols has '')

    @property
    def moves(self) -> bool:
        """A range-of-motion test with repetitions (else a still posture)."""
        return bool(self.sides)

    @property
    def label(self) -> str:
        """As the app lists it: the title with where the camera goes ('Forward bend (camera at the side)')."""
        return f"{self.title} ({self.camera_hint})" if self.camera_hint else self.title

    @property
    def side_on(self) -> bool:
        return self.view == SAGITTAL

    @property
    def camera_advice(self) -> str:
        """Where the person stands, to end 'Stand where your whole body shows, ...'."""
        return "side-on to the camera." if self.side_on else "facing the camera."

    def primary_angle(self, series: LandmarkSeries, forward: float | None = None, roll: float = 0.0,
                      neutral: LandmarkSeries | None = None) -> np.ndarray:
        """The one angle per frame that shows the movement (the big number live, the curve in Compare)."""
        return self.angle(series, forward, roll, neutral)

    def measure(self, name: str) -> MeasureSpec | None:
        return next((m for m in self.measures if m.name == name), None)


def _inclination(series: LandmarkSeries, forward: float | None, roll: float,
                 neutral: LandmarkSeries | None) -> np.ndarray:
    return trunk_inclination(series, facing_direction(series) if forward is None else forward, roll)


def _lateral_lean(series, forward, roll, neutral) -> np.ndarray:
    return trunk_lateral_lean(series, roll)


def _shoulder_tilt(series, forward, roll, neutral) -> np.ndarray:
    return shoulder_tilt(series, roll)


def _rotation(series: LandmarkSeries, forward: float | None, roll: float,
              neutral: LandmarkSeries | None) -> np.ndarray:
    """Against still neutral frames: `neutral` live, else the series' opening second."""
    if neutral is None:
        still = neutral_frames(series)
        return rot.trunk_rotation(series, still, roll, bar=rot.holds_bar(series, still))
    return rot.rotation_against(series, neutral, roll)


def _per_side(*measures: tuple[str, float, str]) -> tuple[MeasureSpec, ...]:
    """Left then right of each (prefix, default MDC95, better), in the order the analysis reports them."""
    return tuple(MeasureSpec(f"{prefix}_{side}", mdc, better) for side in ("left", "right")
                 for prefix, mdc, better in measures)


SPECS = (
    TestSpec("forward-bend", "Forward bend", SAGITTAL, fb.forward_bend, _inclination,
             "Trunk flexion",
             (MeasureSpec("trunk_flexion", 8.0, LARGER), MeasureSpec("hip_flexion", 8.0, LARGER),
              MeasureSpec("fingertip_to_floor", 4.5, SMALLER), MeasureSpec("knee_flexion_at_peak", 5.0, LEVEL)),
             "Bend forward slowly, as far as is comfortable, with your knees straight, then stand up again.",
             "camera at the side", min_excursion=fb.MIN_EXCURSION_DEG, sides=fb.DIRECTIONS, reps_per_side=3,
             # A forward bend moves the hips back, not down: on 26 renders of 40 to 100-degree bends they sank at most
             # 0.125 of the trunk's length; a squat sinks them 0.3 or more (it was measured as a bend, knees flagged).
             must_stay=(SQUAT, WALK)),
    TestSpec("side-bend", "Side bend", FRONTAL, sb.side_bend, _lateral_lean, "Side bend",
             _per_side(("side_bend", 5.0, LARGER), ("fingertip_travel", 3.0, LARGER)),
             "Slide one hand down the side of your leg as far as is comfortable, come back up, then bend to "
             "the other side.", "camera in front",
             "Slide one hand down the side of your leg as far as is comfortable.", sb.MIN_EXCURSION_DEG,
             tuple(sb.SIDES), 2, must_stay=(SQUAT, BOW, WALK)),
    TestSpec("rotation", "Trunk rotation", FRONTAL, rot.rotation, _rotation, "Trunk rotation",
             _per_side(("rotation", 8.0, LARGER), ("pelvis_yaw", 5.0, LEVEL)),
             "Keep your hips still and your arms hanging loose, and turn your upper body to one side as far as "
             "is comfortable, back to the middle, then to the other side.", "camera in front",
             "Keep your hips still and your arms hanging loose.", rot.MIN_EXCURSION_DEG, rot.DIRECTIONS,
             2, settle_angle=rot.world_rotation, max_camera_deg=15.0,
             must_stay=(SQUAT, BOW, WALK, ARM_RAISE, SIDE_LEAN), arms_at_sides=rot.ARMS_NOT_AT_SIDES,
             protocol=rot.protocol, protocols=rot.PROTOCOLS),
    TestSpec("posture-frontal", "Standing posture, from the front", FRONTAL, standing_frontal, _shoulder_tilt,
             "Shoulder tilt",
             (MeasureSpec("shoulder_tilt", 2.5, LEVEL), MeasureSpec("pelvic_tilt", 2.5, LEVEL),
              MeasureSpec("trunk_lateral_lean", 2.0, LEVEL), MeasureSpec("head_tilt", 3.0, LEVEL),
              MeasureSpec("lateral_shift", 1.5, LEVEL)), STILL, arms_at_sides=ARMS_NOT_RELAXED),
    TestSpec("posture-sagittal", "Standing posture, from the side", SAGITTAL, standing_sagittal, _inclination,
             "Trunk inclination",
             (MeasureSpec("head_forward_angle", 5.0, LARGER), MeasureSpec("trunk_inclination", 3.0, LEVEL),
              *(MeasureSpec(f"plumb_{p}", None, LEVEL) for p in ("ear", "shoulder", "hip", "knee"))),
             STILL, arms_at_sides=ARMS_NOT_RELAXED),
)

TESTS: dict[str, TestSpec] = {s.name: s for s in SPECS}
MEASURES: dict[str, MeasureSpec] = {m.name: m for s in SPECS for m in s.measures}
# What a patient reads for each measurement (export.plain_words): the body and the movement, not the clinic's term.
PLAIN_NAMES = {
    "trunk_flexion": "Bending forward", "hip_flexion": "Bending at the hips",
    "fingertip_to_floor": "Fingertips to the floor", "knee_flexion_at_peak": "Knees bent, at the lowest point",
    **{f"side_bend_{s}": f"Bending sideways to the {s}" for s in ("left", "right")},
    **{f"fingertip_travel_{s}": f"Hand sliding down the {s} leg" for s in ("left", "right")},
    **{f"rotation_{s}": f"Turning to the {s}" for s in ("left", "right")},
    **{f"pelvis_yaw_{s}": f"Hips turning along, to the {s}" for s in ("left", "right")},
    "shoulder_tilt": "Shoulders, one higher than the other", "pelvic_tilt": "Hips, one higher than the other",
    "trunk_lateral_lean": "Upper body leaning to one side", "head_tilt": "Head tilted to one side",
    "lateral_shift": "Upper body shifted to one side", "head_forward_angle": "Head held forward",
    "trunk_inclination": "Upper body leaning forward or back",
    **{f"plumb_{p}": f"{p.capitalize()} in front of the ankle" for p in ("ear", "shoulder", "hip", "knee")},
}
FALLBACK_MDC95 = {"deg": 5.0, "cm": 2.0}        # by unit, for a measurement without a default of its own


def default_mdc95(name: str, unit: str) -> float | None:
    """The between-session MDC95 of a measurement when its trials cannot give one (None: unknown)."""
    spec = MEASURES.get(name)
    if spec is not None and spec.default_mdc95 is not None:
        return spec.default_mdc95
    return FALLBACK_MDC95.get(unit)


TRIALS, TYPICAL = "trials", "typical"          # where a session's MDC95 came from


def session_mdc95(name: str, unit: str, sessions: list[tuple[int, float | None]]) -> tuple[float | None, str]:
    """The MDC95 a change between sessions must exceed, and where it came from: from the sessions' pooled trial SD
    ((number of trials, SD) each) when every one has 3 trials or more and that is the larger, else the measurement's
    typical one (default_mdc95). Repetitions within one session agree better than sessions on different days do, so
    their own spread alone would call noise a change. The one rule for every MDC95 shown, one session or two."""
    default = default_mdc95(name, unit)
    if sessions and all(n >= 3 and sd is not None for n, sd in sessions):
        own = mdc95(math.sqrt(sum(sd ** 2 for _, sd in sessions) / len(sessions)))
        if default is None or own > default:
            return own, TRIALS
    return default, TYPICAL


def spec_for(name: str) -> TestSpec:
    """The spec of a named test, or ValueError naming the known ones."""
    if name not in TESTS:
        raise ValueError(f"Unknown test {name!r}: choose one of {', '.join(TESTS)}.")
    return TESTS[name]

