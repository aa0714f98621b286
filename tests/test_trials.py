import numpy as np
import pytest

from posture.trials import (FilterConfig, OneEuroFilter, effective_cutoff, fill_gaps, lowpass, mdc95,
                            repeatability, robust_peak, segment_trials)
from posture.measures.stillness import neutral_level
from posture.synthetic.scene import trial_profile


def test_short_gaps_are_bridged_long_ones_kept():
    t = np.arange(100) / 30
    x = np.sin(t)
    y = x.copy()
    y[10:15] = np.nan          # 0.17 s
    y[50:80] = np.nan          # 1 s
    filled = fill_gaps(y, t, max_gap_s=0.5)
    assert np.allclose(filled[10:15], x[10:15], atol=0.005)   # linear-interpolation bound h^2/8
    assert np.isnan(filled[50:80]).all()


def test_zero_phase_filter_keeps_the_peak_in_time_and_height():
    fps = 30
    clean = 60 * trial_profile(fps, trials=1)
    t = np.arange(len(clean)) / fps
    noisy = clean + np.random.default_rng(0).normal(0, 2, len(t))
    smooth = lowpass(noisy, t)
    assert np.std(smooth - clean) < 1.0   # 3 Hz of 15 Hz Nyquist: noise SD more than halved
    rise = lambda x: np.argmax(x > 30)                     # half-height crossing
    assert abs(rise(smooth) - rise(clean)) <= 2           # no lag: zero phase
    assert smooth.max() == pytest.approx(60, abs=2)


def test_cutoff_follows_low_frame_rates():
    assert effective_cutoff(3.0, 30) == 3.0
    assert effective_cutoff(3.0, 5) == pytest.approx(2.0)
    t = np.arange(40) / 5.0
    assert np.isfinite(lowpass(np.sin(t), t, FilterConfig(cutoff_hz=3.0))).all()


def test_one_frame_spike_is_not_a_peak():
    x = np.zeros(60)
    x[20:35] = 40.0           # held 0.5 s at 30 fps
    x[45] = 90.0              # a single-frame glitch
    i, value = robust_peak(x, fps=30, hold_s=0.3)
    assert value == pytest.approx(40.0) and 20 <= i < 35


def test_one_euro_is_causal_and_settles():
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    out = [f(10.0 if k >= 30 else 0.0, k / 30) for k in range(120)]
    assert out[29] == 0.0                     # nothing before the step leaks in
    assert 0 < out[31] < 10 and out[-1] == pytest.approx(10.0, abs=0.05)


def test_trials_are_segmented_with_their_peaks():
    fps = 30
    prof = trial_profile(fps, trials=3)
    x = 5.0 + 70.0 * prof
    t = np.arange(len(x)) / fps
    assert neutral_level(x, t) == pytest.approx(5.0)             # the opening second, where it stands still
    seg = segment_trials(x, t, min_excursion=10, baseline=neutral_level(x, t))
    assert seg.baseline == pytest.approx(5.0)
    assert len(seg.trials) == 3
    for tr in seg.trials:
        assert tr.peak_value == pytest.approx(70.0, abs=0.01)
        assert tr.start < tr.peak < tr.end


def test_two_sided_trials_are_signed():
    fps = 30
    prof = trial_profile(fps, trials=2)
    sign = np.where(np.arange(len(prof)) < len(prof) // 2 + fps, 1.0, -1.0)
    x = 20.0 * prof * sign
    seg = segment_trials(x, np.arange(len(x)) / fps, min_excursion=5, directions=(1, -1), baseline=0.0)
    assert [tr.direction for tr in seg.trials] == [1, -1]
    assert [round(tr.peak_value) for tr in seg.trials] == [20, -20]


def test_repeatability_and_minimal_detectable_change():
    rep = repeatability([60.0, 62.0, 64.0])
    assert (rep.median, rep.maximum, rep.n) == (62.0, 64.0, 3)
    assert rep.spread == pytest.approx(2.0)
    assert mdc95(2.0) == pytest.approx(1.96 * np.sqrt(2) * 2.0)
