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


def run_graph(solution, rgb: np.ndarray) -> dict:
    """One RGB frame through a mediapipe solution's graph (its "image" input): the packets it put out, by stream
    (an empty packet: nothing found, left out).

    What `SolutionBase.process` does, without its Python work around the graph (a namedtuple class made for
    every frame, and `Pose.process` clearing a field in each of the 66 landmarks it returns): 0.6 ms a frame,
    6% of the full model's time on this machine (the forward-bend sample's 237 frames, landmarks read out
    either way: 2.14 s against 2.28, median of 5 alternating runs, 2026-11-24). It uses the solution's own
    graph, timestamps and output dict (attributes of mediapipe 0.10.21's SolutionBase, the version pinned), so
    the landmarks are the same, bit for bit (tests/test_models.py).
    """
    from mediapipe.python import packet_creator
    from mediapipe.python._framework_bindings.image_frame import ImageFormat

    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError("Input image must contain three channel rgb data.")
    solution._graph_outputs.clear()
    solution._simulated_timestamp += 33333           # as SolutionBase.process: a 30 fps video's timestamps
    frame = packet_creator.create_image_frame(image_format=ImageFormat.SRGB, data=rgb)
    solution._graph.add_packet_to_input_stream(stream="image", packet=frame.at(solution._simulated_timestamp))
    solution._graph.wait_until_idle()
    return {name: packet for name, packet in solution._graph_outputs.items() if not packet.is_empty()}


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
            found = run_graph(self._pose, rgb)
        self._started = True
        if "pose_landmarks" not in found:
            return None
        from mediapipe.python.packet_getter import get_proto

        h, w = rgb.shape[:2]
        lm = np.array([(p.x * w, p.y * h, p.visibility) for p in get_proto(found["pose_landmarks"]).landmark])
        world = np.array([(p.x, p.y, p.z) for p in get_proto(found["pose_world_landmarks"]).landmark])
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
        from mediapipe.python.packet_getter import get_proto_list

        found = run_graph(self._graph, rgb).get("detections")
        return found is not None and bool(get_proto_list(found))

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
