"""Video file to landmark series to test result: the I/O edge around the pure core."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from posture.calibration import CameraProfile
from posture.errors import FramingError, VideoError
from posture.landmarks import Landmark as L, LandmarkSeries
from posture.measures import AnalysisConfig, TestResult, analyse
from posture.measures.recognise import recognise_test
from posture.pose import MediaPipePose, PoseEstimator, track
from posture.prepare import prepare
from posture.video import probe, read_frames

CROWD_SAMPLES = 3


def _person_box(image_xy: np.ndarray, width: int, height: int, grow: float = 0.15) -> tuple[int, int, int, int]:
    """Pixel box around one person's landmarks, grown by a share of its size."""
    lo, hi = np.nanmin(image_xy, axis=0), np.nanmax(image_xy, axis=0)
    pad = (hi - lo) * grow + 10
    x0, y0 = np.maximum(lo - pad, 0).astype(int)
    x1, y1 = np.minimum(hi + pad, [width, height]).astype(int)
    return x0, y0, x1, y1


def second_person_seen(frames: list[np.ndarray], series_rows: list[np.ndarray],
                       estimator: PoseEstimator | None = None) -> bool:
    """Hide the tracked person and look again: is someone else clearly in view?"""
    if estimator is None:
        with MediaPipePose(video_mode=False) as own:
            return second_person_seen(frames, series_rows, own)
    for rgb, xy in zip(frames, series_rows):
        if np.isnan(xy).all():
            continue
        h, w = rgb.shape[:2]
        x0, y0, x1, y1 = _person_box(xy, w, h)
        masked = rgb.copy()
        masked[y0:y1, x0:x1] = np.median(rgb.reshape(-1, 3), axis=0)
        found = estimator.detect(masked)
        trunk = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]
        if found is not None and found[1][trunk].mean() > 0.7:
            return True
    return False


def landmarks_from_video(path: str | Path, estimator: PoseEstimator | None = None,
                         on_frame: Callable[[], None] | None = None, stride: int = 1,
                         check_crowd: bool = True) -> LandmarkSeries:
    """Run pose tracking over a video file; raises for unreadable files and crowded scenes."""
    info = probe(path)
    own = estimator is None
    estimator = estimator or MediaPipePose(video_mode=True)
    picks = set(np.linspace(0, max(info.frame_count - 1, 0), CROWD_SAMPLES + 2)[1:-1].astype(int) // stride)
    kept: dict[int, np.ndarray] = {}

    def frames():
        for k, (t, rgb) in enumerate(read_frames(info, stride)):
            if k in picks:
                kept[k] = rgb
            yield t, rgb

    try:
        series = track(frames(), estimator, info.width, info.height, on_frame)
    finally:
        if own:
            estimator.close()
    if len(series) == 0:
        raise VideoError(f"{Path(path).name} holds no frames that could be decoded: record it again.")
    if check_crowd and kept and second_person_seen(list(kept.values()), [series.image[k] for k in kept]):
        raise FramingError("More than one person is in view: ask everyone but the subject to step out "
                           "of the picture and record again.")
    return series


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
