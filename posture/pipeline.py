"""Video file to landmark series to test result: the I/O edge around the pure core.

Tracking (video to landmarks) needs no measure: a batch worker, which only tracks, never loads them.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from posture import limits
from posture.calibration import CameraProfile
from posture.errors import VideoError
from posture.landmarks import Excluded, LandmarkSeries
from posture.others import SUBJECT_MARGIN, ClearView, OthersWatch, next_look, person_box
from posture.pose import MediaPipePose, PoseDetector, PoseEstimator, track
from posture.video import VideoInfo, probe, read_frames
from posture.workers import SPAWN, process_pool

if TYPE_CHECKING:
    from posture.analysis import Analysis
    from posture.measures import AnalysisConfig

HEAVY_NOTE = ("Landmarks from BlazePose heavy, which was no more accurate than full on the sweep "
              "(docs/accuracy.md); the uncertainties shown were measured with full.")
CHECKS_PER_S = 2.0           # how often the subject is hidden to look for someone else
MIN_CHECKS = 8


class LookBeside:
    """Looks for someone other than the subject: the subject's box filled in, BlazePose's detector looks.

    Only when the detector finds someone does the landmark model run (single-image mode, the same detector
    first), for `OthersWatch` to judge whether it is a person; most looks find nobody and cost the detector
    alone.
    """

    def __init__(self) -> None:
        self._detector: PoseDetector | None = None
        self._single: MediaPipePose | None = None

    def __call__(self, rgb: np.ndarray, subject: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        masked = hide_subject(rgb, subject)
        self._detector = self._detector or PoseDetector()
        if not self._detector.anyone(masked):
            return None
        self._single = self._single or MediaPipePose(video_mode=False)
        found = self._single.detect(masked)
        return None if found is None else (found[0], found[1])

    def close(self) -> None:
        for graph in (self._detector, self._single):
            if graph is not None:
                graph.close()


def hide_subject(rgb: np.ndarray, subject: np.ndarray) -> np.ndarray:
    """A copy of the frame with the subject's box (grown by SUBJECT_MARGIN) filled in with the picture's median
    colour, for the detector to look for someone else."""
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = (int(v) for v in np.clip(person_box(subject, grow=SUBJECT_MARGIN), 0, [w, h, w, h]))
    masked = rgb.copy()
    masked[y0:y1, x0:x1] = np.median(rgb[::8, ::8].reshape(-1, 3), axis=0)
    return masked


class WatchingForOthers:
    """A pose estimator that every few frames also hides the subject and looks for someone else.

    Looks come every `every` frames, closer together at the start (`next_look`), so that a short clip is
    looked at often enough whatever its header claims; what they find is judged in `OthersWatch`. Frames are
    numbered from `first` (a part of a recording tracked on its own starts there).

    A look is skipped when it could only see what earlier looks that found nobody saw: every part of the
    picture apart from the subject was seen by one of them and has not changed since (`others.ClearView`, on
    small thumbnails). The same picture gives the same answer, for a fraction of a millisecond instead of the
    detector's 5 ms. A look is made at least every LOOK_AT_LEAST_S.
    """

    LOOK_AT_LEAST_S = 2.0

    def __init__(self, estimator: PoseEstimator, every: int, width: int, height: int, first: int = 0,
                 look: LookBeside | None = None):
        self.estimator, self.every = estimator, max(1, every)
        self.watch = OthersWatch(width, height)
        self.looks = 0                           # looks made (the rest were skipped)
        self._own_look = look is None            # a look given is the caller's, kept open for its next recording
        self._look = look or LookBeside()
        self._frame = first - 1
        self._next = first       # the frame of the next look (the first one the subject is found in from there)
        self._view = ClearView(width, height)                # what looks that found nobody saw
        self._last = self._frame                             # the frame of the last look made

    def detect(self, rgb: np.ndarray):
        self._frame += 1
        found = self.estimator.detect(rgb)
        if found is not None and self._frame >= self._next:
            self._check(rgb, found[0])
            self._next = next_look(self._frame, self.every, MIN_CHECKS)
        return found

    def _check(self, rgb: np.ndarray, subject: np.ndarray) -> None:
        thumb, box = thumbnail(rgb), person_box(subject, grow=SUBJECT_MARGIN)
        recent = self._frame - self._last < self.LOOK_AT_LEAST_S * CHECKS_PER_S * self.every
        if recent and not self._view.would_see_new(thumb, box):
            self.watch.check(self._frame, subject, None)
            return
        other = self._look(rgb, subject)
        self.looks, self._last = self.looks + 1, self._frame
        self.watch.check(self._frame, subject, other)
        self._view.looked(thumb, box, anyone=other is not None or self.watch.checks[-1][1])

    def close(self) -> None:
        if self._own_look:
            self._look.close()


def thumbnail(rgb: np.ndarray) -> np.ndarray:
    """The frame as a 64 x 48 RGB picture, for `others.ClearView` (every 4th pixel first: 0.1 ms)."""
    import cv2

    return cv2.resize(np.ascontiguousarray(rgb[::4, ::4]), (64, 48), interpolation=cv2.INTER_AREA)


def others_noted(series: LandmarkSeries, watch: OthersWatch) -> LandmarkSeries:
    """The series with the frames someone overlapped set aside, and a note when someone stood apart."""
    series = series.exclude(watch.overlapped(len(series)), Excluded.OVERLAP)
    notes = []
    if watch.beside:
        notes.append("Another person was in view beside the subject; only the subject was measured.")
    hidden = (series.excluded == Excluded.OVERLAP).sum()
    if hidden:
        notes.append(f"{hidden / max(series.fps, 1):.1f} s were left out: another person overlapped the subject.")
    return replace(series, notes=series.notes + tuple(notes))


def landmarks_from_video(path: str | Path | VideoInfo, estimator: PoseEstimator | None = None,
                         on_frame: Callable[[], None] | None = None, stride: int = 1,
                         check_crowd: bool = True, model: str = "full", workers: int = 1,
                         look: LookBeside | None = None) -> LandmarkSeries:
    """Run pose tracking over a video file, setting aside frames where someone else overlapped the subject.

    model: the BlazePose landmark model ("full" or "heavy") when no estimator is given. workers: processes
    for a recording of PART_MIN_S or longer, tracked in that many parts at once (`plan_parts`, `join_parts`).
    look: the look for others to use, kept open (a batch worker's, reused for every recording: its detector's
    start costs 40 ms); None: one made and closed here (always so for a recording tracked in parts).
    Raises for unreadable and empty files, and a stride below 1.
    """
    limits.stride(stride)
    info = path if isinstance(path, VideoInfo) else probe(path)
    own = estimator is None
    parts = plan_parts(info.frame_count, info.fps, stride, workers if own else 1)
    if len(parts) > 1:
        series, watch = _track_in_parts(info, parts, stride, model, check_crowd, on_frame)
    else:
        estimator = estimator or MediaPipePose(video_mode=True, model=model)
        try:
            series, watch = track_part(info, 0, None, stride, estimator, check_crowd, on_frame, look)
        finally:
            if own:
                estimator.close()
    if len(series) == 0:
        raise VideoError(f"{info.path.name} holds no frames that could be decoded: record it again.")
    if len(series) < 2 and stride > 1:
        raise VideoError(f"--stride {stride} leaves {len(series)} frame of the {info.frame_count} in "
                         f"{info.path.name}: use a smaller --stride.")
    if own and model != "full":
        series = replace(series, notes=series.notes + (HEAVY_NOTE,))
    return others_noted(series, watch) if watch is not None else series


def track_part(info: VideoInfo, start: int, stop: int | None, stride: int, estimator: PoseEstimator,
               check_crowd: bool, on_frame: Callable[[], None] | None = None, look: LookBeside | None = None
               ) -> tuple[LandmarkSeries, OthersWatch | None]:
    """Landmarks of video frames start..stop (every stride-th), and the look for others over them."""
    fps = info.fps / stride if info.fps else 30.0
    every = max(1, int(round(fps / CHECKS_PER_S)))     # short clips: more looks at the start (next_look)
    watching = WatchingForOthers(estimator, every, info.width, info.height, start // stride, look) \
        if check_crowd else None
    try:
        series = track(read_frames(info, stride, start, stop), watching or estimator, info.width, info.height,
                       on_frame)
    finally:
        if watching is not None:
            watching.close()
    return series, watching.watch if watching is not None else None


# Long recordings: tracked in parts, one per core, joined where two parts agree best.

PART_MIN_S = 60.0       # a recording at least this long (as its header says) is tracked in parts
JOIN_S = 2.0            # each part after the first starts this much earlier: the two are joined in this overlap

Part = tuple[int, int | None]        # video frames start..stop (None: to the end)


def plan_parts(frame_count: int, fps: float, stride: int, workers: int) -> list[Part]:
    """The parts a recording is tracked in: one per worker, each after the first starting JOIN_S early.

    Starts are multiples of the stride, so that a part's frames are the ones a single pass would analyse;
    the last part reads to the end, however long the header says the recording is.
    """
    if workers < 2 or not fps or frame_count / fps < PART_MIN_S:
        return [(0, None)]
    overlap = int(round(JOIN_S * fps / stride)) * stride
    bounds = [k * frame_count // workers // stride * stride for k in range(workers)]
    return [(max(0, b - overlap) if k else 0, bounds[k + 1] if k + 1 < workers else None)
            for k, b in enumerate(bounds)]


def join_frame(a: LandmarkSeries, b: LandmarkSeries) -> int:
    """Where to go over from a to b, two series of the same frames (an overlap): the frame in the later half
    where their landmarks agree best (b's tracker has settled by then), the end when nobody is found."""
    half = len(a) // 2
    both = a.detected[half:] & b.detected[half:]
    if not both.any():
        return len(a)
    gap = np.full(len(both), np.inf)
    gap[both] = np.median(np.linalg.norm(a.image[half:][both] - b.image[half:][both], axis=2), axis=1)
    return half + int(np.argmin(gap))


def join_parts(parts: list[tuple[int, LandmarkSeries, OthersWatch | None]]) -> tuple[LandmarkSeries,
                                                                                     OthersWatch | None]:
    """One series from parts tracked on their own, each (its first frame's index, series, look for others).

    Where two parts overlap, the earlier one is kept up to `join_frame` and the later one from there; the
    looks for others likewise.
    """
    first, series, watch = parts[0]
    pieces, checks = [series], list(watch.checks) if watch else []
    end, beside = first + len(series), watch.beside if watch else 0
    for start, nxt, nwatch in parts[1:]:
        if len(nxt) == 0 or start > end:       # the recording ended before this part (its header said more)
            break
        overlap = end - start
        j = start + join_frame(pieces[-1][len(pieces[-1]) - overlap:], nxt[:overlap])
        pieces[-1] = pieces[-1][:len(pieces[-1]) - (end - j)]
        pieces.append(nxt[j - start:])
        if nwatch:
            checks = [c for c in checks if c[0] < j] + [c for c in nwatch.checks if c[0] >= j]
            beside += nwatch.beside
        end = start + len(nxt)
    joined = LandmarkSeries.concat(pieces)
    return joined, OthersWatch(series.width, series.height, checks, beside) if watch else None


_progress = None      # in a part's worker process: the queue that carries its frame count back


def _part_worker(progress) -> None:
    global _progress
    _progress = progress


def _track_one_part(info: VideoInfo, start: int, stop: int | None, stride: int, model: str,
                    check_crowd: bool) -> tuple[int, LandmarkSeries, OthersWatch | None]:
    """In a worker process: one part's landmarks (with a fresh tracker), reporting its frames every 10."""
    count = [0]

    def tick() -> None:
        count[0] += 1
        if count[0] % 10 == 0:
            _progress.put(10)

    with MediaPipePose(video_mode=True, model=model) as estimator:
        series, watch = track_part(info, start, stop, stride, estimator, check_crowd, tick)
    _progress.put(count[0] % 10)
    return start // stride, series, watch


def _track_in_parts(info: VideoInfo, parts: list[Part], stride: int, model: str, check_crowd: bool,
                    on_frame: Callable[[], None] | None) -> tuple[LandmarkSeries, OthersWatch | None]:
    """Each part in a process of its own (started for this recording, ending with it), then joined."""
    from concurrent.futures import wait
    from concurrent.futures.process import BrokenProcessPool

    progress = SPAWN.Queue()
    with process_pool(len(parts), _part_worker, (progress,)) as pool:
        futures = [pool.submit(_track_one_part, info, start, stop, stride, model, check_crowd)
                   for start, stop in parts]
        while wait(futures, timeout=0.2).not_done or not progress.empty():
            while not progress.empty():
                for _ in range(progress.get()):
                    if on_frame:
                        on_frame()
        try:
            return join_parts([f.result() for f in futures])
        except BrokenProcessPool:
            raise VideoError(f"{info.path.name}: a process tracking part of it stopped (killed, or out of memory); "
                             "nothing was kept: analyse it again.") from None


def load_series(path: Path) -> LandmarkSeries:
    """A saved landmark series, or VideoError when the file is not one."""
    if not path.exists():
        raise VideoError(f"{path} does not exist: check the file name and folder.")
    try:
        return LandmarkSeries.load(path)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise VideoError(f"{path.name} is not a landmark file saved by posture ({e}).") from e


def analyse_video(path: str | Path, test: str, config: AnalysisConfig | None = None,
                  mirrored: bool = False, height_cm: float | None = None,
                  on_frame: Callable[[], None] | None = None,
                  profile: CameraProfile | None = None, model: str = "full",
                  workers: int | None = None, let_choose: bool = False) -> Analysis:
    """A video (or a saved .npz series) analysed for one test (analysis.AUTO: recognised): its landmarks, then the
    one entry (analysis.analyse_landmarks).

    profile: the camera's calibration (undistortion, roll, scale). model: the pose model for a video.
    workers: processes for a long recording (None: one per core; see `plan_parts`).
    let_choose: a recognised test the tool is not sure of comes with each candidate measured (analysis.py).
    Scale: config.cm_per_px, else from height_cm (the subject standing still), else the profile's.
    """
    from posture.analysis import analyse_landmarks
    from posture.measures import AnalysisConfig

    path = Path(path)
    if path.suffix == ".npz":
        series = load_series(path)
    else:
        series = landmarks_from_video(path, on_frame=on_frame, model=model,
                                      workers=workers or os.cpu_count() or 1)
    return analyse_landmarks(series, test, config or AnalysisConfig(), profile, mirrored, height_cm, let_choose)
