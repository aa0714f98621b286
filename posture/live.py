"""The guided live check: framing, a still neutral, counted repetitions, then the full analysis.

Pure: it is fed one frame's landmarks at a time (from any camera) and says
what the person should do next, the current angle and how many repetitions
are done. When the protocol ends, the frames it kept are analysed exactly as
a recorded video would be, so live and offline numbers agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from posture.calibration import CameraProfile
from posture.errors import PostureError
from posture.landmarks import N_LANDMARKS, LandmarkSeries
from posture.measures import TESTS, AnalysisConfig, TestResult, analyse
from posture.measures.common import FRONTAL, WHOLE_BODY, view_fit, view_ratio
from posture.measures.angles import facing_direction
from posture.prepare import Preparation
from posture.trials import OneEuroFilter

FRAMING, NEUTRAL, MOVING, DONE = "framing", "neutral", "moving", "done"
DESPIKE_FRAMES = 5      # a running median before the One-Euro filter: one-frame spikes never count


@dataclass(frozen=True)
class LiveConfig:
    framing_s: float = 1.0           # framing must hold this long
    still_s: float = 2.0             # neutral stillness needed
    still_range_deg: float = 3.0     # how still is still
    hold_posture_s: float = 3.0      # posture tests: how long to record
    min_body_share: float = 0.45     # body height over picture height: closer than this is too far away
    max_body_share: float = 0.97
    min_brightness: float = 45.0     # mean grey level 0-255
    analysis: AnalysisConfig = AnalysisConfig()


@dataclass(frozen=True)
class Prompt:
    """What the screen shows: the step, one plain instruction, the angle and the count."""

    step: str
    instruction: str
    angle: float | None = None
    reps: dict[int, int] = field(default_factory=dict)
    problem: str = ""


def framing_problem(xy: np.ndarray | None, vis: np.ndarray | None, width: int, height: int, view: str,
                    brightness: float, config: LiveConfig, moving: bool = False) -> str:
    """The first thing wrong with the picture, in words, or '' when it is fine.

    While moving only a lost or cut-off body counts: a bend shortens the body and turns the trunk.
    """
    if brightness < config.min_brightness:
        return "The room is too dark: turn on a light or open the curtains."
    if xy is None or not np.isfinite(xy).all():
        return "Nobody is in view: stand in front of the camera so that your whole body shows."
    parts = [i for idx in WHOLE_BODY.values() for i in idx]
    margin = 0.01 * width        # positions only: from the side, the far limbs are hidden but still placed
    inside = ((xy[parts, 0] > -margin) & (xy[parts, 0] < width + margin)
              & (xy[parts, 1] > -margin) & (xy[parts, 1] < height + margin))
    span = (np.max(xy[parts, 1]) - np.min(xy[parts, 1])) / height
    if not inside.all() or span > config.max_body_share:
        return "Part of your body is out of the picture: step back until your head and feet both show."
    if moving:
        return ""
    if span < config.min_body_share:
        return "You are too far away: come a step closer to the camera."
    if view_fit(view_ratio(LandmarkSeries.one(xy, vis, width=width, height=height), slice(None)), view) < 0.5:
        return ("Turn to face the camera squarely." if view == FRONTAL
                else "Turn sideways, so that the camera sees you from the side.")
    return ""


class GuidedCheck:
    """One live test from framing to result; feed it frames with `update`."""

    def __init__(self, test: str, width: int, height: int, config: LiveConfig = LiveConfig(),
                 profile: CameraProfile | None = None, mirrored: bool = False):
        if test not in TESTS:
            raise PostureError(f"'{test}' has no live protocol.")
        self.test, self.width, self.height, self.config = test, width, height, config
        self.spec = TESTS[test]
        # The same preparation as a recording's: the profile at this camera's resolution, undistortion, roll.
        self.prep = Preparation.for_frames(width, height, config.analysis, profile, mirrored)
        self.step = FRAMING
        self.framed_since: float | None = None
        self.frames: list[tuple[float, np.ndarray, np.ndarray, np.ndarray]] = []
        self.angles: list[float] = []       # raw angle of each kept frame (NaN when the person was lost)
        self.smoothed: list[float] = []     # the same through the live filter, to judge stillness
        self.baseline: float | None = None
        self.neutral: LandmarkSeries | None = None    # the still frames, once settled
        self.forward = 1.0
        self.reps = {s: 0 for s in self.spec.sides}
        self.out_side = 0
        self.smooth = OneEuroFilter()
        self.result: TestResult | None = None
        self.error = ""

    def _angle(self, xy: np.ndarray, vis: np.ndarray, world: np.ndarray) -> float:
        s = LandmarkSeries(image=xy[None], visibility=vis[None], world=world[None], t=np.zeros(1),
                           width=self.width, height=self.height)
        roll = self.prep.config.roll_deg
        if self.spec.settle_angle is not None and self.neutral is None:
            # Stillness only: e.g. a turn's size needs the settled neutral arm width; the world yaw sees motion.
            return float(self.spec.settle_angle(s, roll)[0])
        return float(self.spec.primary_angle(s, self.forward, roll, self.neutral)[0])

    def series(self) -> LandmarkSeries:
        """Every frame kept since the neutral capture began."""
        t, xy, vis, world = (np.stack(a) for a in zip(*self.frames))
        return LandmarkSeries(image=xy, visibility=vis, world=world, t=t, width=self.width, height=self.height)

    def update(self, t: float, xy: np.ndarray | None, vis: np.ndarray | None, world: np.ndarray | None,
               brightness: float = 128.0) -> Prompt:
        """Advance the protocol by one frame (landmarks in pixels as the camera gives them, None when nobody was found)."""
        if self.step == DONE:
            return self._done_prompt()
        if xy is not None:
            xy, vis, world = self.prep.frame(xy, vis, world)
        problem = framing_problem(xy, vis, self.width, self.height, self.spec.view, brightness, self.config,
                                  moving=self.step == MOVING)
        if self.step == FRAMING:
            return self._framing(t, problem)
        if problem and (self.step == NEUTRAL or xy is None):
            if self.step == NEUTRAL:           # the still period must be seen whole: start it again
                self.frames, self.angles, self.smoothed = [], [], []
                return Prompt(NEUTRAL, problem, problem=problem)
            # Nobody in view mid-test: a gap in the series (the analysis bridges short ones).
            self.frames.append((t, np.full((N_LANDMARKS, 2), np.nan), np.zeros(N_LANDMARKS),
                                np.full((N_LANDMARKS, 3), np.nan)))
            self.angles.append(float("nan"))
            self.smoothed.append(float("nan"))
            return Prompt(self.step, problem, None, dict(self.reps), problem)
        self.frames.append((t, xy, vis, world))
        self.angles.append(self._angle(xy, vis, world))
        angle = self.smooth(float(np.nanmedian(self.angles[-DESPIKE_FRAMES:])), t)
        self.smoothed.append(angle)
        if self.step == NEUTRAL:
            return self._neutral(t, angle)
        prompt = self._moving(t, angle)
        return replace(prompt, instruction=problem, problem=problem) if problem and prompt.step == MOVING else prompt

    def _framing(self, t: float, problem: str) -> Prompt:
        if problem:
            self.framed_since = None
            return Prompt(FRAMING, problem, problem=problem)
        self.framed_since = t if self.framed_since is None else self.framed_since
        if t - self.framed_since >= self.config.framing_s:
            self.step = NEUTRAL
            return Prompt(NEUTRAL, "Good. Now stand still, arms relaxed, looking ahead.")
        return Prompt(FRAMING, "Good, hold that position.")

    def _neutral(self, t: float, angle: float) -> Prompt:
        hold = self.config.still_s if self.spec.moves else self.config.hold_posture_s
        if np.nanmax(self.smoothed) - np.nanmin(self.smoothed) > self.config.still_range_deg:
            del self.frames[:-1], self.angles[:-1], self.smoothed[:-1]    # moved: start the still period again
            return Prompt(NEUTRAL, "Please keep still for a moment.", angle)
        span = t - self.frames[0][0]
        if span < hold:
            return Prompt(NEUTRAL, f"Keep still ... {hold - span:.0f} s", angle)
        self.neutral = self.series()
        if self.spec.side_on:
            self.forward = facing_direction(self.neutral)     # the facing decides the sign of a bend
        if self.spec.side_on or self.spec.settle_angle is not None:
            # These angles depend on the settled neutral (facing, arm width): take them again against it.
            self.angles = list(self.spec.primary_angle(self.neutral, self.forward, self.prep.config.roll_deg,
                                                       self.neutral))
            self.smooth = OneEuroFilter()
        self.baseline = float(np.nanmedian(self.angles))
        if not self.spec.moves:
            return self._finish()
        self.step = MOVING
        return Prompt(MOVING, self.spec.instruction, 0.0, dict(self.reps))

    def _moving(self, t: float, angle: float) -> Prompt:
        rel = angle - self.baseline
        p = self.spec
        side = int(np.sign(rel)) if abs(rel) >= p.min_excursion and np.sign(rel) in p.sides else 0
        if side and not self.out_side:
            self.out_side = side
        elif self.out_side and abs(rel) < p.min_excursion / 2:
            self.reps[self.out_side] += 1        # out and back again: one repetition
            self.out_side = 0
        if all(n >= p.reps_per_side for n in self.reps.values()) and not self.out_side:
            return self._finish()
        todo = [s for s in p.sides if self.reps[s] < p.reps_per_side]
        say = p.instruction
        if len(p.sides) == 2 and len(todo) == 1:
            say = f"Now to your {'left' if todo[0] > 0 else 'right'} side. " + say.split(",")[0] + "."
        return Prompt(MOVING, say, rel, dict(self.reps))

    def _finish(self) -> Prompt:
        self.step = DONE
        try:
            series = self.series()
            self.result = analyse(series, self.test, self.prep.scaled(series))
        except PostureError as e:
            self.error = str(e)
        return self._done_prompt()

    def _done_prompt(self) -> Prompt:
        if self.error:
            return Prompt(DONE, f"That did not work: {self.error}", problem=self.error)
        return Prompt(DONE, "Done, thank you. You can relax.", reps=dict(self.reps))
