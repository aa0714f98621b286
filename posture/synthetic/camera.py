"""A pinhole camera placed in the skeleton's world frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    """Pinhole camera looking from `position` at `target` (world metres).

    roll_deg: the true horizontal appears this many degrees counter-clockwise
    in the image (the roll a calibration must remove).
    principal: principal point in pixels (None: the image centre).
    distortion: Brown-Conrady (k1, k2, p1, p2, k3), OpenCV's order and model.
    """

    position: tuple[float, float, float]
    target: tuple[float, float, float]
    width: int = 480
    height: int = 640
    focal_px: float = 560.0
    roll_deg: float = 0.0
    principal: tuple[float, float] | None = None
    distortion: tuple[float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0)

    @property
    def centre(self) -> tuple[float, float]:
        return self.principal or (self.width / 2, self.height / 2)

    def matrix(self) -> np.ndarray:
        """The 3x3 intrinsic matrix K."""
        cx, cy = self.centre
        return np.array([[self.focal_px, 0, cx], [0, self.focal_px, cy], [0, 0, 1.0]])

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
        x, y = distort(pc[..., 0] / pc[..., 2], pc[..., 1] / pc[..., 2], self.distortion)
        cx, cy = self.centre
        return np.stack([self.focal_px * x + cx, self.focal_px * y + cy], axis=-1)

    def rays(self) -> tuple[np.ndarray, np.ndarray]:
        """Origin and unit world-direction of the ray through every pixel centre."""
        u, v = np.meshgrid(np.arange(self.width) + 0.5, np.arange(self.height) + 0.5)
        cx, cy = self.centre
        x, y = undistort(u - cx, v - cy, self.focal_px, self.distortion)
        d = np.stack([x, y, np.ones_like(u)], axis=-1)
        d = d @ self.rotation()
        d /= np.linalg.norm(d, axis=-1, keepdims=True)
        return np.asarray(self.position, float), d


def distort(x: np.ndarray, y: np.ndarray, k: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Ideal normalised image coordinates to distorted ones (Brown-Conrady)."""
    k1, k2, p1, p2, k3 = k
    r2 = x * x + y * y
    radial = 1 + k1 * r2 + k2 * r2 ** 2 + k3 * r2 ** 3
    return (x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x),
            y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y)


def undistort(du: np.ndarray, dv: np.ndarray, focal_px: float, k: tuple[float, ...],
              tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets from the principal point to ideal normalised coordinates (fixed-point inverse)."""
    xd, yd = du / focal_px, dv / focal_px
    x, y = xd, yd
    for _ in range(50 if any(k) else 0):
        ex, ey = distort(x, y, k)
        x, y = x + (xd - ex), y + (yd - ey)
        if max(np.abs(xd - ex).max(), np.abs(yd - ey).max()) < tol:
            break
    return x, y


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
