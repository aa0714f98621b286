"""Pose sources: frames in, a LandmarkSeries out.

`MediaPipePose` runs the BlazePose full model bundled in the mediapipe 0.10.21
wheel (legacy `solutions.pose`, model_complexity=1), fully offline. A saved
series (`LandmarkSeries.load`) replays a recording without inference.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Protocol

import numpy as np

from posture.landmarks import N_LANDMARKS, LandmarkSeries

Detection = tuple[np.ndarray, np.ndarray, np.ndarray]   # image 33x2 px, visibility 33, world 33x3 m


@contextmanager
def _native_logs_hidden() -> Iterator[None]:
    """MediaPipe's C++ start-up warnings go straight to file descriptor 2; hide just those."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class PoseEstimator(Protocol):
    """Anything that finds one person's landmarks in an RGB frame."""

    def detect(self, rgb: np.ndarray) -> Detection | None: ...


class MediaPipePose:
    """BlazePose full, in tracking (video) mode for clips or single-image mode."""

    def __init__(self, video_mode: bool = True, min_detection: float = 0.5, min_tracking: float = 0.5):
        # MediaPipe's native logging reads these when it loads: quiet unless the user asked otherwise.
        os.environ.setdefault("GLOG_minloglevel", "2")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import mediapipe as mp  # heavy import, kept at the edge

        with _native_logs_hidden():
            self._pose = mp.solutions.pose.Pose(
                static_image_mode=not video_mode, model_complexity=1, smooth_landmarks=False,
                enable_segmentation=False, min_detection_confidence=min_detection,
                min_tracking_confidence=min_tracking)
        self._started = False

    def detect(self, rgb: np.ndarray) -> Detection | None:
        # The graph starts, and logs, on the first frame.
        with nullcontext() if self._started else _native_logs_hidden():
            result = self._pose.process(rgb)
        self._started = True
        if result.pose_landmarks is None:
            return None
        h, w = rgb.shape[:2]
        lm = np.array([(p.x * w, p.y * h, p.visibility) for p in result.pose_landmarks.landmark])
        world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark])
        return lm[:, :2], lm[:, 2], world

    def close(self) -> None:
        self._pose.close()

    def __enter__(self) -> MediaPipePose:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def track(frames: Iterable[tuple[float, np.ndarray]], estimator: PoseEstimator, width: int, height: int,
          on_frame: Callable[[], None] | None = None) -> LandmarkSeries:
    """Run the estimator over (seconds, RGB) frames; frames without a person become NaN."""
    ts, images, vis, worlds = [], [], [], []
    empty = (np.full((N_LANDMARKS, 2), np.nan), np.zeros(N_LANDMARKS), np.full((N_LANDMARKS, 3), np.nan))
    for t, rgb in frames:
        found = estimator.detect(rgb) or empty
        ts.append(t)
        images.append(found[0])
        vis.append(found[1])
        worlds.append(found[2])
        if on_frame:
            on_frame()
    n = len(ts)
    return LandmarkSeries(image=np.array(images).reshape(n, N_LANDMARKS, 2),
                          visibility=np.array(vis).reshape(n, N_LANDMARKS),
                          world=np.array(worlds).reshape(n, N_LANDMARKS, 3),
                          t=np.array(ts, float), width=width, height=height)
