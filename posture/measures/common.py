"""What every test shares: configuration, results, quality, framing and view checks."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np

from posture import limits
from posture.errors import FramingError, NoPersonError, ViewError
from posture.landmarks import Landmark as L, LandmarkSeries
from posture.measures.angles import trunk_length
from posture.measures.stillness import OPENING_S
from posture.trials import FilterConfig, mdc95, repeatability

FRONTAL, SAGITTAL = "frontal", "sagittal"
NO_PERSON = "No person was found in the video: make sure the whole body is in view and the room is well lit."


@dataclass(frozen=True)
class AnalysisConfig:
    """Settings of one analysis; defaults suit a clinic recording.

    roll_deg: camera roll from calibration (0 and `calibrated=False` when unknown).
    cm_per_px: scale at the subject's plane, None when unknown.
    blazepose: the landmarks are the pose model's, so its known biases are taken off (forward_bend.FLEXION_BIAS);
    False for exact landmarks, such as the synthetic skeleton's in the geometry tests.
    """

    roll_deg: float = 0.0
    calibrated: bool = False
    cm_per_px: float | None = None
    filter: FilterConfig = FilterConfig()
    peak_hold_s: float = 0.3
    still_s: float = OPENING_S          # every recording opens with this long standing still (stillness.py)
    min_quality: float = 0.5
    min_detected: float = 0.5
    blazepose: bool = True

    def __post_init__(self) -> None:
        """A scale or roll no camera gives (negative, 1e9, NaN) is refused here, whichever door it came through."""
        if self.cm_per_px is not None:
            limits.number(self.cm_per_px, "The scale", *limits.CM_PER_PX, " cm per pixel")
        limits.number(self.roll_deg, "The camera roll", *limits.ROLL_DEG, " degrees")


class Withheld(StrEnum):
    """Why a value is not shown, as a code for programs (the sentence for people is Measurement.reason)."""

    NEEDS_SCALE = "needs-scale"            # a distance, and no height, calibration or scale was known
    POOR_QUALITY = "poor-quality"          # the landmarks were poorly seen or off the picture
    NO_REPETITION = "no-repetition"        # the movement was not found that way
    NOT_MEASURABLE = "not-measurable"      # the tool cannot measure it reliably from this view
    DISAGREE = "disagree"                  # two readings of it disagree beyond what the test allows

    @classmethod
    def from_reason(cls, reason: str) -> Withheld | None:
        """The code of a sentence that versions before the codes wrote alone (their JSON results and bundles)."""
        return next((code for start, code in _OLD_REASONS if reason.startswith(start)), None)


_OLD_REASONS = (("needs a scale", Withheld.NEEDS_SCALE), ("withheld: quality", Withheld.POOR_QUALITY),
                ("no repetition", Withheld.NO_REPETITION), ("not measured", Withheld.NOT_MEASURABLE),
                ("withheld: the arms and the shoulders disagree", Withheld.DISAGREE))


@dataclass(frozen=True)
class Measurement:
    """One clinical number; `value` is None when withheld: `withheld` says why as a code, `reason` in words.

    uncertainty: the +/- shown with the value, in its unit (uncertainty.py: for how the test was done); None when
    withheld or not measured in this unit.
    """

    name: str
    value: float | None
    unit: str
    quality: float
    reason: str = ""
    flags: tuple[str, ...] = ()
    trials: tuple[float, ...] = ()
    spread: float | None = None
    maximum: float | None = None
    withheld: Withheld | None = None
    uncertainty: float | None = None

    @property
    def mdc95(self) -> float | None:
        """Smallest change that is real at 95%, from this test's own trial spread."""
        return mdc95(self.spread) if self.spread is not None and len(self.trials) >= 3 else None


@dataclass(frozen=True)
class TestResult:
    """Everything one test produced, ready to print, store or export."""

    test: str
    view: str
    measurements: tuple[Measurement, ...]
    notes: tuple[str, ...] = ()
    detected_share: float = 1.0
    trial_frames: tuple[tuple[int, int, int], ...] = field(default=())
    camera_angle_deg: float | None = None     # how far the camera was from the test's view (None: not known)
    protocol: str = ""                        # how the test was done, when there is more than one way (rotation)

    def get(self, name: str) -> Measurement:
        for m in self.measurements:
            if m.name == name:
                return m
        raise KeyError(name)

    def peak_frame(self) -> int:
        """The frame at the peak of the median repetition (the middle of the still period for posture)."""
        if not self.trial_frames:
            return 0
        start, peak, end = self.trial_frames[len(self.trial_frames) // 2]
        return peak if peak != start else (start + end) // 2


@dataclass(frozen=True)
class Subject:
    """What measures.measure() made sure of before a test measures, handed to the test's function, which only
    measures: the subject alone (left and right repaired), from the neutral on; the still frames (a movement's
    neutral, indices; a posture's still period, a slice); the share of frames the subject was found in; how well the
    camera suits the test's view (0.5 to 1); how the test was done, when it can be done more than one way."""

    series: LandmarkSeries
    still: np.ndarray | slice
    share: float
    fit: float
    protocol: str = ""


WHOLE_BODY = {
    "head": (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR),
    "shoulders": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    "hips": (L.LEFT_HIP, L.RIGHT_HIP),
    "knees": (L.LEFT_KNEE, L.RIGHT_KNEE),
    "feet": (L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL),
}
HANDS = {"hands": (L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_INDEX, L.RIGHT_INDEX)}

_FRAMING_ADVICE = {
    "head": "move the camera back or raise it so the head is in view",
    "feet": "move the camera back or lower it so the feet are in view",
    "knees": "move the camera back so the legs are in view",
    "hands": "move the camera back so the hands stay in view at the end of the movement",
}


FRAMING_MARGIN = 0.01       # of the picture's width: a landmark this near the edge still counts as in the picture


def in_frame(series: LandmarkSeries, margin: float = 0.0) -> np.ndarray:
    """Frames x 33: the landmark lies inside the picture."""
    x, y = series.image[..., 0], series.image[..., 1]
    return ((x >= -margin) & (x <= series.width + margin)
            & (y >= -margin) & (y <= series.height + margin))


def frame_quality(series: LandmarkSeries, landmarks: tuple[int, ...]) -> np.ndarray:
    """Per-frame quality in [0, 1]: mean visibility of the landmarks, 0 where any is off-picture."""
    idx = list(landmarks)
    vis = series.visibility[:, idx].mean(axis=1)
    return np.where(in_frame(series)[:, idx].all(axis=1), vis, 0.0)


def check_person(series: LandmarkSeries, parts: dict[str, tuple[int, ...]], min_detected: float) -> float:
    """Raise a plain-language error unless one whole person is seen; return the detected share."""
    share = float(series.detected.mean()) if len(series) else 0.0
    if share == 0.0:
        raise NoPersonError(NO_PERSON)
    if share < min_detected:
        why = series.exclusion_reasons()
        if why and (series.excluded > 0).sum() > (~series.detected).sum() / 2:     # mostly set aside, not unseen
            raise NoPersonError(f"The subject could be measured in only {share:.0%} of the frames, because {why[0]}: "
                                "record again with the subject alone and apart from others.")
        raise NoPersonError(f"A person was found in only {share:.0%} of the frames: keep the whole body "
                            "in view for the entire recording.")
    seen = series.detected
    inside = in_frame(series, margin=FRAMING_MARGIN * series.width)
    for part, idx in parts.items():
        missing = 1.0 - inside[seen][:, list(idx)].all(axis=1).mean()
        if missing > 0.3:
            advice = _FRAMING_ADVICE.get(part, "move the camera back so the whole body is in view")
            verb = "is" if part == "head" else "are"
            raise FramingError(f"The {part} {verb} out of the picture in {missing:.0%} of the frames: {advice}.")
    return share


def _width(series: LandmarkSeries, a: int, b: int) -> np.ndarray:
    return np.linalg.norm(series.image[:, a] - series.image[:, b], axis=-1)


def view_ratio(series: LandmarkSeries, frames: slice | np.ndarray) -> float:
    """Shoulder and hip width against torso length: about 0.6 facing, near 0 side-on."""
    torso = trunk_length(series)
    widths = _width(series, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) + _width(series, L.LEFT_HIP, L.RIGHT_HIP)
    return float(np.nanmedian((widths / (2 * torso))[frames]))


def view_fit(ratio: float, view: str) -> float:
    """How well the camera angle suits the view, 0 (wrong) to 1 (squarely right)."""
    if view == FRONTAL:
        return float(np.clip((ratio - 0.25) / 0.2, 0.0, 1.0))
    return float(np.clip((0.3 - ratio) / 0.2, 0.0, 1.0))


def check_view(series: LandmarkSeries, frames: slice | np.ndarray, view: str) -> float:
    """Raise ViewError unless the camera sees the subject as the test needs; return the fit."""
    ratio = view_ratio(series, frames)
    fit = view_fit(ratio, view)
    if fit >= 0.5:
        if view == FRONTAL:
            _check_facing_camera(series, frames)
        return fit
    if view == FRONTAL and ratio < 0.2:
        raise ViewError("This test needs the camera in front of the subject, but the video shows them "
                        "from the side: turn the subject to face the camera.")
    if view == SAGITTAL and ratio > 0.35:
        raise ViewError("This test needs the camera at the subject's side, but the video shows them "
                        "from the front: turn the subject 90 degrees, side-on to the camera.")
    wanted = "face the camera squarely" if view == FRONTAL else "stand exactly side-on to the camera"
    raise ViewError(f"The subject stands at an angle to the camera: ask them to {wanted}.")


def _check_facing_camera(series: LandmarkSeries, frames: slice | np.ndarray) -> None:
    left_x = np.nanmedian(series.image[frames, L.LEFT_SHOULDER, 0])
    right_x = np.nanmedian(series.image[frames, L.RIGHT_SHOULDER, 0])
    if left_x < right_x:
        raise ViewError("The subject's left shoulder is on the left of the picture: either they have "
                        "their back to the camera (turn them round) or the video is mirrored "
                        "(analyse it as mirrored).")


def summarise_trials(name: str, unit: str, values: list[float], quality: float,
                     min_quality: float, flags: tuple[str, ...] = ()) -> Measurement:
    """A repeated-trial measurement: median of the peaks, with max and spread."""
    if not values:
        return Measurement(name, None, unit, quality, reason="no repetition of this movement was found",
                           withheld=Withheld.NO_REPETITION)
    rep = repeatability(values)
    return withhold_if_poor(Measurement(name, rep.median, unit, quality, flags=flags,
                                        trials=tuple(values), spread=rep.spread, maximum=rep.maximum),
                            min_quality)


def withhold_if_poor(m: Measurement, min_quality: float) -> Measurement:
    """Blank the value, with the reason, when its quality is below the threshold."""
    if m.value is None or m.quality >= min_quality:
        return m
    return replace(m, value=None, trials=(), spread=None, maximum=None, withheld=Withheld.POOR_QUALITY,
                   reason=f"withheld: quality {m.quality:.2f} is below {min_quality:.2f} "
                          "(landmarks poorly seen or off-picture)")


NEEDS_SCALE = "needs a scale: enter the subject's height or calibrate"


def needs_scale(name: str, quality: float) -> Measurement:
    """A distance that cannot be given in centimetres without a scale."""
    return Measurement(name, None, "cm", quality, reason=NEEDS_SCALE, withheld=Withheld.NEEDS_SCALE)


def roll_note(config: AnalysisConfig) -> tuple[str, ...]:
    """Say plainly when the true vertical is only the image vertical."""
    if config.calibrated:
        return ()
    return ("Uncalibrated: the image vertical is taken as the true vertical; a tilted camera "
            "reads as a tilted patient.",)
