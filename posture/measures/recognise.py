"""Which test does a recording show? From the view and the movement, for "let the tool recognise it".

The tool never guesses silently: it says what it saw and whether it is sure.
It is sure only where the realistic renders (benchmarks/recognition.py: 87 clips
of 12 bodies through 6 camera set-ups, each at 30, 15 and 10 frames a second)
left a margin on both sides; in between it names the tests it could be, and the
person chooses (the app) or names the test (the command line, the batch).

What the renders measured, per clip:
- view: shoulder and hip width over torso length 0.01 to 0.11 side on, 0.49 to
  0.63 facing the camera; 0.20 on a real side-on walk.
- side view: the trunk's forward excursion 35 to 93 degrees in a forward bend,
  at most 1.6 standing still.
- front view: a side bend leans 3.4 to 26 degrees and turns the arms' width by
  up to 25 (a lean at least 0.44 of the turn); a rotation turns 23 to 70 and
  leans at most 7.8 (a lean at most 0.16 of the turn); standing still leans at
  most 0.9 and turns at most 7.9.
Pure: landmarks in, a Recognition out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.errors import NoPersonError
from posture.landmarks import LandmarkSeries
from posture.measures.common import view_ratio
from posture.measures.stillness import standing_frames
from posture.measures.angles import facing_direction, trunk_inclination, trunk_lateral_lean
from posture.measures.registry import TESTS
from posture.measures.rotation import foreshortening_rotation
from posture.trials import FilterConfig, lowpass

SIDE_ON_RATIO = 0.3          # shoulder and hip width over torso length below this: a side view
SURE_SIDE_ON, SURE_FACING = 0.2, 0.45       # sure of the view below / above these
SURE_BEND, SURE_STILL_BEND = 20.0, 5.0      # side view: a forward bend beyond, standing still within (degrees)
TURNED = 20.0                # front view: the arms' width narrowed by this many degrees of turn or more: a movement
SURE_STILL_LEAN, SURE_STILL_TURN = 2.5, 10.0    # front view, standing still within both
LEAN_PER_TURN = 0.3          # a movement leaning more than this per degree of turn is a side bend, less a rotation
SURE_SIDE_BEND, SURE_ROTATION = 0.4, 0.25   # sure above / below these


@dataclass(frozen=True)
class Recognition:
    """The test a recording most likely shows, whether the tool is sure, the other tests it could be when it is not,
    and what it saw, in words."""

    test: str
    sure: bool
    others: tuple[str, ...]
    saw: str

    @property
    def candidates(self) -> tuple[str, ...]:
        return (self.test, *self.others)

    def words(self) -> str:
        """One sentence a person can act on."""
        title = TESTS[self.test].title.lower()
        if self.sure:
            return f"Recognised as {title}: the tool saw {self.saw}."
        others = " or ".join(TESTS[t].title.lower() for t in self.others)
        return (f"Not sure which test this is: it looks most like {title}, but it could be {others} (the tool saw "
                f"{self.saw}).")


def _how_much(x: float, little: float, clearly: float) -> str:
    """A movement in words, not numbers (a number shown would need its +/-, and the table has the measured ones)."""
    return "hardly" if x < little else "a little" if x < clearly else "clearly"


def _excursion(signal: np.ndarray, series: LandmarkSeries, neutral: np.ndarray) -> float:
    """Largest filtered departure from the neutral level, degrees."""
    smooth = lowpass(signal, series.t)
    return float(np.nanmax(np.abs(smooth - np.nanmedian(smooth[neutral]))))


def recognise(series: LandmarkSeries, roll: float = 0.0) -> Recognition:
    """The test from the view and the movement (roll: the camera's, degrees, for where the subject stood still)."""
    if not series.detected.any():
        raise NoPersonError("No person was found in the video, so the test cannot be recognised.")
    neutral = standing_frames(series, roll)
    ratio = view_ratio(series, neutral)
    side = _side_view(series, neutral)
    front = _front_view(series, neutral)
    near, far = (side, front) if ratio < SIDE_ON_RATIO else (front, side)
    if SURE_SIDE_ON <= ratio <= SURE_FACING:                  # the view itself is in doubt
        others = tuple(dict.fromkeys(t for t in (*near.others, far.test) if t != near.test))
        return Recognition(near.test, False, others, f"a view at an angle (width {ratio:.2f} of the trunk), "
                                                     f"{near.saw}")
    return near


def _side_view(series: LandmarkSeries, neutral: np.ndarray) -> Recognition:
    bend = _excursion(trunk_inclination(series, facing_direction(series, neutral)), series, neutral)
    saw = f"a side view with the trunk {_how_much(bend, SURE_STILL_BEND, SURE_BEND)} bending forward"
    if bend > TESTS["forward-bend"].min_excursion:
        return Recognition("forward-bend", bend >= SURE_BEND, () if bend >= SURE_BEND else ("posture-sagittal",), saw)
    sure = bend < SURE_STILL_BEND
    return Recognition("posture-sagittal", sure, () if sure else ("forward-bend",), saw)


def _front_view(series: LandmarkSeries, neutral: np.ndarray) -> Recognition:
    lean = _excursion(trunk_lateral_lean(series), series, neutral)
    # How far the trunk turned, from how much the arms' width narrowed; a slow filter keeps jitter out.
    turn = float(np.nanpercentile(foreshortening_rotation(series, neutral, FilterConfig(cutoff_hz=1.0)), 90))
    saw = (f"a front view with the trunk {_how_much(lean, SURE_STILL_LEAN, TESTS['side-bend'].min_excursion)} "
           f"leaning to the side and {_how_much(turn, SURE_STILL_TURN, TURNED)} turning")
    if lean < TESTS["side-bend"].min_excursion and turn < TURNED:
        doubts = (("side-bend",) if lean >= SURE_STILL_LEAN else ()) + (("rotation",) if turn >= SURE_STILL_TURN
                                                                         else ())
        return Recognition("posture-frontal", not doubts, doubts, saw)
    per_turn = lean / max(turn, 1.0)
    if per_turn > LEAN_PER_TURN:
        sure = per_turn >= SURE_SIDE_BEND
        return Recognition("side-bend", sure, () if sure else ("rotation",), saw)
    sure = per_turn <= SURE_ROTATION
    return Recognition("rotation", sure, () if sure else ("side-bend",), saw)

