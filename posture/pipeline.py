"""Video file to landmark series to test result: the I/O edge around the pure core."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from posture.calibration import CameraProfile
from posture.errors import PostureError, VideoError
from posture.landmarks import Excluded, LandmarkSeries
from posture.measures import AnalysisConfig, TestResult, analyse
from posture.measures.recognise import recognise_test
from posture.others import OthersWatch, next_look, person_box
from posture.pose import MediaPipePose, PoseEstimator, track
from posture.prepare import prepare
from posture.video import probe, read_frames

CHECKS_PER_S = 2.0           # how often the subject is hidden to look for someone else
MIN_CHECKS = 8


class WatchingForOthers:
    """A pose estimator that every few frames also hides the subject and looks for someone else.

    The look uses the detector in single-image mode on the frame with the
    subject's box filled in; what it finds is judged in `OthersWatch`. Looks
    come every `every` frames, closer together at the start (`next_look`), so
    that a short clip is looked at often enough whatever its header claims.
    """

    def __init__(self, estimator: PoseEstimator, every: int, width: int, height: int):
        self.estimator, self.every = estimator, max(1, every)
        self.watch = OthersWatch(width, height)
        self._single: MediaPipePose | None = None
        self._frame = -1
        self._next = 0           # the frame of the next look (the first one the subject is found in from there)

    def detect(self, rgb: np.ndarray):
        self._frame += 1
        found = self.estimator.detect(rgb)
        if found is not None and self._frame >= self._next:
            self.watch.check(self._frame, found[0], self._look_beside(rgb, found[0]))
            self._next = next_look(self._frame, self.every, MIN_CHECKS)
        return found

    def _look_beside(self, rgb: np.ndarray, subject: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        h, w = rgb.shape[:2]
        x0, y0, x1, y1 = (int(v) for v in np.clip(person_box(subject, grow=0.15), 0, [w, h, w, h]))
        masked = rgb.copy()
        masked[y0:y1, x0:x1] = np.median(rgb[::8, ::8].reshape(-1, 3), axis=0)
        if self._single is None:
            self._single = MediaPipePose(video_mode=False)
        found = self._single.detect(masked)
        return None if found is None else (found[0], found[1])

    def close(self) -> None:
        if self._single is not None:
            self._single.close()


def others_noted(series: LandmarkSeries, watch: OthersWatch) -> LandmarkSeries:
    """The series with the frames someone overlapped set aside, and a note when someone stood apart."""
    series = series.exclude(watch.overlapped(len(series)), Excluded.OVERLAP)
    notes = []
    if watch.beside:
        notes.append("Another person was in view beside the subject; only the subject was measured.")
    hidden = (series.excluded == Excluded.OVERLAP).sum()
    if hidden:
        notes.append(f"{hidden / max(series.fps, 1):.1f} s were left out: another person overlapped the subject.")
    return replace(series, notes=series.notes + tuple(notes))


def landmarks_from_video(path: str | Path, estimator: PoseEstimator | None = None,
                         on_frame: Callable[[], None] | None = None, stride: int = 1,
                         check_crowd: bool = True) -> LandmarkSeries:
    """Run pose tracking over a video file, setting aside frames where someone else overlapped the subject.

    Raises for unreadable and empty files, and a stride below 1.
    """
    if isinstance(stride, bool) or not isinstance(stride, int) or stride < 1:
        raise PostureError(f"The stride must be a whole number of frames, 1 or more (not {stride!r}).")
    info = probe(path)
    own = estimator is None
    estimator = estimator or MediaPipePose(video_mode=True)
    fps = info.fps / stride if info.fps else 30.0
    every = max(1, int(round(fps / CHECKS_PER_S)))     # short clips: more looks at the start (next_look)
    watching = WatchingForOthers(estimator, every, info.width, info.height) if check_crowd else None
    try:
        series = track(read_frames(info, stride), watching or estimator, info.width, info.height, on_frame)
    finally:
        if watching is not None:
            watching.close()
        if own:
            estimator.close()
    if len(series) == 0:
        raise VideoError(f"{Path(path).name} holds no frames that could be decoded: record it again.")
    return others_noted(series, watching.watch) if watching is not None else series


def load_series(path: Path) -> LandmarkSeries:
    """A saved landmark series, or VideoError when the file is not one."""
    if not path.exists():
        raise VideoError(f"{path} does not exist: check the file name and folder.")
    try:
        return LandmarkSeries.load(path)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise VideoError(f"{path.name} is not a landmark file saved by posture ({e}).") from e


def analyse_video(path: str | Path, test: str, config: AnalysisConfig = AnalysisConfig(),
                  mirrored: bool = False, height_cm: float | None = None,
                  on_frame: Callable[[], None] | None = None,
                  profile: CameraProfile | None = None) -> tuple[LandmarkSeries, TestResult]:
    """Landmarks of a video (or a saved .npz series) and the result of one test ("auto": recognised).

    profile: the camera's calibration (undistortion, roll, scale).
    Scale: config.cm_per_px, else from height_cm (the subject standing still), else the profile's.
    """
    path = Path(path)
    if path.suffix == ".npz":
        series = load_series(path)
    else:
        series = landmarks_from_video(path, on_frame=on_frame)
    series, config = prepare(series, config, profile, mirrored, height_cm)
    if test == "auto":
        test = recognise_test(series)
    return series, analyse(series, test, config)
