"""Time series work: gaps, filters, still periods, trial segmentation, robust peaks."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posture.errors import TrialError


@dataclass(frozen=True)
class FilterConfig:
    """Low-pass settings; the cutoff drops below Nyquist at low frame rates, and says so."""

    cutoff_hz: float = 3.0
    max_gap_s: float = 0.5


def fill_gaps(x: np.ndarray, t: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Linearly bridge NaN runs no longer than max_gap_s; longer runs stay NaN."""
    x = np.asarray(x, float).copy()
    bad = np.isnan(x)
    if not bad.any() or bad.all():
        return x
    good = np.flatnonzero(~bad)
    for start, stop in true_runs(bad):
        if start == 0 or stop == len(x):
            continue
        if t[stop] - t[start - 1] <= max_gap_s:
            x[start:stop] = np.interp(t[start:stop], t[good], x[good])
    return x


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of every run of True in a boolean array."""
    padded = np.concatenate([[False], mask, [False]]).astype(int)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def effective_cutoff(cutoff_hz: float, fps: float) -> float:
    """The cutoff actually usable at this frame rate (at most 0.8 of Nyquist)."""
    return min(cutoff_hz, 0.4 * fps)


def lowpass(x: np.ndarray, t: np.ndarray, config: FilterConfig = FilterConfig()) -> np.ndarray:
    """Zero-phase Butterworth low-pass of every NaN-free stretch (offline use).

    Zero phase keeps peaks where they happened; short gaps are bridged first.
    """
    from scipy.signal import butter, filtfilt     # 0.45 s to import: loaded by what filters offline, only

    x = fill_gaps(x, t, config.max_gap_s)
    if len(t) < 2:
        return x
    fps = 1.0 / float(np.median(np.diff(t)))
    b, a = butter(2, effective_cutoff(config.cutoff_hz, fps) / (fps / 2))
    out = x.copy()
    for start, stop in true_runs(~np.isnan(x)):
        if stop - start > 3 * max(len(a), len(b)):
            out[start:stop] = filtfilt(b, a, x[start:stop])
    return out


def lowpass_columns(x: np.ndarray, t: np.ndarray, config: FilterConfig = FilterConfig()) -> np.ndarray:
    """`lowpass` of every column of x (frames x columns): the same numbers, in one filter pass when no column has a
    gap (the live check asks this several times a second)."""
    x = np.asarray(x, float)
    if np.isnan(x).any() or len(t) < 2:
        return np.stack([lowpass(x[:, k], t, config) for k in range(x.shape[1])], axis=1)
    from scipy.signal import butter, filtfilt

    fps = 1.0 / float(np.median(np.diff(t)))
    b, a = butter(2, effective_cutoff(config.cutoff_hz, fps) / (fps / 2))
    return filtfilt(b, a, x, axis=0) if len(x) > 3 * max(len(a), len(b)) else x.copy()


class OneEuroFilter:
    """Causal adaptive low-pass for live series (Casiez et al., 2012).

    Little lag when moving fast, strong smoothing when still; it uses the real
    time between samples, so a dropping frame rate does not break it.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.05, d_cutoff: float = 1.0):
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self._x: float | None = None
        self._dx = 0.0
        self._t = 0.0

    @staticmethod
    def _alpha(cutoff: float, dt: float) -> float:
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, x: float, t: float) -> float:
        if self._x is None or t <= self._t:
            self._x, self._t = x, t
            return x
        dt = t - self._t
        dx = (x - self._x) / dt
        self._dx += self._alpha(self.d_cutoff, dt) * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * abs(self._dx)
        self._x += self._alpha(cutoff, dt) * (x - self._x)
        self._t = t
        return self._x


def longest_still_period(speed: np.ndarray, t: np.ndarray, limit: float) -> tuple[int, int]:
    """(start, stop) frames of the longest run with speed below limit."""
    runs = true_runs(np.nan_to_num(speed, nan=np.inf) < limit)
    if not runs:
        return 0, 0
    return max(runs, key=lambda r: t[r[1] - 1] - t[r[0]])


@dataclass(frozen=True)
class Trial:
    """One repetition: leaving neutral, the robust peak, and the return (frame indices)."""

    start: int
    peak: int
    end: int
    direction: int       # +1 or -1
    peak_value: float    # robust peak relative to baseline, signed


@dataclass(frozen=True)
class Segmentation:
    baseline: float
    trials: tuple[Trial, ...]


def robust_peak(x: np.ndarray, fps: float, hold_s: float = 0.3) -> tuple[int, float]:
    """Highest value held for at least hold_s: max over the rolling minimum.

    A one-frame spike cannot become the peak. Returns (index, value).
    """
    w = max(1, int(round(hold_s * fps)))
    if len(x) <= w:
        i = int(np.nanargmin(x))
        return i, float(x[i])
    windows = np.lib.stride_tricks.sliding_window_view(x, w)
    held = windows.min(axis=1)
    j = int(np.nanargmax(held))
    return j + w // 2, float(held[j])


def segment_trials(x: np.ndarray, t: np.ndarray, min_excursion: float,
                   directions: tuple[int, ...] = (1,), hold_s: float = 0.3, *, baseline: float) -> Segmentation:
    """Split a filtered series into repetitions away from its neutral level (`baseline`) and back.

    A trial is a stretch beyond max(min_excursion, 35% of the largest excursion
    that way) lasting at least hold_s, widened to where it left and regained neutral.
    """
    base = baseline
    fps = 1.0 / float(np.median(np.diff(t)))
    rel = x - base
    trials: list[Trial] = []
    for sign in directions:
        y = sign * rel
        biggest = np.nanmax(y) if np.isfinite(y).any() else 0.0
        threshold = max(min_excursion, 0.35 * biggest)
        for start, stop in true_runs(np.nan_to_num(y, nan=-np.inf) > threshold):
            if t[stop - 1] - t[start] < hold_s:
                continue
            lo, hi = start, stop
            while lo > 0 and np.nan_to_num(y[lo - 1], nan=0.0) > 0.3 * threshold:
                lo -= 1
            while hi < len(y) and np.nan_to_num(y[hi], nan=0.0) > 0.3 * threshold:
                hi += 1
            i, value = robust_peak(y[start:stop], fps, hold_s)
            trials.append(Trial(lo, start + i, hi, sign, float(sign * value)))
    trials.sort(key=lambda tr: tr.start)
    return Segmentation(base, tuple(trials))


@dataclass(frozen=True)
class Repeatability:
    """Summary of repeated trial peaks (same unit as the peaks)."""

    median: float
    maximum: float
    spread: float      # sample standard deviation, 0 for a single trial
    n: int

    @property
    def sem(self) -> float:
        """Standard error of measurement, from the trial-to-trial spread."""
        return self.spread


def repeatability(values: list[float] | np.ndarray) -> Repeatability:
    """Median, max (by magnitude) and spread of trial peaks."""
    v = np.asarray(values, float)
    if len(v) == 0:
        raise TrialError("No repetition of the movement was found.")
    spread = float(np.std(v, ddof=1)) if len(v) > 1 else 0.0
    return Repeatability(float(np.median(v)), float(v[np.argmax(np.abs(v))]), spread, len(v))


def mdc95(sem: float) -> float:
    """Minimal detectable change at 95% confidence: 1.96 * sqrt(2) * SEM."""
    return 1.96 * math.sqrt(2.0) * sem
