"""A pinhole camera placed in the skeleton's world frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    """Pinhole camera looking from `position` at `target` (world metres).

    roll_deg: the true horizontal appears this many degrees counter-clockwise
    in the image (the roll a calibration must remove).
    """

    position: tuple[float, float, float]
    target: tuple[float, float, float]
    width: int = 480
    height: int = 640
    focal_px: float = 560.0
    roll_deg: float = 0.0

    def rotation(self) -> np.ndarray:
        """World-to-camera rotation; camera axes x right, y down, z forward."""
        z = np.asarray(self.target, float) - np.asarray(self.position, float)
        z /= np.linalg.norm(z)
        x = np.cross(z, [0.0, 1.0, 0.0])
        x /= np.linalg.norm(x)
        y = np.cross(z, x)
        a = np.radians(self.roll_deg)
        c, s = np.cos(a), np.sin(a)
        # Turning the camera clockwise about its axis makes the scene appear counter-clockwise.
        x, y = c * x + s * y, -s * x + c * y
        return np.stack([x, y, z])

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points (... x 3) in camera coordinates (metres)."""
        return (points - np.asarray(self.position)) @ self.rotation().T

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points (... x 3) to pixels (... x 2)."""
        pc = self.to_camera(points)
        u = self.focal_px * pc[..., 0] / pc[..., 2] + self.width / 2
        v = self.focal_px * pc[..., 1] / pc[..., 2] + self.height / 2
        return np.stack([u, v], axis=-1)

    def rays(self) -> tuple[np.ndarray, np.ndarray]:
        """Origin and unit world-direction of the ray through every pixel centre."""
        u, v = np.meshgrid(np.arange(self.width) + 0.5, np.arange(self.height) + 0.5)
        d = np.stack([(u - self.width / 2) / self.focal_px,
                      (v - self.height / 2) / self.focal_px,
                      np.ones_like(u)], axis=-1)
        d = d @ self.rotation()
        d /= np.linalg.norm(d, axis=-1, keepdims=True)
        return np.asarray(self.position, float), d


def frontal_camera(distance: float = 2.6, height: float = 1.2, pitch_deg: float = 0.0, **kw) -> Camera:
    """Facing the subject, lens at chest height, tipped down by `pitch_deg`."""
    drop = distance * np.tan(np.radians(pitch_deg))
    return Camera(position=(0.0, height, distance), target=(0.0, height - drop, 0.0), **kw)


def sagittal_camera(distance: float = 2.6, height: float = 1.2, side: str = "left",
                    pitch_deg: float = 0.0, **kw) -> Camera:
    """At 90 degrees to the subject, on its left or right side."""
    sx = 1.0 if side == "left" else -1.0
    drop = distance * np.tan(np.radians(pitch_deg))
    return Camera(position=(sx * distance, height, 0.0), target=(0.0, height - drop, 0.0), **kw)
