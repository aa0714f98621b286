"""Errors a person can act on: each message names the problem and what to do."""


class PostureError(Exception):
    """Base of every error shown to a user as one sentence, without a traceback."""


class VideoError(PostureError):
    """The file cannot be read as a video."""


class NoPersonError(PostureError):
    """Nobody, or not enough of a person, was found."""


class FramingError(PostureError):
    """The body is cut off by the frame, or more than one person is in view."""


class ViewError(PostureError):
    """The camera does not see the subject from the side the test needs."""


class TrialError(PostureError):
    """The recording holds no usable movement or still period for the test."""


class CalibrationError(PostureError):
    """The calibration pictures or the camera profile cannot be used."""


class FileError(PostureError):
    """A file named by the user is missing, or cannot be read or written where asked."""
