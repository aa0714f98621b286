"""Presentation beside the core: the live overlay, stick figures and report charts, as pictures.

Nothing here measures; it draws what the core measured. Matplotlib is used
through its object API (a Figure rendered to PNG), so no backend is chosen
and nothing changes at import.
"""

from __future__ import annotations

import io
import textwrap
from datetime import date

import cv2
import numpy as np

from posture.landmarks import BONES, Landmark as L, LandmarkSeries

GREEN, AMBER, WHITE = (60, 200, 90), (255, 190, 40), (255, 255, 255)


def draw_overlay(rgb: np.ndarray, xy: np.ndarray | None, instruction: str, angle: float | None, angle_name: str,
                 problem: bool = False) -> np.ndarray:
    """The camera frame with the stick figure, the current angle in large type and the instruction."""
    out = rgb.copy()
    h, w = out.shape[:2]
    colour = AMBER if problem else GREEN
    if xy is not None and np.isfinite(xy).all():
        for a, b in BONES:
            cv2.line(out, tuple(int(v) for v in xy[a]), tuple(int(v) for v in xy[b]), colour, 3, cv2.LINE_AA)
    scale = w / 640
    if angle is not None:
        text = f"{angle:+.0f} deg"
        cv2.putText(out, text, (int(12 * scale), int(70 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 2.0 * scale, (0, 0, 0),
                    int(8 * scale) + 1, cv2.LINE_AA)
        cv2.putText(out, text, (int(12 * scale), int(70 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 2.0 * scale, WHITE,
                    int(3 * scale) + 1, cv2.LINE_AA)
        cv2.putText(out, angle_name, (int(14 * scale), int(100 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 0.7 * scale,
                    WHITE, 2, cv2.LINE_AA)
    lines = textwrap.wrap(instruction, width=int(44 * max(w / h, 0.75)))[:3]
    top = h - int(30 * scale) * len(lines) - 10
    cv2.rectangle(out, (0, top - 8), (w, h), (0, 0, 0), -1)
    for k, line in enumerate(lines):
        cv2.putText(out, line, (10, top + int(24 * scale) + k * int(30 * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.75 * scale, colour if k == 0 else WHITE, 2, cv2.LINE_AA)
    return out


def _png(fig) -> io.BytesIO:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    buf.seek(0)
    return buf


def skeleton_png(series: LandmarkSeries, frame: int, title: str) -> io.BytesIO:
    """The stick figure of one frame, as the camera saw it (image y down)."""
    from matplotlib.figure import Figure

    xy = series.image[min(max(frame, 0), len(series) - 1)]
    fig = Figure(figsize=(2.2, 2.6))
    ax = fig.subplots()
    for a, b in BONES:
        ax.plot(*xy[[a, b]].T, color="#1f5f8b", lw=2)
    ax.scatter(*xy[[L.NOSE]].T, color="#c0392b", s=12)
    lo, hi = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
    pad = 0.08 * (hi - lo).max()
    ax.set_xlim(lo[0] - pad, hi[0] + pad)
    ax.set_ylim(hi[1] + pad, lo[1] - pad)        # image y grows downwards
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=8)
    return _png(fig)


def trend_png(title: str, points: dict[str, list[tuple[date, float]]]) -> io.BytesIO:
    """One measurement over visits, a line per session label."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.4, 2.0))
    ax = fig.subplots()
    for lab, pts in points.items():
        ax.plot([d for d, _ in pts], [v for _, v in pts], marker="o", label=lab)
    ax.set_title(title, fontsize=8)
    ax.tick_params(labelsize=6)
    ax.legend(fontsize=6)
    fig.autofmt_xdate()
    return _png(fig)
