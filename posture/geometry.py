"""Pure angle helpers on pixel vectors; all angles in degrees.

Image vectors are (x right, y down) pixels. `upright` turns them into
(x right, y up) with the camera roll removed, so every angle below is taken
against the true horizontal and vertical.
"""

from __future__ import annotations

import numpy as np


def upright(vec_px: np.ndarray, roll_deg: float = 0.0) -> np.ndarray:
    """Image vectors (... x 2, y down) as (x, y up) with the camera roll removed.

    roll_deg: how far counter-clockwise the true horizontal appears in the image.
    """
    x, y_up = vec_px[..., 0], -vec_px[..., 1]
    a = np.radians(-roll_deg)
    c, s = np.cos(a), np.sin(a)
    return np.stack([c * x - s * y_up, s * x + c * y_up], axis=-1)


def incline_from_horizontal(v: np.ndarray) -> np.ndarray:
    """Angle of upright vectors above the horizontal, (-90, 90] for rightward vectors."""
    return np.degrees(np.arctan2(v[..., 1], v[..., 0]))


def incline_from_vertical(v: np.ndarray, forward: float = 1.0) -> np.ndarray:
    """Angle of upright vectors from the true vertical, + towards x * forward."""
    return np.degrees(np.arctan2(forward * v[..., 0], v[..., 1]))


def angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unsigned angle between vectors (... x k), 0 to 180."""
    cos = np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def joint_flexion(proximal: np.ndarray, joint: np.ndarray, distal: np.ndarray) -> np.ndarray:
    """Flexion at a hinge joint: 0 when the three points are in a straight line."""
    return 180.0 - angle_between(proximal - joint, distal - joint)


def wrap180(deg: np.ndarray) -> np.ndarray:
    """Angles folded into [-180, 180) so that series never jump by 360."""
    return (np.asarray(deg) + 180.0) % 360.0 - 180.0
