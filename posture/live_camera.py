"""A live camera stream through the guided check: pose per frame, the protocol, the picture overlay.

The camera side (browser, webcam) hands over RGB frames from its own thread;
the app reads the latest prompt and, at the end, the result.
"""

from __future__ import annotations

import threading

import numpy as np

from posture.calibration import CameraProfile
from posture.draw import draw_overlay
from posture.landmarks import LandmarkSeries
from posture.live import DONE, GuidedCheck, LiveConfig, Prompt
from posture.measures import TESTS, TestResult
from posture.measures.plausible import device_doubt
from posture.pose import MediaPipePose


class LiveRun:
    """One live test on one camera stream; safe to call from the camera thread and read from the app."""

    def __init__(self, test: str, config: LiveConfig = LiveConfig(), profile: CameraProfile | None = None,
                 height_cm: float | None = None):
        self.test, self.config, self.profile, self.height_cm = test, config, profile, height_cm
        self._lock = threading.RLock()
        self._pose: MediaPipePose | None = None
        self._check: GuidedCheck | None = None
        self._prompt = Prompt("framing", "Starting the camera ...")
        self.frames_seen = 0
        self.browser: str | None = None             # landmarks from the browser: the component's run they come from
        self.last_seq = -1                          # and the last frame number taken
        self.patients_device = False                # from a patient's own device: its landmarks must show a person
        self._doubt: str | None = None              # why they cannot ("" once asked and nothing said so)

    def process(self, rgb: np.ndarray, t: float) -> np.ndarray:
        """Take one frame (RGB, seconds) and give back the frame to show."""
        with self._lock:
            if self._pose is None:
                self._pose = MediaPipePose(video_mode=True)
            found = self._pose.detect(rgb)
            xy, vis, world = found if found is not None else (None, None, None)
            prompt = self.feed(t, xy, vis, world, rgb.shape[1], rgb.shape[0], float(rgb.mean()))
        return draw_overlay(rgb, xy, prompt.text, prompt.angle, TESTS[self.test].angle_name,
                            bool(prompt.problem))

    def feed(self, t: float, xy: np.ndarray | None, vis: np.ndarray | None, world: np.ndarray | None,
             width: int, height: int, brightness: float = 128.0) -> Prompt:
        """One frame's landmarks (None when nobody was found) into the guided check."""
        with self._lock:
            if self._check is None:
                self._check = GuidedCheck(self.test, width, height, self.config, self.profile, height_cm=self.height_cm)
            self._prompt = self._check.update(t, xy, vis, world, brightness)
            self.frames_seen += 1
            return self._prompt

    def prompt(self) -> Prompt:
        with self._lock:
            return self._prompt

    @property
    def over(self) -> bool:
        """The check is done: measured, or refused with its reason."""
        with self._lock:
            return self._check is not None and self._check.step == DONE

    def outcome(self) -> tuple[TestResult | None, LandmarkSeries | None, str]:
        """The result, its landmarks and any error, once the check is done (else Nones). Landmarks a patient's device
        sent must show a body a person could have (measures.plausible, asked once), or there is no result."""
        with self._lock:
            c = self._check
            if c is None or c.step != DONE:
                return None, None, ""
            series = c.series()
            if self.patients_device and c.result is not None:
                if self._doubt is None:
                    self._doubt = device_doubt(series, c.result) or ""
                if self._doubt:
                    return None, series, self._doubt
            return c.result, series, c.error

    def close(self) -> None:
        with self._lock:
            if self._pose is not None:
                self._pose.close()
                self._pose = None
