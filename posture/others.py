"""Other people in the picture: is what the detector found with the subject hidden a person, and do they overlap?

Pure: pixel boxes and landmarks in, frames to set aside out. The pipeline
(`pipeline.WatchingForOthers`) feeds it sparse looks with the subject masked;
a bystander apart from the subject is only noted, someone who overlaps the
subject (or vanishes while close to them) has those frames set aside.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posture.landmarks import Landmark as L


def overlap_frames(n_frames: int, checks: list[tuple[int, bool]]) -> np.ndarray:
    """Frames to set aside from sparse checks (frame, someone overlapped the subject there).

    Between a clear check and an overlapping one nobody knows when the overlap
    began, so every frame up to the next clear check is set aside.
    """
    out = np.zeros(n_frames, bool)
    checks = sorted(checks)
    for k, (frame, overlapped) in enumerate(checks):
        if overlapped:
            lo = checks[k - 1][0] + 1 if k > 0 else 0
            hi = checks[k + 1][0] if k + 1 < len(checks) else n_frames
            out[lo:hi] = True
    return out


def next_look(frame: int, every: int, min_looks: int) -> int:
    """The frame of the next look for someone else after a look at `frame`: `every` frames on, closer early on.

    The gap never exceeds 1/min_looks of the frames seen so far, so a clip of any length gets at least
    min_looks looks spread over it, without trusting what its header claims about its length.
    """
    return frame + max(1, min(every, frame // min_looks))


Box = tuple[float, float, float, float]      # x0, y0, x1, y1 in pixels
SUBJECT_MARGIN = 0.15        # the subject's box, hidden for a look, is grown by this share of its size (+10 px)
GATE_RING = 0.1              # a look is skipped with the look's box grown by this share of its larger side
CHANGE_GREY = 12.0           # a part of the picture changed: a colour channel moved this much on average (0-255)
CHANGE_BLOCK = 4             # parts of this many thumbnail pixels square (about 40 px on a 640-px-wide frame)
MIN_OTHER_SIZE = 0.25        # another person's landmarks span at least this share of the subject's height
MIN_OTHER_TRUNK = 0.7        # and their shoulders and hips are clearly seen
NEAR = 0.1                   # within this share of the subject's height, someone who vanishes went behind them


@dataclass
class ClearView:
    """What the looks that found nobody have seen apart from the subject, pixel by pixel on small RGB thumbnails
    of the frames (`pipeline.thumbnail`), so that a look that could only see the same is skipped.

    A look now would see nothing new when every thumbnail pixel apart from the subject's box (grown by
    GATE_RING, up to one pixel of its edge: 10 px on the frame) was seen by one of those looks, and no window of
    CHANGE_BLOCK pixels square (at every position, not a fixed grid) changed since in some colour channel by more
    than CHANGE_GREY on average, after the whole picture's change (a camera's exposure) is taken off. Someone
    coming into view changes a window by far more; a still room, recompressed, by a few levels. Pixels are
    remembered from different looks: a bend uncovers the wall above the subject's hips, standing up again covers
    it and uncovers the wall beside them, and both were seen clear once. A look that finds someone forgets
    everything. The band of GATE_RING is the subject's own: someone seen only there stands behind them, and
    the look made at least every 2 s whatever (`pipeline.WatchingForOthers`) is what finds them.
    Box: the subject's box (as the look hid it) on the full frame of width x height pixels.
    """

    width: int
    height: int
    picture: np.ndarray | None = None        # rows x cols x 3: each pixel as a look that found nobody saw it
    seen: np.ndarray | None = None           # rows x cols: pixels seen by such a look

    def looked(self, thumb: np.ndarray, box: Box, anyone: bool) -> None:
        """A look was made on this thumbnail with the subject's box hidden; it found someone or nobody."""
        if anyone:
            self.picture = self.seen = None
            return
        apart = ~self._hidden(thumb, box)
        if self.seen is None:
            self.picture, self.seen = np.zeros(thumb.shape, np.float32), np.zeros(apart.shape, bool)
        self.picture[apart] = thumb[apart]
        self.seen |= apart

    def would_see_new(self, thumb: np.ndarray, box: Box) -> bool:
        """Might a look now, with the subject in `box`, see what the looks so far did not?"""
        if self.seen is None:
            return True
        hidden = self._hidden(thumb, box)
        grown = self._hidden(thumb, box, pad=1)           # a box moving by one thumbnail pixel (10 px) hides nobody
        if (~self.seen & ~grown).any():
            return True
        apart = ~hidden & self.seen
        if apart.sum() < CHANGE_BLOCK ** 2:
            return False
        diff = thumb.astype(np.float32) - self.picture
        diff = np.abs(diff - np.median(diff[apart], axis=0)).max(axis=2) * apart
        sums, counted = _window_sums(diff, CHANGE_BLOCK), _window_sums(apart.astype(np.float32), CHANGE_BLOCK)
        enough = counted >= CHANGE_BLOCK ** 2 / 2
        return bool((sums[enough] / counted[enough] > CHANGE_GREY).any())

    def _hidden(self, thumb: np.ndarray, box: Box, pad: int = 0) -> np.ndarray:
        """Pixels wholly inside the box grown by GATE_RING (and `pad` pixels): not compared. The body's outline
        reaches past its landmarks (hair, back, buttocks, feet), and its shadow meets it at the feet; the
        subject's own movement changes those pixels at every bend."""
        x0, y0, x1, y1 = box
        ring = GATE_RING * max(x1 - x0, y1 - y0)
        return _inside((x0 - ring, y0 - ring, x1 + ring, y1 + ring), *thumb.shape[:2], self.width, self.height, pad)


def _inside(box: Box, rows: int, cols: int, width: int, height: int, pad: int = 0) -> np.ndarray:
    """Thumbnail pixels wholly inside a box of the full frame, and `pad` pixels around them."""
    x0, y0, x1, y1 = box
    mask = np.zeros((rows, cols), bool)
    r0, r1 = max(int(np.ceil(y0 / height * rows)), 0), int(np.floor(y1 / height * rows))
    c0, c1 = max(int(np.ceil(x0 / width * cols)), 0), int(np.floor(x1 / width * cols))
    if r1 > r0 and c1 > c0:
        mask[max(r0 - pad, 0):r1 + pad, max(c0 - pad, 0):c1 + pad] = True
    return mask


def _window_sums(a: np.ndarray, k: int) -> np.ndarray:
    """Sums of every k x k window of a 2-D array (an integral image)."""
    total = np.pad(a.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    return total[k:, k:] - total[:-k, k:] - total[k:, :-k] + total[:-k, :-k]


def person_box(xy: np.ndarray, grow: float = 0.0) -> Box:
    """The box around one person's landmarks, grown by a share of its size plus 10 px when grow > 0."""
    lo, hi = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
    pad = (hi - lo) * grow + (10 if grow else 0)
    return (*(lo - pad), *(hi + pad))


def gap_between(a: Box, b: Box) -> float:
    """Pixels between two boxes, 0 when they touch or overlap."""
    dx = max(a[0] - b[2], b[0] - a[2], 0.0)
    dy = max(a[1] - b[3], b[1] - a[3], 0.0)
    return float(np.hypot(dx, dy))


def is_other_person(xy: np.ndarray, visibility: np.ndarray, subject_height_px: float) -> bool:
    """A detection found beside the subject is a person: big enough, trunk clearly seen, shoulders above hips.

    The pose detector finds 'people' in furniture and shadows; those are small,
    poorly seen or lie flat.
    """
    trunk = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]
    x0, y0, x1, y1 = person_box(xy)
    shoulders_y = xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER], 1].mean()
    hips_y = xy[[L.LEFT_HIP, L.RIGHT_HIP], 1].mean()
    torso = np.linalg.norm(xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]].mean(0) - xy[[L.LEFT_HIP, L.RIGHT_HIP]].mean(0))
    return bool(visibility[trunk].mean() > MIN_OTHER_TRUNK and y1 - y0 >= MIN_OTHER_SIZE * subject_height_px
                and hips_y - shoulders_y > 0.5 * torso)


@dataclass
class OthersWatch:
    """Sparse checks for other people: who was seen beside the subject and where someone overlapped them.

    Fed, frame by frame, the subject's landmarks and what the detector found
    with the subject hidden (None: nobody). Someone seen close to the subject
    who is then no longer found went behind or into them: that counts as an
    overlap until they are seen apart again.
    """

    width: int
    height: int
    checks: list[tuple[int, bool]] = field(default_factory=list)     # (frame, someone overlapped the subject)
    beside: int = 0                          # checks with another person in view, apart from the subject
    _hidden: bool = False                    # someone went behind the subject and has not come out
    _overlapping: bool = False               # the last check found an overlap

    def check(self, frame: int, subject: np.ndarray, other: tuple[np.ndarray, np.ndarray] | None) -> None:
        height = float(np.nanmax(subject[:, 1]) - np.nanmin(subject[:, 1]))
        hidden_region = person_box(subject, grow=SUBJECT_MARGIN)
        if other is not None and is_other_person(*other, height):
            gap = gap_between(person_box(other[0]), hidden_region)
            near = gap < NEAR * height
            overlapped = gap == 0.0 or (self._overlapping and near)     # apart again means clearly apart
            self._hidden = overlapped or (near and not self._at_edge(other[0]))
            self.beside += not overlapped
        else:
            overlapped = self._hidden
        self._overlapping = overlapped
        self.checks.append((frame, overlapped))

    def _at_edge(self, xy: np.ndarray) -> bool:
        x0, y0, x1, y1 = person_box(xy)
        return x0 < 0.02 * self.width or x1 > 0.98 * self.width

    def overlapped(self, n_frames: int) -> np.ndarray:
        return overlap_frames(n_frames, self.checks)
