"""Phone-like copies of a recording, made with FFmpeg (PyAV) in the test run: turned and marked to be shown upright,
at a variable or lower frame rate, in HEVC (10-bit) or VP9.

Each copy shows what the original shows: the pictures are stored turned the other way (or mirrored) and the file's
display matrix says how to turn them back, as a phone held upright writes it; frames left out keep their
timestamps, as a phone's variable frame rate does.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

CODECS = {"h264": ("libx264", "yuv420p"), "hevc": ("libx265", "yuv420p"), "hevc10": ("libx265", "yuv420p10le"),
          "vp9": ("libvpx-vp9", "yuv420p"), "mjpeg": ("mjpeg", "yuvj420p")}
FAST = {"libx264": {"preset": "ultrafast"}, "libx265": {"preset": "ultrafast", "x265-params": "log-level=error"},
        "libvpx-vp9": {"deadline": "realtime", "cpu-used": "8"}, "mjpeg": {}}      # the suite's time, not quality


def original_frames(path: Path) -> tuple[list[np.ndarray], Fraction]:
    """Every picture of an unturned recording (FFmpeg decoding, not the tool's reader) and its frame rate."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [f.to_ndarray(format="rgb24") for f in container.decode(stream)], stream.average_rate


def every_frame(n: int) -> bool:
    return True


def phone_dropping_frames(n: int, after: int = 60) -> bool:
    """FFmpeg's select='lt(n,60)+not(mod(n,3))': all of the first 60 frames (`after`), then one in three (the light
    fell)."""
    return n < after or n % 3 == 0


def phone_copy(src: Path, dst: Path, *, turn_deg: int = 0, mirror: bool = False, codec: str = "h264",
               keep: Callable[[int], bool] = every_frame, every: int = 1, frames: int | None = None) -> Path:
    """A copy of src as a phone would record it.

    turn_deg: the pictures are stored turned this far anticlockwise, the display matrix turning them back (-turn_deg,
    as `ffmpeg -display_rotation`). mirror: stored mirrored, the matrix flipping them back. keep: which frame numbers
    are recorded, each at its original time (a variable frame rate). every: a constant lower rate, every k-th
    frame (as a slower camera). frames: only the first this many (None: all).
    """
    pictures, rate = original_frames(src)
    pictures = pictures[:frames]
    encoder, pixels = CODECS[codec]
    with av.open(str(dst), "w") as out:
        stream = out.add_stream(encoder, rate=rate / every)
        stream.options = FAST[encoder]
        shape = np.rot90(pictures[0], turn_deg // 90).shape
        stream.width, stream.height, stream.pix_fmt = shape[1], shape[0], pixels
        stream.codec_context.time_base = 1 / (rate / every)
        if turn_deg or mirror:
            stream.set_display_rotation(-turn_deg, hflip=mirror)     # turned back clockwise, then unmirrored
        for n, rgb in enumerate(pictures):
            if not keep(n) or n % every:
                continue
            stored = np.rot90(rgb[:, ::-1] if mirror else rgb, turn_deg // 90)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(stored), format="rgb24")
            frame.pts, frame.time_base = n // every, stream.codec_context.time_base
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return dst


def with_cut_away(src: Path, dst: Path, before_s: float = 2.0, away_s: float = 4.0, back: bool = True) -> Path:
    """The recording with a cut: its first before_s, then away_s of a close-up of the head and chest (as a camera
    operator zooming in; where they are in the bundled samples seen from the front), then (back) the whole recording
    from its start (the neutral, then the movement)."""
    import cv2

    pictures, rate = original_frames(src)
    h, w = pictures[0].shape[:2]
    top, bottom = int(0.31 * h), int(0.61 * h)
    half = (bottom - top) * w // h // 2

    def close_up(rgb: np.ndarray) -> np.ndarray:
        return cv2.resize(rgb[top:bottom, w // 2 - half:w // 2 + half], (w, h), interpolation=cv2.INTER_LINEAR)

    before, away = int(before_s * rate), int(away_s * rate)
    edited = pictures[:before] + [close_up(p) for p in pictures[:away]] + (pictures if back else [])
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt, stream.options = w, h, "yuv420p", FAST["libx264"]
        for rgb in edited:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(stream.encode())
    return dst
