"""Presentation beside the core: the live overlay, stick figures and report charts, as pictures.

Nothing here measures; it draws what the core measured. Matplotlib is used
through its object API (a Figure rendered to PNG), so no backend is chosen
and nothing changes at import.
"""

from __future__ import annotations

import io

import cv2
import numpy as np

from posture.landmarks import BONES, Landmark as L, LandmarkSeries

GREEN, AMBER, WHITE = (60, 200, 90), (255, 190, 40), (255, 255, 255)
FONT = cv2.FONT_HERSHEY_SIMPLEX
TEXT_THICKNESS = 2
TEXT_MARGIN = 10            # px between the instruction and the frame's edges
LINE_SPACING = 40           # px from one line to the next at font scale 1
MIN_FONT_SCALE = 0.45       # the smallest instruction type (letters about 10 px high)
FLOOR_SHARE = 0.6           # and at least this share of the frame's own size of type


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
        cv2.putText(out, text, (int(12 * scale), int(70 * scale)), FONT, 2.0 * scale, (0, 0, 0),
                    int(8 * scale) + 1, cv2.LINE_AA)
        cv2.putText(out, text, (int(12 * scale), int(70 * scale)), FONT, 2.0 * scale, WHITE,
                    int(3 * scale) + 1, cv2.LINE_AA)
        cv2.putText(out, angle_name, (int(14 * scale), int(100 * scale)), FONT, 0.7 * scale,
                    WHITE, 2, cv2.LINE_AA)
    lines, size = text_layout(instruction, w - 2 * TEXT_MARGIN, 0.75 * scale)
    step = int(LINE_SPACING * size)
    top = h - step * len(lines) - TEXT_MARGIN
    cv2.rectangle(out, (0, top - 8), (w, h), (0, 0, 0), -1)
    for k, line in enumerate(lines):
        cv2.putText(out, line, (TEXT_MARGIN, top + int(0.8 * step) + k * step), FONT, size,
                    colour if k == 0 else WHITE, TEXT_THICKNESS, cv2.LINE_AA)
    return out


def text_layout(text: str, width: int, size: float, max_lines: int = 3) -> tuple[list[str], float]:
    """The text in lines that each fit `width` px, and the font scale to draw them at.

    Every word is kept: the type shrinks from `size` towards a readable floor until the text fits in max_lines;
    at the floor it takes more lines. Only a single word wider than the width shrinks it below the floor.
    """
    floor = max(MIN_FONT_SCALE, FLOOR_SHARE * size)
    while True:
        lines = wrap_to_width(text, width, size)
        if any(text_width(line, size) > width for line in lines) and size > 0.1:
            size *= 0.9
        elif len(lines) > max_lines and size > floor:
            size = max(floor, 0.9 * size)
        else:
            return lines, size


def wrap_to_width(text: str, width: int, size: float) -> list[str]:
    """Words into lines no wider than `width` px at this font scale (a single word may be wider)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def text_width(line: str, size: float) -> int:
    """The width in px of one line of overlay text at this font scale."""
    return cv2.getTextSize(line, FONT, size, TEXT_THICKNESS)[0][0]


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
