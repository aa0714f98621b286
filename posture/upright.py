"""Frames turned upright by the camera's known roll before the pose model sees them.

BlazePose leans its shoulder and hip lines towards the image horizontal: on a
camera rolled 4 degrees the true joint lines tilt by 4 degrees in the picture,
but the model's lines tilt about 4 degrees less, so a numeric roll correction
afterwards over-corrects the tilts. Levelling the picture first gives the model
an upright person; the landmarks are then turned back into the recorded frame,
so everything downstream (the numeric roll correction included) is unchanged.
"""

from __future__ import annotations

import cv2
import numpy as np

from posture.pose import Detection, PoseEstimator


class UprightPose:
    """A pose estimator that levels each frame by roll_deg (the true horizontal's counter-clockwise angle)."""

    def __init__(self, estimator: PoseEstimator, roll_deg: float) -> None:
        self.estimator, self.roll_deg = estimator, roll_deg

    def detect(self, rgb: np.ndarray) -> Detection | None:
        if not self.roll_deg:
            return self.estimator.detect(rgb)
        h, w = rgb.shape[:2]
        level = cv2.getRotationMatrix2D((w / 2, h / 2), -self.roll_deg, 1.0)
        found = self.estimator.detect(cv2.warpAffine(rgb, level, (w, h), flags=cv2.INTER_LINEAR,
                                                     borderMode=cv2.BORDER_REPLICATE))
        if found is None:
            return None
        image, visibility, world = found
        back = cv2.invertAffineTransform(level)
        image = image @ back[:, :2].T + back[:, 2]
        a = np.radians(self.roll_deg)
        # The world landmarks are in the camera's axes (x right, y down): turn them back the same way.
        turn = np.array([[np.cos(a), np.sin(a), 0.0], [-np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]])
        return image, visibility, world @ turn.T

    def close(self) -> None:
        close = getattr(self.estimator, "close", None)
        if close:
            close()
