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
from posture.measures.angles import trunk_length

JUMP_TORSOS = 0.6          # the body centre moving more than this many torso lengths in one frame is not a person
SIZE_JUMP = 1.35           # nor is the torso length changing by more than this factor from one frame to the next
PAIRS = ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP))
MIN_SPREAD = 0.15          # a pair narrower than this share of its usual width has no reliable order


def track_jumps(series: LandmarkSeries, max_gap_s: float = 0.5) -> np.ndarray:
    """Frames that are not the subject: the track jumped away (position or size) and had not come back.

    The subject is the longest stretch without a jump; other stretches of the
    same size and place (the track came back) are the subject too.
    """
    centre = (series.midpoint(L.LEFT_SHOULDER, L.RIGHT_SHOULDER) + series.midpoint(L.LEFT_HIP, L.RIGHT_HIP)) / 2
    torso = trunk_length(series)
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
    """The series with one subject's frames only, and what was done to it, in words."""

    series: LandmarkSeries
    notes: tuple[str, ...]


def keep_subject(series: LandmarkSeries, frontal: bool) -> SubjectCheck:
    """Set aside frames where the track left the subject (found here, or before the analysis's clock: clock.py); from
    the front, repair or set aside side swaps."""
    notes = []
    series = series.exclude(track_jumps(series), Excluded.JUMPED)
    jumped = series.excluded == Excluded.JUMPED
    if jumped.any():
        notes.append(f"{jumped.sum() / series.fps:.1f} s were left out: the tracking jumped away from the subject.")
    if frontal:
        swapped, mixed = frontal_swaps(series)
        series = relabel(series, swapped).exclude(mixed, Excluded.SWAPPED)
        if swapped.any():
            notes.append(f"The pose model swapped left and right in {swapped.sum()} frames; they were relabelled.")
        if mixed.any():
            notes.append(f"{mixed.sum()} frames were left out: the pose model mixed up left and right.")
    return SubjectCheck(series, tuple(notes))
