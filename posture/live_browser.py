"""Landmarks from the browser: the pose model ran on the patient's device, only its landmarks come here.

The browser component (app_pages/browser_pose) sends every frame the app has
not acknowledged yet, each with its number, so a batch that crossed a rerun is
sent again and nothing is lost or taken twice. What arrives comes from a
stranger's browser: every field is checked before a number of it is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posture.errors import PostureError
from posture.landmarks import N_LANDMARKS
from posture.live_camera import LiveRun

MAX_BATCH = 3000                 # frames in one batch: 100 s at 30 fps not acknowledged is a broken link, not a check
MAX_SIDE_PX = 8192
MAX_NORMALISED = 10.0            # a landmark this many pictures' widths away is no body in front of a camera
MAX_WORLD_M = 10.0               # the world skeleton is hip-centred: no landmark is metres away from the hips
BAD_BATCH = "The browser sent landmarks that cannot be read: reload the page and start the check again."


@dataclass(frozen=True)
class BrowserFrame:
    seq: int                     # the frame's number in its run, rising by one
    t: float                     # s, the browser's clock
    brightness: float            # mean grey level 0-255
    xy: np.ndarray | None        # 33 x 2 pixels, None when nobody was found
    visibility: np.ndarray | None
    world: np.ndarray | None     # 33 x 3 m


@dataclass(frozen=True)
class BrowserBatch:
    run: str                     # the component's run: a new one (a reloaded page) starts the check afresh
    width: int
    height: int
    fps: float                   # frames the model processed per second, as the browser measured it
    ms: float                    # the model's time per frame (ms)
    frames: tuple[BrowserFrame, ...]
    error: str = ""              # the browser could not run the camera or the model: its sentence


def browser_batch(value: object) -> BrowserBatch:
    """The component's value as a batch of frames; PostureError (BAD_BATCH) for anything malformed."""
    try:
        run, error = str(value["run"])[:32], str(value.get("error") or "")[:300]
        width, height = int(value["width"]), int(value["height"])
        fps, ms = _finite(value.get("fps", 0.0)), _finite(value.get("ms", 0.0))
        rows = value["frames"]
        if error:
            return BrowserBatch(run, width, height, fps, ms, (), error)
        if not (0 < width <= MAX_SIDE_PX and 0 < height <= MAX_SIDE_PX) or len(rows) > MAX_BATCH:
            raise ValueError("size")
        frames = tuple(_frame(row, width, height) for row in rows)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise PostureError(BAD_BATCH) from e
    if any(b.seq != a.seq + 1 or b.t <= a.t for a, b in zip(frames, frames[1:])):
        raise PostureError(BAD_BATCH)
    return BrowserBatch(run, width, height, fps, ms, frames)


def _finite(x: object) -> float:
    v = float(x)
    if not math.isfinite(v):
        raise ValueError("not finite")
    return v


def _frame(row: list, width: int, height: int) -> BrowserFrame:
    seq, t, brightness, image, world = row
    if int(seq) < 0 or (image is None) != (world is None):
        raise ValueError("frame")
    frame = BrowserFrame(int(seq), _finite(t), min(max(_finite(brightness), 0.0), 255.0), None, None, None)
    if image is None:
        return frame
    lm = np.asarray(image, float).reshape(N_LANDMARKS, 3)
    w = np.asarray(world, float).reshape(N_LANDMARKS, 3)
    if not (np.isfinite(lm).all() and np.isfinite(w).all()):
        raise ValueError("not finite")
    if np.abs(lm[:, :2]).max() > MAX_NORMALISED or np.abs(w).max() > MAX_WORLD_M:
        raise ValueError("out of reach")          # 1e306 is finite, and infinite once scaled to pixels
    xy = lm[:, :2] * (width, height)           # normalised as the Python wheel gives them: to pixels the same way
    return BrowserFrame(frame.seq, frame.t, frame.brightness, xy, np.clip(lm[:, 2], 0.0, 1.0), w)


def take_batch(run: LiveRun, batch: BrowserBatch) -> int:
    """Feed the frames of `batch` the run has not seen into its guided check; the last frame number taken."""
    for f in batch.frames:
        if f.seq <= run.last_seq:
            continue                           # sent again because the acknowledgement had not arrived yet
        if f.seq != run.last_seq + 1:
            raise PostureError(BAD_BATCH)      # a gap: frames went missing on the way
        run.feed(f.t, f.xy, f.visibility, f.world, batch.width, batch.height, f.brightness)
        run.last_seq = f.seq
    return run.last_seq
