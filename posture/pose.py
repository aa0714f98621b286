"""Pose sources: frames in, a LandmarkSeries out.

`MediaPipePose` runs BlazePose through the mediapipe 0.10.21 wheel (legacy
`solutions.pose`), fully offline: the full model (model_complexity=1) ships in
the wheel; the heavy one (model_complexity=2), which the wheel would download,
is copied into the wheel's folder at set-up from the npm package
`@mediapipe/pose` (`dev.sh`). A saved series (`LandmarkSeries.load`) replays a
recording without inference.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Protocol

import numpy as np

from posture.errors import PostureError
from posture.landmarks import N_LANDMARKS, LandmarkSeries

MODELS = {"full": 1, "heavy": 2}       # BlazePose landmark model: its model_complexity
Detection = tuple[np.ndarray, np.ndarray, np.ndarray]   # image 33x2 px, visibility 33, world 33x3 m


def _quiet_native_logging() -> None:
    """MediaPipe's native logging reads these when it loads: quiet unless the user asked otherwise."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


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


def model_file(model: str) -> Path:
    """Where the wheel keeps a BlazePose landmark model ("full" or "heavy"), found without importing mediapipe."""
    from importlib.util import find_spec

    spec = find_spec("mediapipe")
    folder = Path(spec.submodule_search_locations[0]) if spec and spec.submodule_search_locations else Path()
    return folder / "modules" / "pose_landmark" / f"pose_landmark_{model}.tflite"


def check_model(model: str) -> None:
    """Refuse an unknown model, or the heavy one when set-up has not installed it (the wheel would download it)."""
    if model not in MODELS:
        raise PostureError(f"'{model}' is not a pose model: use one of {', '.join(MODELS)}.")
    if not model_file(model).is_file():
        raise PostureError(f"The {model} pose model is not installed: run 'bash dev.sh test' or 'bash dev.sh app' "
                           "once, which copies it from the npm package @mediapipe/pose.")


class MediaPipePose:
    """BlazePose ("full" or "heavy"), in tracking (video) mode for clips or single-image mode."""

    def __init__(self, video_mode: bool = True, min_detection: float = 0.5, min_tracking: float = 0.5,
                 model: str = "full"):
        check_model(model)
        _quiet_native_logging()
        import mediapipe as mp  # heavy import, kept at the edge

        with _native_logs_hidden():
            self._pose = mp.solutions.pose.Pose(
                static_image_mode=not video_mode, model_complexity=MODELS[model], smooth_landmarks=False,
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


class PoseDetector:
    """BlazePose's person detector alone, the first stage of `MediaPipePose`: is anyone in the picture?

    Run on a frame with the subject hidden, it answers in about half the time of a single-image pose, which
    runs this same detector (same threshold) and then the landmark model on what it found; a look that finds
    nobody needs no more.
    """

    GRAPH = """
        input_stream: "image"
        output_stream: "detections"
        node { calculator: "PoseDetectionCpu" input_stream: "IMAGE:image" output_stream: "DETECTIONS:detections" }
    """

    def __init__(self, min_detection: float = 0.5):
        _quiet_native_logging()
        from google.protobuf import text_format
        from mediapipe.framework import calculator_pb2
        from mediapipe.python.solution_base import SolutionBase

        config = text_format.Parse(self.GRAPH, calculator_pb2.CalculatorGraphConfig())
        with _native_logs_hidden():
            self._graph = SolutionBase(graph_config=config, outputs=["detections"], calculator_params={
                "posedetectioncpu__TensorsToDetectionsCalculator.min_score_thresh": min_detection})

    def anyone(self, rgb: np.ndarray) -> bool:
        return bool(self._graph.process({"image": rgb}).detections)

    def close(self) -> None:
        self._graph.close()


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
