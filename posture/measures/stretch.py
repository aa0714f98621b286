"""The usable stretch of an interrupted recording: measured on the part that holds the test, the rest said.

A clinic recording is often cut: the camera goes to a close-up for a few
seconds, someone walks out of the picture and back. A recording in which the
subject is lost, or their trunk out of the picture, for CUT_S or more is
interrupted, and a measurement across the interruption would mix two takes:
each stretch in view (shorter gaps joined) is tried instead, longest first,
and the first that holds everything the test needs (a
still neutral, whole repetitions, every check of `measure`) is measured, with
a note of what was left out. When none does, the recording is refused.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from posture.errors import PostureError, TrialError
from posture.landmarks import LandmarkSeries
from posture.measures import Measured, measure
from posture.measures.common import FRAMING_MARGIN, WHOLE_BODY, AnalysisConfig, in_frame
from posture.trials import true_runs

TRIED = 3           # stretches tried, longest first
CUT_S = 1.0         # the subject out of view (`in_view`) this long: the recording is interrupted


def in_view(series: LandmarkSeries) -> np.ndarray:
    """Per frame: the subject was found, with the trunk (shoulders and hips) inside the picture. A head or feet cut
    off at the peak of a movement is no interruption (`check_person` judges the framing)."""
    trunk = [*WHOLE_BODY["shoulders"], *WHOLE_BODY["hips"]]
    return series.detected & in_frame(series, margin=FRAMING_MARGIN * series.width)[:, trunk].all(axis=1)


def stretches(series: LandmarkSeries) -> list[tuple[int, int]]:
    """(start, stop) of each stretch in view, joined over gaps shorter than CUT_S (no interruption), longest
    first."""
    runs = true_runs(in_view(series))
    joined: list[tuple[int, int]] = []
    for start, stop in runs:
        if joined and series.t[start] - series.t[joined[-1][1] - 1] < CUT_S:
            joined[-1] = (joined[-1][0], stop)
        else:
            joined.append((start, stop))
    return sorted(joined, key=lambda r: series.t[r[1] - 1] - series.t[r[0]], reverse=True)


def interruptions(series: LandmarkSeries) -> list[tuple[float, float]]:
    """(from, to) seconds of each stretch of CUT_S or more, between frames in view, in which the subject was not
    (`in_view`): the camera elsewhere, the subject gone, the recording cut."""
    seen = np.flatnonzero(in_view(series))
    if len(seen) < 2:
        return []
    t = series.t[seen]
    return [(float(a), float(b)) for a, b in zip(t[:-1], t[1:]) if b - a >= CUT_S]


def measure_usable(series: LandmarkSeries, test: str, config: AnalysisConfig = AnalysisConfig()) -> Measured:
    """`measure` on the whole recording, or, when it is interrupted, on its longest stretch in one take that holds
    the test (frame numbers, the neutral's start among them, stay the recording's).

    An interrupted recording whose every part fails is refused: with the whole recording's refusal when it has one,
    else because no part in one take holds the test (a measurement across a cut is never made).
    """
    cuts = interruptions(series)
    if not cuts:
        return measure(series, test, config)
    for start, stop in stretches(series)[:TRIED]:
        try:
            measured = measure(series[start:stop], test, config)
        except PostureError:
            continue
        return _shifted(measured, start, _left_out(series, start, stop))
    measure(series, test, config)              # the whole recording's refusal, when it has one, is the answer
    a, b = cuts[0]
    raise TrialError(f"The recording is interrupted (the subject was out of view from {a:.1f} to {b:.1f} s) and no "
                     "part of it in one take holds the test: record it again in one take, with the whole body in view.")


def _left_out(series: LandmarkSeries, start: int, stop: int) -> str:
    t = series.t
    parts = [f"{t[0]:.1f} to {t[start]:.1f} s" if start else "",
             f"{t[stop - 1]:.1f} to {t[-1]:.1f} s" if stop < len(series) else ""]
    return (f"Measured on {t[start]:.1f} to {t[stop - 1]:.1f} s of the recording, in one take; "
            f"{' and '.join(p for p in parts if p)} were left out (the subject out of the picture or the camera "
            "elsewhere).")


def _shifted(measured: Measured, start: int, note: str) -> Measured:
    result = measured.result
    result = replace(result, notes=result.notes + (note,),
                     trial_frames=tuple((a + start, b + start, c + start) for a, b, c in result.trial_frames))
    return replace(measured, start=measured.start + start, result=result)
