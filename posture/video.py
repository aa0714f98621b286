"""Reading frames from video files as phones and clinic cameras make them, with plain-language errors for bad files.

FFmpeg does the reading (PyAV, its Python binding): H.264, HEVC, VP9 and
MJPEG, 8- and 10-bit. Each frame comes with its true time, from its own
timestamp (phones record at a variable frame rate, dropping frames in low
light), and turned as the file says it is to be shown (the display matrix a
phone writes when held upright), so that the person stands upright in every
frame the pose model sees.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
from av.sidedata.sidedata import Type as SideData

from posture.errors import VideoError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}
MIN_FPS, MAX_FPS = 1.0, 1000.0      # frame rates a camera records; timestamps outside this range are wrong
RATE_FRAMES = 12                    # frames read when a file is opened, to check its clock


@dataclass(frozen=True)
class VideoInfo:
    """A readable video as it is to be shown.

    fps: frames a second over the whole recording (as its header says; a variable-rate recording's average).
    frame_count: as the container claims (decoding may end earlier). width, height: as shown (after the turn).
    turn: how each decoded picture is turned and flipped to be shown (`display_turn`; "" for none).
    start_s: the first frame's timestamp; frame times count from it.
    coded: the decoded pictures' size (width, height) before the turn; a picture of another size (a browser's
        recording may change it mid-stream) is scaled to it.
    """

    path: Path
    fps: float
    frame_count: int
    width: int
    height: int
    turn: str = ""
    start_s: float = 0.0
    coded: tuple[int, int] | None = None

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps else 0.0


def display_turn(matrix: np.ndarray | None) -> str:
    """How a picture is turned to be shown, from its display matrix (9 numbers, 16.16 fixed point, or None), as
    FFmpeg's own player decides it: "" | "clock" | "cclock" | "transpose" | "antitranspose" | "hflip" | "vflip" |
    "hvflip". VideoError for a turn that is not a multiple of 90 degrees."""
    if matrix is None:
        return ""
    m = np.asarray(matrix, float)
    scale0, scale1 = np.hypot(m[0], m[3]), np.hypot(m[1], m[4])
    if not scale0 or not scale1:
        return ""                                       # a matrix of zeros, as some muxers write: no turn
    theta = np.degrees(np.arctan2(m[1] / scale1, m[0] / scale0))      # = -av_display_rotation_get
    theta -= 360 * np.floor(theta / 360 + 0.9 / 360)
    if abs(theta - 90) < 1:
        return "transpose" if m[3] > 0 else "clock"
    if abs(theta - 180) < 1:
        flips = ("h" if m[0] < 0 else "") + ("v" if m[4] < 0 else "")
        return f"{flips}flip" if flips else ""
    if abs(theta - 270) < 1:
        return "antitranspose" if m[3] < 0 else "cclock"
    if abs(theta) < 1 or abs(theta - 360) < 1:
        return "vflip" if m[4] < 0 else ""
    raise VideoError(f"the file says to show its pictures turned by {theta:.0f} degrees, which this tool cannot "
                     "undo: export it again from the camera's app.")


def turned(picture: np.ndarray, turn: str) -> np.ndarray:
    """A decoded picture (rows x columns x colours) turned as `display_turn` says."""
    if turn == "clock":
        picture = np.rot90(picture, -1)
    elif turn == "cclock":
        picture = np.rot90(picture, 1)
    elif turn == "transpose":
        picture = picture.transpose(1, 0, 2)
    elif turn == "antitranspose":
        picture = np.rot90(picture, -1)[::-1]
    elif turn:
        picture = picture[::-1 if "v" in turn else 1, ::-1 if "h" in turn else 1]
    return np.ascontiguousarray(picture)


def _open(path: Path) -> av.container.InputContainer:
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError):
        raise VideoError(f"{path.name} is not a video this tool can read (it may be corrupt, cut short or in an "
                         "unsupported format): record it again or convert it to MP4.") from None
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path.name} holds no video (sound only, or no pictures): record the test as a video.")
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"            # FFmpeg decodes on every core: frames come in order all the same
    return container


def _frames(container: av.container.InputContainer) -> Iterator[av.VideoFrame]:
    """Every decodable frame, in order: a damaged packet is skipped (its frames are missing, and their time with
    them: the analysis's clock sets that stretch aside), a container that cannot be read further ends it."""
    packets = container.demux(video=0)
    while True:
        try:
            packet = next(packets)
        except (StopIteration, av.FFmpegError, ValueError, OSError):
            return
        try:
            yield from packet.decode()
        except (av.FFmpegError, ValueError):
            continue


def _matrix(frame: av.VideoFrame) -> np.ndarray | None:
    """The frame's display matrix (how it is to be shown), None when it has none."""
    for data in frame.side_data:
        if data.type == SideData.DISPLAYMATRIX:
            return np.frombuffer(bytes(data), np.int32).astype(float)
    return None


def probe(path: str | Path) -> VideoInfo:
    """Check that a file is a readable video of more than one frame, with a believable clock, and describe it;
    VideoError with the reason in words otherwise."""
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise VideoError(f"{path} is a link that leads to no file (or to itself): give the video file itself.")
    if not path.exists():
        raise VideoError(f"{path} does not exist: check the file name and folder.")
    if path.is_dir():
        raise VideoError(f"{path} is a folder, not a video file.")
    if not path.is_file():
        raise VideoError(f"{path} is not a file but a pipe or a device: give a video file.")
    if not os.access(path, os.R_OK):
        raise VideoError(f"{path.name} cannot be opened: this user may not read it (check the file's permissions).")
    if path.stat().st_size == 0:
        raise VideoError(f"{path} is empty (0 bytes): the recording did not save; record it again.")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        raise VideoError(f"{path.name} is a still picture, not a video: record the test as a video.")
    with _open(path) as container:
        stream = container.streams.video[0]
        first = []
        for frame in _frames(container):
            first.append(frame)
            if len(first) == RATE_FRAMES:
                break
        if not first:
            raise VideoError(f"{path.name} is not a video this tool can read (it may be corrupt, cut short "
                             "or in an unsupported format): record it again or convert it to MP4.")
        if len(first) == 1:
            raise VideoError(f"{path.name} holds a single picture, not a video: record the test as a video of "
                             "a few seconds.")
        times = [f.time for f in first if f.time is not None]
        step = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
        fps = 1.0 / step if step > 0 else 0.0
        if not MIN_FPS <= fps <= MAX_FPS:
            raise VideoError(f"{path.name} gives no believable frame rate (it claims {fps:.3g} frames a second), "
                             "so its timing cannot be trusted: export it again as MP4 from the camera's app.")
        turn = display_turn(_matrix(first[0]))
        average = float(stream.average_rate) if stream.average_rate else fps
        if stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        else:                                           # WebM and MKV say only the container's duration
            duration = container.duration / av.time_base if container.duration else 0.0
        count = stream.frames or int(round(duration * average))
        height, width = turned(np.zeros((first[0].height, first[0].width, 1), np.uint8), turn).shape[:2]
        return VideoInfo(path, average, max(count, len(first)), width, height, turn, times[0],
                         (first[0].width, first[0].height))


def read_frames(info: VideoInfo, stride: int = 1, start: int = 0,
                stop: int | None = None) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (seconds from the first frame, RGB frame as shown) for every `stride`-th frame of the video (counted
    from frame 0), from frame `start` up to `stop` (None: to the end, whatever the header claims).

    A frame's time is its timestamp; one without a timestamp comes one average frame after the one before.
    """
    with _open(info.path) as container:
        index, frames = _seek(container, start)
        previous = None
        for frame in frames:
            if stop is not None and index >= stop:
                break
            t = frame.time - info.start_s if frame.time is not None else None
            if t is None or (previous is not None and t <= previous):      # no timestamp, or one out of order
                t = 0.0 if previous is None else previous + 1.0 / info.fps
            previous = t
            if index % stride == 0:
                yield t, turned(_rgb(frame, info), info.turn)
            index += 1


def _rgb(frame: av.VideoFrame, info: VideoInfo) -> np.ndarray:
    """The frame's pixels as RGB, at the recording's first size (VideoError in words if FFmpeg cannot convert)."""
    try:
        if info.coded is not None and (frame.width, frame.height) != info.coded:
            return frame.to_ndarray(width=info.coded[0], height=info.coded[1], format="rgb24")
        return frame.to_ndarray(format="rgb24")
    except (av.FFmpegError, ValueError) as e:
        raise VideoError(f"{info.path.name}: a picture could not be decoded ({e}): export it again as MP4.") from None


def _seek(container: av.container.InputContainer, frame: int) -> tuple[int, Iterator[av.VideoFrame]]:
    """The frames from frame number `frame` on, and its number: the file's packets are read (not decoded) to find
    that frame's timestamp, FFmpeg seeks to the key frame before it and decodes up to it. A file whose packets
    carry no timestamps is decoded from the start."""
    frames = _frames(container)
    if frame <= 0:
        return 0, frames
    stream = container.streams.video[0]
    try:
        stamps = [p.pts for p in container.demux(stream) if p.size and not p.is_discard]   # an edit list's cuts
    except (av.FFmpegError, ValueError, OSError):
        stamps = [None]
    if None in stamps:                   # no timestamps to seek by, or unreadable: decode up to the frame
        container.seek(0, stream=stream, backward=True)
        frames = _frames(container)
        for _ in zip(range(frame), frames):
            pass
        return frame, frames
    stamps.sort()
    if frame >= len(stamps):
        return len(stamps), iter(())
    try:
        container.seek(stamps[frame], stream=stream, backward=True)
    except (av.FFmpegError, ValueError, OSError):
        raise VideoError(f"{Path(container.name).name} cannot be read from its middle: export it again as "
                         "MP4.") from None
    frames = _frames(container)
    for decoded in frames:
        if decoded.pts is not None and decoded.pts >= stamps[frame]:
            return frame, _chain(decoded, frames)
    return frame, iter(())


def _chain(first: av.VideoFrame, rest: Iterator[av.VideoFrame]) -> Iterator[av.VideoFrame]:
    yield first
    yield from rest


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
