"""One subject, with their own left and right: frames where that is not sure are set aside, with the reason.

Pure: landmarks in, a series with some frames excluded out. The pose model
follows whoever it found first and labels sides by appearance, so on real
footage it can jump to another person, be merged with someone hugging the
subject, or swap the subject's left and right for a few frames. No angle or
side may come from such a frame; the analysis bridges or drops them and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from posture.landmarks import MIRROR_PERMUTATION, Excluded, Landmark as L, LandmarkSeries

JUMP_TORSOS = 0.6          # the body centre moving more than this many torso lengths in one frame is not a person
SIZE_JUMP = 1.35           # nor is the torso length changing by more than this factor from one frame to the next
PAIRS = ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP))
MIN_SPREAD = 0.15          # a pair narrower than this share of its usual width has no reliable order


def _centre_and_torso(series: LandmarkSeries) -> tuple[np.ndarray, np.ndarray]:
    shoulders = series.midpoint(L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    hips = series.midpoint(L.LEFT_HIP, L.RIGHT_HIP)
    return (shoulders + hips) / 2, np.linalg.norm(shoulders - hips, axis=-1)


def track_jumps(series: LandmarkSeries, max_gap_s: float = 0.5) -> np.ndarray:
    """Frames that are not the subject: the track jumped away (position or size) and had not come back.

    The subject is the longest stretch without a jump; other stretches of the
    same size and place (the track came back) are the subject too.
    """
    centre, torso = _centre_and_torso(series)
    seen = np.flatnonzero(series.detected)
    out = np.zeros(len(series), bool)
    if len(seen) < 2:
        return out
    step = np.linalg.norm(np.diff(centre[seen], axis=0), axis=-1) / torso[seen[:-1]]
    grow = torso[seen[1:]] / torso[seen[:-1]]
    close = np.diff(series.t[seen]) <= max_gap_s
    jump = close & ((step > JUMP_TORSOS) | (grow > SIZE_JUMP) | (grow < 1 / SIZE_JUMP))
    if not jump.any():
        return out
    label = np.concatenate([[0], np.cumsum(jump)])       # stretch number of each seen frame
    main = np.bincount(label).argmax()
    ref_torso = np.median(torso[seen[label == main]])
    ref_centre = np.median(centre[seen[label == main]], axis=0)
    for k in set(label.tolist()) - {main}:
        frames = seen[label == k]
        same_size = abs(np.median(torso[frames]) / ref_torso - 1) < 0.2
        same_place = np.linalg.norm(np.median(centre[frames], axis=0) - ref_centre) < ref_torso
        if not (same_size and same_place):
            out[frames] = True
    return out


def _pair_order(series: LandmarkSeries) -> np.ndarray:
    """Frames x pairs: +1 when the left landmark is right of the right one in the picture, -1 the other way, 0 unsure."""
    cols = []
    for left, right in PAIRS:
        dx = series.image[:, left, 0] - series.image[:, right, 0]
        usual = np.nanmedian(np.abs(dx)) if np.isfinite(dx).any() else 0.0
        cols.append(np.where(np.abs(dx) > MIN_SPREAD * usual, np.sign(dx), 0.0))
    return np.nan_to_num(np.stack(cols, axis=-1))


def frontal_swaps(series: LandmarkSeries) -> tuple[np.ndarray, np.ndarray]:
    """(whole-body swaps, mixed frames) of a subject seen from the front.

    The subject faces one way all through a frontal test, so the order of the
    shoulders and of the hips across the picture is the same in every frame.
    Both pairs reversed: the model swapped every label (repairable). One pair
    reversed: the labels are mixed (unusable).
    """
    order = _pair_order(series)
    facing = np.sign(np.sum(order))
    reversed_ = order == -facing
    return reversed_.all(axis=1), reversed_.any(axis=1) & ~reversed_.all(axis=1)


def relabel(series: LandmarkSeries, frames: np.ndarray) -> LandmarkSeries:
    """Give these frames' left and right landmarks back their own labels."""
    if not frames.any():
        return series
    image, vis, world = series.image.copy(), series.visibility.copy(), series.world.copy()
    image[frames] = image[frames][:, MIRROR_PERMUTATION]
    vis[frames] = vis[frames][:, MIRROR_PERMUTATION]
    world[frames] = world[frames][:, MIRROR_PERMUTATION]
    return replace(series, image=image, visibility=vis, world=world)


@dataclass(frozen=True)
class SubjectCheck:
    """What keeping one subject did to a series: frames relabelled and frames set aside."""

    series: LandmarkSeries
    relabelled: int
    notes: tuple[str, ...]


def keep_subject(series: LandmarkSeries, frontal: bool) -> SubjectCheck:
    """Set aside frames where the track left the subject; from the front, repair or set aside side swaps."""
    notes = []
    jumped = track_jumps(series)
    series = series.exclude(jumped, Excluded.JUMPED)
    if jumped.any():
        notes.append(f"{jumped.sum() / series.fps:.1f} s were left out: the tracking jumped away from the subject.")
    relabelled = 0
    if frontal:
        swapped, mixed = frontal_swaps(series)
        series = relabel(series, swapped).exclude(mixed, Excluded.SWAPPED)
        relabelled = int(swapped.sum())
        if relabelled:
            notes.append(f"The pose model swapped left and right in {relabelled} frames; they were relabelled.")
        if mixed.any():
            notes.append(f"{mixed.sum()} frames were left out: the pose model mixed up left and right.")
    return SubjectCheck(series, relabelled, tuple(notes))


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



Box = tuple[float, float, float, float]      # x0, y0, x1, y1 in pixels
MIN_OTHER_SIZE = 0.25        # another person's landmarks span at least this share of the subject's height
MIN_OTHER_TRUNK = 0.7        # and their shoulders and hips are clearly seen
NEAR = 0.1                   # within this share of the subject's height, someone who vanishes went behind them


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
    checks: list[tuple[int, bool]]
    beside: int = 0                          # checks with another person in view, apart from the subject
    _hidden: bool = False                    # someone went behind the subject and has not come out
    _overlapping: bool = False               # the last check found an overlap

    def check(self, frame: int, subject: np.ndarray, other: tuple[np.ndarray, np.ndarray] | None) -> None:
        height = float(np.nanmax(subject[:, 1]) - np.nanmin(subject[:, 1]))
        hidden_region = person_box(subject, grow=0.15)
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
