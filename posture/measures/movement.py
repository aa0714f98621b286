"""What the range-of-motion tests share: filtering a signal and finding its trials."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.errors import TrialError
from posture.landmarks import LandmarkSeries
from posture.measures.common import AnalysisConfig
from posture.measures.stillness import neutral_level
from posture.trials import Trial, effective_cutoff, lowpass, segment_trials


@dataclass(frozen=True)
class Movement:
    """A filtered angle series, its neutral level and the usable trials."""

    signal: np.ndarray
    baseline: float
    trials: tuple[Trial, ...]
    notes: tuple[str, ...]

    def peak_window(self, trial: Trial, series: LandmarkSeries, hold_s: float) -> slice:
        """Frames around a trial's peak, as long as the peak must be held."""
        half = max(1, int(round(hold_s * series.fps / 2)))
        return slice(max(trial.peak - half, trial.start), min(trial.peak + half + 1, trial.end))


def find_movement(raw: np.ndarray, series: LandmarkSeries, config: AnalysisConfig,
                  min_excursion: float, directions: tuple[int, ...], filtered: bool = False) -> Movement:
    """Filter the signal (unless already `filtered`) and segment its trials.

    Trials broken by a long tracking gap or by set-aside frames, or cut short by them, are dropped with a note
    (the seconds counted run to the frame after the cut); no trial at all is a TrialError that says what movement
    was expected.
    """
    signal = np.array(raw, float) if filtered else lowpass(raw, series.t, config.filter)
    signal[series.excluded > 0] = np.nan      # never bridged: a trial through set-aside frames is dropped
    notes: list[str] = []
    usable = effective_cutoff(config.filter.cutoff_hz, series.fps)
    if usable < config.filter.cutoff_hz:
        notes.append(f"Filter cutoff lowered to {usable:.1f} Hz for the {series.fps:.0f} fps recording.")
    seg = segment_trials(signal, series.t, min_excursion, directions, config.peak_hold_s,
                         baseline=neutral_level(signal, series.t))
    kept, dropped = [], []
    for k, trial in enumerate(seg.trials, start=1):
        # One frame either side too: a repetition that stops where the frames were lost did not end, it was cut.
        around_it = slice(max(trial.start - 1, 0), trial.end + 1)
        lost = np.isnan(signal[around_it])
        if lost.any():
            seconds = lost.sum() / series.fps
            why = series.exclusion_reasons(around_it)
            dropped.append(f"{why[0]} for {seconds:.1f} s" if why else f"the person was lost for {seconds:.1f} s")
            notes.append(f"Trial {k} was dropped: {dropped[-1]} during the movement.")
        else:
            kept.append(trial)
    if not kept and dropped:
        raise TrialError(f"No repetition could be measured, because {dropped[0]} during the movement: record it again.")
    if not kept:
        raise TrialError("No complete repetition of the movement was found: start standing still, move "
                         f"at least {min_excursion:g} degrees and come back, with the whole body in view.")
    return Movement(signal, seg.baseline, tuple(kept), tuple(notes))


def around(values: np.ndarray, frames: slice) -> float:
    """Median of a per-frame value over a window, NaN-safe."""
    w = values[frames]
    return float(np.nanmedian(w)) if np.isfinite(w).any() else float("nan")
