"""Scale and true vertical. Full camera profiles (checkerboard intrinsics, roll) come later."""

from __future__ import annotations

import numpy as np

from posture.errors import PostureError, TrialError
from posture.geometry import upright
from posture.landmarks import Landmark as L, LandmarkSeries

# Ear (tragion) height above the heel/toe landmark line as a share of stature:
# eye height is 0.936 of stature (Drillis & Contini), the tragion lies about 1%
# lower and the foot landmarks about 1% above the floor. Person-to-person
# spread is about 2%, which bounds the accuracy of a height-derived scale.
EAR_OVER_FLOOR_LINE = 0.915


def scale_from_height(series: LandmarkSeries, height_cm: float, frames: slice | np.ndarray = slice(None),
                      roll_deg: float = 0.0) -> float:
    """Centimetres per pixel at the subject's plane, from their standing height."""
    if not 80 <= height_cm <= 250:
        raise PostureError(f"A standing height of {height_cm:g} cm is not plausible: give it in centimetres.")
    feet = [L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    floor = np.mean(upright(series.image[frames][:, feet], roll_deg)[..., 1], axis=1)
    ear = upright(series.midpoint(L.LEFT_EAR, L.RIGHT_EAR)[frames], roll_deg)[..., 1]
    span = np.nanmedian(ear - floor)
    if not np.isfinite(span) or span <= 0:
        raise TrialError("The scale could not be set from the height: the head and feet must both be "
                         "in view while the subject stands still.")
    return float(height_cm * EAR_OVER_FLOOR_LINE / span)
