"""Errors a person can act on: each message names the problem and what to do, and each kind has a code for programs
(`kind`: the batch counts refusals by it)."""

from typing import ClassVar


class PostureError(Exception):
    """Base of every error shown to a user as one sentence, without a traceback."""

    kind: ClassVar[str] = "refused"


class VideoError(PostureError):
    """The file cannot be read as a video."""

    kind = "video"


class NoPersonError(PostureError):
    """Nobody, or not enough of a person, was found."""

    kind = "no-person"


class FramingError(PostureError):
    """The body is cut off by the frame, or more than one person is in view."""

    kind = "framing"


class UnsureTestError(PostureError):
    """Asked to recognise the test, the tool was not sure which it is. choices: when a person will choose (the app),
    each test it could be with its analysis, or the sentence refusing that test."""

    kind = "unsure-test"

    def __init__(self, message: str, choices: tuple = ()) -> None:
        super().__init__(message)
        self.choices = choices


class ViewError(PostureError):
    """The camera does not see the subject from the side the test needs."""

    kind = "view"


class TrialError(PostureError):
    """The recording holds no usable movement or still period for the test."""

    kind = "trial"


class FrameRateError(TrialError):
    """The camera recorded too few frames a second during the movement to follow it (`fps`: how many)."""

    kind = "frame-rate"

    def __init__(self, message: str, fps: int) -> None:
        super().__init__(message)
        self.fps = fps


class CalibrationError(PostureError):
    """The calibration pictures or the camera profile cannot be used."""

    kind = "calibration"


class FileError(PostureError):
    """A file named by the user is missing, or cannot be read or written where asked."""

    kind = "file"
