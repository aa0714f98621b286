"""Which test does a recording show? From the view and the movement, for "let the tool recognise it"."""

from __future__ import annotations

import numpy as np

from posture.errors import NoPersonError
from posture.landmarks import LandmarkSeries
from posture.measures.common import view_ratio
from posture.measures.stillness import standing_frames
from posture.measures.angles import facing_direction, trunk_inclination, trunk_lateral_lean
from posture.measures.registry import TESTS
from posture.measures.rotation import foreshortening_rotation
from posture.trials import FilterConfig, lowpass

SIDE_ON_RATIO = 0.3      # shoulder and hip width over torso length below this: a side view


def _excursion(signal: np.ndarray, series: LandmarkSeries, neutral: np.ndarray) -> float:
    """Largest filtered departure from the neutral level, degrees."""
    smooth = lowpass(signal, series.t)
    return float(np.nanmax(np.abs(smooth - np.nanmedian(smooth[neutral]))))


def recognise_test(series: LandmarkSeries, roll: float = 0.0) -> str:
    """The test name: side view bending (forward-bend) or still; front view leaning, turning or still (roll: the
    camera's, degrees, for where the subject stood still and upright)."""
    if not series.detected.any():
        raise NoPersonError("No person was found in the video, so the test cannot be recognised.")
    neutral = standing_frames(series, roll)
    if view_ratio(series, neutral) < SIDE_ON_RATIO:
        incl = trunk_inclination(series, facing_direction(series, neutral))
        bends = _excursion(incl, series, neutral) > TESTS["forward-bend"].min_excursion
        return "forward-bend" if bends else "posture-sagittal"
    if _excursion(trunk_lateral_lean(series), series, neutral) > TESTS["side-bend"].min_excursion:
        return "side-bend"
    # The arms narrowed by 6% (about 20 degrees) for a tenth of the clip; a slow filter keeps jitter out.
    if np.nanpercentile(foreshortening_rotation(series, neutral, FilterConfig(cutoff_hz=1.0)), 90) > 20.0:
        return "rotation"
    return "posture-frontal"
