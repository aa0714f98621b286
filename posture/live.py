"""The guided live check: framing, a still neutral, counted repetitions, then the full analysis.

Pure: it is fed one frame's landmarks at a time (from any camera) and says
what the person should do next, the current angle and how many repetitions
are done. When the protocol ends, the frames it kept are analysed exactly as
a recorded video would be, so live and offline numbers agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np

from posture.calibration import CameraProfile
from posture.errors import PostureError
from posture.landmarks import N_LANDMARKS, L, LandmarkSeries
from posture.analysis import analyse_prepared
from posture.measures import TESTS, AnalysisConfig, TestResult, TestSpec
from posture.measures.checks import arm_off_side
from posture.measures import stillness
from posture.measures.common import FRONTAL, WHOLE_BODY, view_fit, view_ratio
from posture.measures.angles import facing_direction
from posture.prepare import Preparation
from posture.trials import OneEuroFilter, segment_trials

FRAMING, NEUTRAL, MOVING, DONE = "framing", "neutral", "moving", "done"
DESPIKE_FRAMES = 5      # a running median before the One-Euro filter: one-frame spikes never count
ARMS_PROBLEM = "Let your arms hang relaxed at your sides."


@dataclass(frozen=True)
class LiveConfig:
    framing_s: float = 1.0           # framing must hold this long
    hold_s: float = stillness.OPENING_S        # movement tests: how long the neutral is held (still by stillness.NEUTRAL)
    hold_posture_s: float = 3.0      # posture tests: how long to record (still by stillness.POSTURE)
    window_s: float = 5.0            # how much of the recent past the stillness is judged on
    min_body_share: float = 0.45     # body length over picture height: closer than this is too far away
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
    seconds_left: int | None = None     # while the person keeps still: the count the screen shows large

    @property
    def text(self) -> str:
        """The instruction with its count, as one line ('Keep still ... 2 s'), for the picture."""
        return self.instruction if self.seconds_left is None else f"{self.instruction} ... {self.seconds_left} s"

    @property
    def reps_words(self) -> str:
        """The repetitions so far, for the therapist's screen: '2', 'left 1, right 0', or '-' before any."""
        done = ", ".join(f"{'left' if s > 0 else 'right'} {n}" if len(self.reps) > 1 else str(n)
                         for s, n in self.reps.items())
        return done or "-"


def body_length(xy: np.ndarray) -> float:
    """Nose to ankles along the body (pixels): what a bend does not shorten, unlike the body's height in the picture
    (someone bending early was told they stood too far away)."""
    def mid(a: L, b: L) -> np.ndarray:
        return (xy[a] + xy[b]) / 2

    chain = [xy[L.NOSE], mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER), mid(L.LEFT_HIP, L.RIGHT_HIP),
             mid(L.LEFT_KNEE, L.RIGHT_KNEE), mid(L.LEFT_ANKLE, L.RIGHT_ANKLE)]
    return float(sum(np.linalg.norm(b - a) for a, b in zip(chain, chain[1:])))


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
    if body_length(xy) / height < config.min_body_share:
        return "You are too far away: come a step closer to the camera."
    if view_fit(view_ratio(LandmarkSeries.one(xy, vis, width=width, height=height), slice(None)), view) < 0.5:
        return ("Turn to face the camera squarely." if view == FRONTAL
                else "Turn sideways, so that the camera sees you from the side.")
    return ""


Frame = tuple[float, np.ndarray, np.ndarray, np.ndarray]   # t (s), image (33 x 2 px), visibility (33), world (33 x 3 m)


@dataclass(frozen=True)
class Framing:
    """Waiting until the picture has been fine for `framing_s`."""

    step: ClassVar[str] = FRAMING
    since: float | None = None                 # when the picture became fine (s); None while it is not


@dataclass(frozen=True)
class Neutral:
    """Capturing the still neutral: the recent frames (at most window_s), their raw angles (deg), and since which of
    them the person has stood still by the test's stillness rule (stillness.py, as the analysis judges it).

    Before the neutral is settled the raw angle is the spec's settle angle where it has one (the primary angle
    needs the settled neutral), else the primary angle for a person facing the image's right.
    """

    step: ClassVar[str] = NEUTRAL
    frames: tuple[Frame, ...] = ()
    angles: tuple[float, ...] = ()
    still_from: int | None = None              # the first frame of the still stretch up to now (None: moving)
    smooth: OneEuroFilter = field(default_factory=OneEuroFilter)    # the live filter for the angle shown

    def still(self) -> tuple[Frame, ...]:
        """The frames of the still stretch so far."""
        return () if self.still_from is None else self.frames[self.still_from:]


@dataclass(frozen=True)
class Moving:
    """Counting repetitions of the movement against the settled neutral."""

    step: ClassVar[str] = MOVING
    neutral: LandmarkSeries                    # the still frames, the reference of every angle from now on
    forward: float                             # +1/-1: a side-on person faces the image's right/left (1 facing it)
    baseline: float                            # the neutral angle (deg): excursions are measured from it
    reps: Mapping[int, int]                    # repetitions per side (+1, -1) as the analysis counts them so far
    recent: tuple[float, ...] = ()             # the last DESPIKE_FRAMES raw angles (NaN: nobody in view)
    smooth: OneEuroFilter = field(default_factory=OneEuroFilter)    # the live filter, carrying its running state
    times: tuple[float, ...] = ()              # every frame with someone in view since the neutral (s)
    angles: tuple[float, ...] = ()             # and its filtered angle from neutral (deg): what the counter reads

    def counted(self, t: float, rel: float, spec: TestSpec, hold_s: float) -> Moving:
        """This state after one more filtered angle `rel` (deg from neutral) at time t (s)."""
        times, angles = self.times + (t,), self.angles + (rel,)
        return replace(self, times=times, angles=angles, reps=repetitions(times, angles, spec, hold_s))

    def complete(self, spec: TestSpec) -> bool:
        """Every side has its repetitions and the person is back near neutral (within half of min_excursion)."""
        back = bool(self.angles) and abs(self.angles[-1]) < spec.min_excursion / 2
        return back and all(n >= spec.reps_per_side for n in self.reps.values())


def repetitions(times: Sequence[float], angles: Sequence[float], spec: TestSpec, hold_s: float) -> dict[int, int]:
    """Repetitions per side as the analysis finds its trials (trials.segment_trials), each counted once the person is
    back from it: past the trial's end, or now within half of min_excursion of neutral.

    A trial is a stretch past max(min_excursion, 35% of the largest excursion that way) held for hold_s: so coming
    only part way up between two bends makes two, and a later, much larger one can take back a small one.
    """
    if len(angles) < 2:
        return {s: 0 for s in spec.sides}
    y = np.asarray(angles, float)
    trials = segment_trials(y, np.asarray(times, float), spec.min_excursion, spec.sides, hold_s, baseline=0.0).trials
    back = [tr.direction for tr in trials if tr.end < len(y) or tr.direction * y[-1] < spec.min_excursion / 2]
    return {s: back.count(s) for s in spec.sides}


@dataclass(frozen=True)
class Done:
    """The protocol is over: the analysis of the recording, or why it failed."""

    step: ClassVar[str] = DONE
    reps: Mapping[int, int]
    result: TestResult | None = None
    error: str = ""                            # a message a person can act on; '' when the analysis worked
    series: LandmarkSeries | None = None       # the landmarks as analysed (on the analysis's clock)


State = Framing | Neutral | Moving | Done


class GuidedCheck:
    """One live test from framing to result; feed it frames with `update`.

    What it knows is in `state` (one of Framing, Neutral, Moving, Done); `frames` is the recording the final
    analysis reads: the settled still period, then every frame after it, appended and never rewritten.
    """

    def __init__(self, test: str, width: int, height: int, config: LiveConfig = LiveConfig(),
                 profile: CameraProfile | None = None, mirrored: bool = False, height_cm: float | None = None):
        if test not in TESTS:
            raise PostureError(f"'{test}' has no live protocol.")
        self.test, self.width, self.height, self.config = test, width, height, config
        self.height_cm = height_cm          # the client's height, for centimetres (as a recording's analysis uses it)
        self.spec = TESTS[test]
        # The same preparation as a recording's: the profile at this camera's resolution, undistortion, roll.
        self.prep = Preparation.for_frames(width, height, config.analysis, profile, mirrored)
        self.state: State = Framing()
        self.frames: list[Frame] = []

    @property
    def step(self) -> str:
        """FRAMING, NEUTRAL, MOVING or DONE."""
        return self.state.step

    @property
    def result(self) -> TestResult | None:
        """The analysis once done (None before, or when it failed)."""
        return self.state.result if isinstance(self.state, Done) else None

    @property
    def error(self) -> str:
        """Why the analysis failed, once done ('' otherwise)."""
        return self.state.error if isinstance(self.state, Done) else ""

    def series(self) -> LandmarkSeries:
        """Every frame kept since the neutral capture began (while capturing it: the still period so far; once
        analysed, as the analysis measured them, on its regular clock: what the result's frame numbers count)."""
        if isinstance(self.state, Done) and self.state.series is not None:
            return self.state.series
        kept = self.state.still() if isinstance(self.state, Neutral) else self.frames
        return _as_series(kept, self.width, self.height)

    def update(self, t: float, xy: np.ndarray | None, vis: np.ndarray | None, world: np.ndarray | None,
               brightness: float = 128.0) -> Prompt:
        """Advance the protocol by one frame (landmarks in pixels as the camera gives them, None when nobody was found)."""
        state = self.state
        if isinstance(state, Done):
            return _done_prompt(state)
        if xy is not None:
            xy, vis, world = self.prep.frame(xy, vis, world)
        problem = framing_problem(xy, vis, self.width, self.height, self.spec.view, brightness, self.config,
                                  moving=isinstance(state, Moving))
        if not problem and isinstance(state, Neutral):
            problem = self._arms_problem(xy, vis)
        frame = None if xy is None else (t, xy, vis, world)
        if isinstance(state, Framing):
            self.state, prompt = self._framing(state, t, problem)
        elif isinstance(state, Neutral):
            self.state, prompt = self._neutral(state, t, frame, problem)
        else:
            self.state, prompt = self._moving(state, t, frame, problem)
        return prompt

    def _framing(self, state: Framing, t: float, problem: str) -> tuple[State, Prompt]:
        """The picture must stay fine for framing_s; any problem starts the wait again."""
        if problem:
            return Framing(), Prompt(FRAMING, problem, problem=problem)
        since = t if state.since is None else state.since
        if t - since >= self.config.framing_s:
            return Neutral(), Prompt(NEUTRAL, self._still_words(), seconds_left=round(self._hold_s()))
        return Framing(since), Prompt(FRAMING, "Good, hold that position.")

    def _arms_problem(self, xy: np.ndarray, vis: np.ndarray) -> str:
        """ARMS_PROBLEM when the test needs the arms at the sides and this frame's are not there, else ''."""
        if not self.spec.arms_at_sides:
            return ""
        return ARMS_PROBLEM if arm_off_side(LandmarkSeries.one(xy, vis, width=self.width, height=self.height)) else ""

    def _neutral(self, state: Neutral, t: float, frame: Frame | None, problem: str) -> tuple[State, Prompt]:
        """Hold still for the hold time, still by the analysis's own rule; the still stretch must be seen whole, so a
        problem starts it again and a movement moves its start."""
        if problem:
            return Neutral(smooth=state.smooth), Prompt(NEUTRAL, problem, problem=problem)
        raw = self._frame_angle(frame)
        angle = state.smooth(float(np.nanmedian((state.angles + (raw,))[-DESPIKE_FRAMES:])), t)
        state = self._still_so_far(state, frame, raw)
        still = state.still()
        if not still:
            return state, Prompt(NEUTRAL, self._moving_words(frame), angle)
        span = t - still[0][0]
        if span < self._hold_s():
            return state, Prompt(NEUTRAL, self._still_words(), angle, seconds_left=round(self._hold_s() - span))
        return self._settle(still, state.angles[state.still_from:], state.smooth)

    def _still_so_far(self, state: Neutral, frame: Frame, angle: float) -> Neutral:
        """The state with this frame and its raw angle added (the window kept to window_s), and where its still
        stretch starts."""
        frames, angles = state.frames + (frame,), state.angles + (angle,)
        keep = next(k for k, f in enumerate(frames) if frame[0] - f[0] <= self.config.window_s)
        frames, angles = frames[keep:], angles[keep:]
        since = stillness.still_since(_as_series(frames, self.width, self.height), self._rule(),
                                      self.prep.config.roll_deg)
        return Neutral(frames, angles, since, state.smooth)

    def _rule(self) -> stillness.StillRule:
        """What standing still means for this test (stillness.py): a movement's neutral, or a posture's."""
        return stillness.NEUTRAL if self.spec.moves else stillness.POSTURE

    def _moving_words(self, frame: Frame) -> str:
        """Why the neutral is not settling: moving, or (a movement test) still but not upright."""
        _, xy, vis, world = frame
        one = LandmarkSeries.one(xy, vis, world, width=self.width, height=self.height)
        if self._rule().needs_upright and not stillness.upright(one, self.prep.config.roll_deg)[0]:
            return "Stand up straight and relaxed, looking ahead."
        return "Please keep still for a moment."

    def _hold_s(self) -> float:
        """How long the neutral stance is held: the still period of a movement, or the whole posture recording."""
        return self.config.hold_s if self.spec.moves else self.config.hold_posture_s

    def _still_words(self) -> str:
        """The instruction for the neutral stance, the same from its first frame to its last (so it can be read)."""
        return "Stand still, looking ahead" + (", arms relaxed at your sides" if self.spec.arms_at_sides else "")

    def _settle(self, still: tuple[Frame, ...], angles: tuple[float, ...],
                smooth: OneEuroFilter) -> tuple[State, Prompt]:
        """The still period is complete: it opens the recording, and a posture test ends with it."""
        self.frames.extend(still)
        reps = {s: 0 for s in self.spec.sides}
        if not self.spec.moves:
            return self._finish()
        neutral = _as_series(still, self.width, self.height)
        forward = facing_direction(neutral) if self.spec.side_on else 1.0   # the facing decides a bend's sign
        if self.spec.side_on or self.spec.settle_angle is not None:
            # These angles depend on the settled neutral (facing, arm width): take them again against it.
            angles = tuple(self.spec.primary_angle(neutral, forward, self.prep.config.roll_deg, neutral))
            smooth = OneEuroFilter()
        moving = Moving(neutral, forward, float(np.nanmedian(angles)), reps, recent=angles[-DESPIKE_FRAMES:],
                        smooth=smooth)
        return moving, Prompt(MOVING, self.spec.instruction, 0.0, dict(reps))

    def _moving(self, state: Moving, t: float, frame: Frame | None, problem: str) -> tuple[State, Prompt]:
        """Count repetitions; nobody in view is a gap in the recording, a problem is said instead of the instruction."""
        if frame is None:         # the analysis bridges short gaps
            self.frames.append(_gap(t))
            gap = replace(state, recent=(state.recent + (float("nan"),))[-DESPIKE_FRAMES:])
            return gap, Prompt(MOVING, problem, None, dict(state.reps), problem)
        self.frames.append(frame)
        recent = (state.recent + (self._frame_angle(frame, state),))[-DESPIKE_FRAMES:]
        rel = state.smooth(float(np.nanmedian(recent)), t) - state.baseline
        state = replace(state, recent=recent).counted(t, rel, self.spec, self.config.analysis.peak_hold_s)
        if state.complete(self.spec):
            return self._finish(state)
        say = problem or self._moving_instruction(state.reps)
        return state, Prompt(MOVING, say, rel, dict(state.reps), problem)

    def _frame_angle(self, frame: Frame, moving: Moving | None = None) -> float:
        """One frame's raw angle (deg): against the settled neutral while moving, else as Neutral says."""
        _, xy, vis, world = frame
        one = LandmarkSeries.one(xy, vis, world, width=self.width, height=self.height)
        roll = self.prep.config.roll_deg
        if moving is not None:
            return float(self.spec.primary_angle(one, moving.forward, roll, moving.neutral)[0])
        if self.spec.settle_angle is not None:
            # Stillness only: e.g. a turn's size needs the settled neutral arm width; the world yaw sees motion.
            return float(self.spec.settle_angle(one, roll)[0])
        return float(self.spec.primary_angle(one, 1.0, roll, None)[0])

    def _moving_instruction(self, reps: Mapping[int, int]) -> str:
        """The spec's instruction, or which side is left to do once the other one is."""
        p = self.spec
        todo = [s for s in p.sides if reps[s] < p.reps_per_side]
        if len(p.sides) == 2 and len(todo) == 1:
            return f"Now to your {'left' if todo[0] > 0 else 'right'} side. {p.one_side}"
        return p.instruction

    def _finish(self, moving: Moving | None = None) -> tuple[Done, Prompt]:
        """Analyse the recording exactly as a recorded video would be; the count is then the trials it measured."""
        reps = dict(moving.reps) if moving else {}
        try:
            analysis = analyse_prepared(_as_series(self.frames, self.width, self.height), self.test, self.prep,
                                        self.height_cm)
            result, series = analysis.result, analysis.series
            done = Done(self._measured_reps(result, series, moving) if moving else reps, result, series=series)
        except PostureError as e:
            done = Done(reps, error=str(e))
        return done, _done_prompt(done)

    def _measured_reps(self, result: TestResult, series: LandmarkSeries, moving: Moving) -> dict[int, int]:
        """The analysis's trials per side: the side each went to from the neutral (its median angle over the trial)."""
        angle = self.spec.primary_angle(series, moving.forward, self.prep.config.roll_deg, moving.neutral)
        sides = [np.sign(np.nanmedian(angle[start:end + 1] - moving.baseline)) for start, _, end in result.trial_frames]
        return {s: sides.count(s) for s in self.spec.sides}


def _as_series(frames: Sequence[Frame], width: int, height: int) -> LandmarkSeries:
    """Kept frames as one landmark series, its time counted from the first (as a video's)."""
    t, xy, vis, world = (np.stack(a) for a in zip(*frames))
    return LandmarkSeries(image=xy, visibility=vis, world=world, t=t - t[0], width=width, height=height)


def _gap(t: float) -> Frame:
    """A frame with nobody in view: no positions, no visibility."""
    return t, np.full((N_LANDMARKS, 2), np.nan), np.zeros(N_LANDMARKS), np.full((N_LANDMARKS, 3), np.nan)


def _done_prompt(done: Done) -> Prompt:
    """The last screen: thanks and the repetitions measured, or what went wrong."""
    if done.error:
        return Prompt(DONE, f"That did not work: {done.error}", problem=done.error)
    return Prompt(DONE, f"Done, thank you{_measured_words(done.reps)}. You can relax.", reps=dict(done.reps))


def _measured_words(reps: Mapping[int, int]) -> str:
    """': 3 repetitions measured', ': 2 to the left and 2 to the right measured', or '' without repetitions."""
    if len(reps) == 1:
        n = next(iter(reps.values()))
        return f": {n} repetition{'' if n == 1 else 's'} measured"
    if reps:
        return f": {reps.get(1, 0)} to the left and {reps.get(-1, 0)} to the right measured"
    return ""
