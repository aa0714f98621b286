"""Reading frames from video files, with plain-language errors for bad files."""

from __future__ import annotations

from collections.abc import Iterator
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from posture.errors import VideoError


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    fps: float
    frame_count: int      # as the container claims; decoding may end earlier
    width: int
    height: int

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps else 0.0


IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}
MIN_FPS, MAX_FPS = 1.0, 1000.0      # frame rates a camera records; a header outside this range is wrong


def probe(path: str | Path) -> VideoInfo:
    """Check that a file is a readable video of more than one frame, with a believable frame rate, and describe it;
    VideoError with the reason in words otherwise."""
    path = Path(path)
    if not path.exists():
        raise VideoError(f"{path} does not exist: check the file name and folder.")
    if path.is_dir():
        raise VideoError(f"{path} is a folder, not a video file.")
    if not os.access(path, os.R_OK):
        raise VideoError(f"{path.name} cannot be opened: this user may not read it (check the file's permissions).")
    if path.stat().st_size == 0:
        raise VideoError(f"{path} is empty (0 bytes): the recording did not save; record it again.")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        raise VideoError(f"{path.name} is a still picture, not a video: record the test as a video.")
    cap = cv2.VideoCapture(str(path))
    try:
        ok, frame = cap.read() if cap.isOpened() else (False, None)
        if not ok or frame is None:
            raise VideoError(f"{path.name} is not a video this tool can read (it may be corrupt, cut short "
                             "or in an unsupported format): record it again or convert it to MP4.")
        if not cap.grab():
            raise VideoError(f"{path.name} holds a single picture, not a video: record the test as a video of "
                             "a few seconds.")
        fps = cap.get(cv2.CAP_PROP_FPS)
        if not np.isfinite(fps) or not MIN_FPS <= fps <= MAX_FPS:
            raise VideoError(f"{path.name} gives no believable frame rate (it claims {fps:g} frames a second), so "
                             "its timing cannot be trusted: export it again as MP4 from the camera's app.")
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        return VideoInfo(path, float(fps), max(count, 2), frame.shape[1], frame.shape[0])
    finally:
        cap.release()


def read_frames(info: VideoInfo, stride: int = 1, start: int = 0,
                stop: int | None = None) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (seconds, RGB frame) for every `stride`-th frame of the video (counted from frame 0), from frame
    `start` up to `stop` (None: to the end, whatever the header claims)."""
    cap = cv2.VideoCapture(str(info.path))
    try:
        index = _seek(cap, start)
        while stop is None or index < stop:
            ok = cap.grab()
            if not ok:
                break
            if index % stride == 0:
                ok, bgr = cap.retrieve()
                if not ok:
                    break
                yield index / info.fps, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            index += 1
    finally:
        cap.release()


def _seek(cap: cv2.VideoCapture, frame: int) -> int:
    """Move to `frame` (FFmpeg seeks to the key frame before it and decodes up to it); where it is now."""
    if frame <= 0:
        return 0
    if cap.set(cv2.CAP_PROP_POS_FRAMES, frame) and int(cap.get(cv2.CAP_PROP_POS_FRAMES)) == frame:
        return frame
    cap.set(cv2.CAP_PROP_POS_FRAMES, 0)          # a container that cannot seek: read up to the frame
    index = 0
    while index < frame and cap.grab():
        index += 1
    return index


def write_video(path: str | Path, frames: list[np.ndarray] | Iterator[np.ndarray], fps: float) -> None:
    """Write RGB frames to an MP4 file (MPEG-4 Part 2, which OpenCV always ships)."""
    writer = None
    try:
        for rgb in frames:
            if writer is None:
                h, w = rgb.shape[:2]
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
                if not writer.isOpened():
                    raise VideoError(f"Cannot write a video to {path}.")
            writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    finally:
        if writer is not None:
            writer.release()


def read_pictures(paths: list[str | Path], frames_per_video: int = 60) -> Iterator[np.ndarray]:
    """Grey pictures from image files and videos (evenly sampled), e.g. for calibration."""
    for path in map(Path, paths):
        if path.suffix.lower() in IMAGE_SUFFIXES:
            gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE) if path.exists() else None
            if gray is None:
                raise VideoError(f"{path} is not a picture this tool can read: use PNG or JPEG.")
            yield gray
        else:
            info = probe(path)
            stride = max(1, info.frame_count // frames_per_video)
            for _, rgb in read_frames(info, stride):
                yield cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
