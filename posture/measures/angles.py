"""The per-frame angles several tests share: line tilts, the trunk axis, facing, head and plumb line.

Frontal angles assume the subject faces the camera (checked by the tests), so
the subject's left is the image's right. Sagittal angles are signed + forward,
whichever way the subject faces. Degrees; `roll` is the camera roll to remove.
"""

from __future__ import annotations

import numpy as np

from posture.geometry import incline_from_horizontal, incline_from_vertical, upright
from posture.landmarks import Landmark as L, LandmarkSeries


def _line_tilt(series: LandmarkSeries, right: L, left: L, roll: float) -> np.ndarray:
    """Right-to-left line from the true horizontal, + when the left end is higher."""
    return incline_from_horizontal(upright(series.point(left) - series.point(right), roll))


def shoulder_tilt(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """Degrees, + when the left shoulder is higher (frontal view)."""
    return _line_tilt(series, L.RIGHT_SHOULDER, L.LEFT_SHOULDER, roll)


def pelvic_tilt(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """Degrees, + when the left hip is higher (frontal view)."""
    return _line_tilt(series, L.RIGHT_HIP, L.LEFT_HIP, roll)


def head_tilt(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """Degrees, + when the left ear is higher (frontal view)."""
    return _line_tilt(series, L.RIGHT_EAR, L.LEFT_EAR, roll)


def trunk_axis(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """Mid-hip to mid-shoulder, upright pixels."""
    return upright(series.midpoint(L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
                   - series.midpoint(L.LEFT_HIP, L.RIGHT_HIP), roll)


def trunk_length(series: LandmarkSeries) -> np.ndarray:
    """Mid-hip to mid-shoulder in the picture, px per frame: the body's ruler, which a side bend or turn leaves alone."""
    return np.linalg.norm(trunk_axis(series), axis=-1)


def world_yaw(series: LandmarkSeries, right: L, left: L, roll: float = 0.0) -> np.ndarray:
    """Yaw of a right-to-left world line on the horizontal plane, + when the left end is farther from the camera."""
    v = series.world[:, left] - series.world[:, right]
    a = np.radians(roll)
    x = np.cos(a) * v[..., 0] - np.sin(a) * v[..., 1]   # undo the roll about the camera axis
    return np.degrees(np.arctan2(v[..., 2], x))


def trunk_lateral_lean(series: LandmarkSeries, roll: float = 0.0) -> np.ndarray:
    """Degrees from the true vertical, + leaning to the subject's left (frontal view)."""
    return incline_from_vertical(trunk_axis(series, roll))


def facing_direction(series: LandmarkSeries, frames: slice | np.ndarray = slice(None)) -> float:
    """+1 when a side-on subject faces the image's right, -1 when the left (toes, else nose)."""
    image = series.image[frames]
    toes = image[:, [L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX], 0] - image[:, [L.LEFT_HEEL, L.RIGHT_HEEL], 0]
    lead = np.nanmedian(toes)
    if not np.isfinite(lead) or abs(lead) < 1.0:
        ears = series.midpoint(L.LEFT_EAR, L.RIGHT_EAR)[frames, 0]
        lead = np.nanmedian(series.image[frames, L.NOSE, 0] - ears)
    return 1.0 if lead >= 0 else -1.0


def trunk_inclination(series: LandmarkSeries, forward: float, roll: float = 0.0) -> np.ndarray:
    """Hip-to-shoulder angle from the true vertical, + forward (sagittal view)."""
    return incline_from_vertical(trunk_axis(series, roll), forward)


def head_forward_angle(series: LandmarkSeries, forward: float, roll: float = 0.0) -> np.ndarray:
    """Shoulder-to-ear line above the horizontal, seen from the front of the subject.

    A craniovertebral-angle proxy: 90 with the ear straight above the shoulder,
    smaller as the head moves forward.
    """
    v = upright(series.midpoint(L.LEFT_EAR, L.RIGHT_EAR)
                - series.midpoint(L.LEFT_SHOULDER, L.RIGHT_SHOULDER), roll)
    return np.degrees(np.arctan2(v[..., 1], forward * v[..., 0]))


PLUMB_POINTS = {"ear": (L.LEFT_EAR, L.RIGHT_EAR), "shoulder": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
                "hip": (L.LEFT_HIP, L.RIGHT_HIP), "knee": (L.LEFT_KNEE, L.RIGHT_KNEE)}


def plumb_offsets_px(series: LandmarkSeries, forward: float, roll: float = 0.0) -> dict[str, np.ndarray]:
    """Horizontal offset of ear, shoulder, hip and knee from the vertical through the ankle, + forward."""
    ankle = upright(series.midpoint(L.LEFT_ANKLE, L.RIGHT_ANKLE), roll)[..., 0]
    return {name: forward * (upright(series.midpoint(a, b), roll)[..., 0] - ankle)
            for name, (a, b) in PLUMB_POINTS.items()}
