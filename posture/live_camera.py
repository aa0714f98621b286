"""A live camera stream through the guided check: pose per frame, the protocol, the picture overlay.

The camera side (browser, webcam) hands over RGB frames from its own thread;
the app reads the latest prompt and, at the end, the result.
"""

from __future__ import annotations

import threading
import textwrap

import cv2
import numpy as np

from posture.calibration import CameraProfile
from posture.landmarks import BONES, LandmarkSeries
from posture.live import DONE, GuidedCheck, LiveConfig, Prompt
from posture.measures import TESTS, TestResult
from posture.pose import MediaPipePose

GREEN, AMBER, WHITE = (60, 200, 90), (255, 190, 40), (255, 255, 255)


def draw_overlay(rgb: np.ndarray, xy: np.ndarray | None, prompt: Prompt, angle_name: str) -> np.ndarray:
    """The frame with the stick figure, the current angle in large type and the instruction."""
    out = rgb.copy()
    h, w = out.shape[:2]
    colour = AMBER if prompt.problem else GREEN
    if xy is not None and np.isfinite(xy).all():
        for a, b in BONES:
            cv2.line(out, tuple(int(v) for v in xy[a]), tuple(int(v) for v in xy[b]), colour, 3, cv2.LINE_AA)
    scale = w / 640
    if prompt.angle is not None:
        text = f"{prompt.angle:+.0f} deg"
        cv2.putText(out, text, (int(12 * scale), int(70 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 2.0 * scale, (0, 0, 0),
                    int(8 * scale) + 1, cv2.LINE_AA)
        cv2.putText(out, text, (int(12 * scale), int(70 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 2.0 * scale, WHITE,
                    int(3 * scale) + 1, cv2.LINE_AA)
        cv2.putText(out, angle_name, (int(14 * scale), int(100 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 0.7 * scale,
                    WHITE, 2, cv2.LINE_AA)
    lines = textwrap.wrap(prompt.instruction, width=int(44 * max(w / h, 0.75)))[:3]
    top = h - int(30 * scale) * len(lines) - 10
    cv2.rectangle(out, (0, top - 8), (w, h), (0, 0, 0), -1)
    for k, line in enumerate(lines):
        cv2.putText(out, line, (10, top + int(24 * scale) + k * int(30 * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.75 * scale, colour if k == 0 else WHITE, 2, cv2.LINE_AA)
    return out


class LiveRun:
    """One live test on one camera stream; safe to call from the camera thread and read from the app."""

    def __init__(self, test: str, config: LiveConfig = LiveConfig(), profile: CameraProfile | None = None):
        self.test, self.config, self.profile = test, config, profile
        self._lock = threading.RLock()
        self._pose: MediaPipePose | None = None
        self._check: GuidedCheck | None = None
        self._prompt = Prompt("framing", "Starting the camera ...")
        self.frames_seen = 0
        self.saved_session: int | None = None       # set by the app once the result is stored

    def process(self, rgb: np.ndarray, t: float) -> np.ndarray:
        """Take one frame (RGB, seconds) and give back the frame to show."""
        with self._lock:
            if self._pose is None:
                self._pose = MediaPipePose(video_mode=True)
            found = self._pose.detect(rgb)
            xy, vis, world = found if found is not None else (None, None, None)
            prompt = self.feed(t, xy, vis, world, rgb.shape[1], rgb.shape[0], float(rgb.mean()))
        return draw_overlay(rgb, xy, prompt, TESTS[self.test].angle_name)

    def feed(self, t: float, xy: np.ndarray | None, vis: np.ndarray | None, world: np.ndarray | None,
             width: int, height: int, brightness: float = 128.0) -> Prompt:
        """One frame's landmarks (None when nobody was found) into the guided check."""
        with self._lock:
            if self._check is None:
                self._check = GuidedCheck(self.test, width, height, self.config, self.profile)
            self._prompt = self._check.update(t, xy, vis, world, brightness)
            self.frames_seen += 1
            return self._prompt

    def prompt(self) -> Prompt:
        with self._lock:
            return self._prompt

    def outcome(self) -> tuple[TestResult | None, LandmarkSeries | None, str]:
        """The result, its landmarks and any error, once the check is done (else Nones)."""
        with self._lock:
            c = self._check
            if c is None or c.step != DONE:
                return None, None, ""
            return c.result, c.series(), c.error

    def close(self) -> None:
        with self._lock:
            if self._pose is not None:
                self._pose.close()
                self._pose = None
