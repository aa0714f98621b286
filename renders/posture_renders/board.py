"""Printed checkerboards seen through a known camera: the ground truth for calibration tests."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import cv2
import numpy as np

from posture.calibration import Board
from posture.synthetic.camera import Camera
from posture.synthetic.skeleton import rot_x, rot_y, rot_z

BLACK, WHITE, WALL = 35.0, 220.0, 120.0


@dataclass(frozen=True)
class BoardPlacement:
    """Where the board hangs: centre (world metres) and its turn, tip and in-plane roll (degrees).

    With all angles 0 the printed side faces +z (the frontal camera), rows level.
    """

    centre: tuple[float, float, float] = (0.0, 1.2, 0.0)
    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    roll_deg: float = 0.0

    def axes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """World directions of the printed right, printed down, and the face normal."""
        r = rot_y(self.yaw_deg) @ rot_x(self.pitch_deg) @ rot_z(-self.roll_deg)
        return r @ [1.0, 0, 0], r @ [0, -1.0, 0], r @ [0, 0, 1.0]


def board_size_m(board: Board, margin_squares: float = 1.0) -> tuple[float, float]:
    """Printed width and height of the sheet, white margin included."""
    s = board.square_mm / 1000
    return (board.cols + 1 + 2 * margin_squares) * s, (board.rows + 1 + 2 * margin_squares) * s


@lru_cache(maxsize=2)
def _rays(cam: Camera) -> tuple[np.ndarray, np.ndarray]:
    """The camera's rays, kept: inverting the lens distortion is the slow part of a render."""
    return cam.rays()


def _shade(cam: Camera, board: Board, place: BoardPlacement) -> np.ndarray:
    """Grey level of every pixel of cam: the board where its rays hit it, the wall elsewhere."""
    o, d = _rays(cam)
    right, down, normal = place.axes()
    c = np.asarray(place.centre)
    denom = d @ normal
    with np.errstate(divide="ignore", invalid="ignore"):
        t = ((c - o) @ normal) / denom
    hit = o + t[..., None] * d - c
    s = board.square_mm / 1000
    u, v = hit @ right / s + (board.cols + 1) / 2, hit @ down / s + (board.rows + 1) / 2
    w, h = (x / s for x in board_size_m(board))
    out = np.full(t.shape, WALL)
    paper = (t > 0) & (np.abs(u - (board.cols + 1) / 2) < w / 2) & (np.abs(v - (board.rows + 1) / 2) < h / 2)
    out[paper] = WHITE
    squares = paper & (u >= 0) & (u < board.cols + 1) & (v >= 0) & (v < board.rows + 1)
    dark = (np.floor(u).astype(int) + np.floor(v).astype(int)) % 2 == 0
    out[squares & dark] = BLACK
    return out


def render_board(cam: Camera, board: Board, place: BoardPlacement, supersample: int = 2,
                 blur_px: float = 0.0, noise: float = 2.0, seed: int = 0) -> np.ndarray:
    """An 8-bit grey picture of the board through cam, anti-aliased by supersampling."""
    cx, cy = cam.centre
    big = replace(cam, width=cam.width * supersample, height=cam.height * supersample,
                  focal_px=cam.focal_px * supersample, principal=(cx * supersample, cy * supersample))
    img = cv2.resize(_shade(big, board, place).astype(np.float32), (cam.width, cam.height),
                     interpolation=cv2.INTER_AREA)
    if blur_px:
        img = cv2.GaussianBlur(img, (0, 0), blur_px)
    img += np.random.default_rng(seed).normal(0, noise, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)
