"""One way from a camera profile and landmarks to an analysis: resolution, undistortion, mirroring, roll, scale.

The command line, the app's upload, the batch and the live check all prepare
their landmarks here, so one recording gives the same numbers whichever way
it comes in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from posture.calibration import CameraProfile, scale_from_height, undistort_points
from posture.errors import NoPersonError
from posture.landmarks import LandmarkSeries, unmirror
from posture.measures import AnalysisConfig
from posture.measures.common import NO_PERSON
from posture.measures.stillness import standing_frames


@dataclass(frozen=True)
class Preparation:
    """A camera profile fitted to one frame size, and the analysis settings it gives.

    config: the settings with the profile's roll, unless a roll was given; the
    profile describes the video as recorded, so a selfie-mirrored video's roll flips sign.
    """

    width: int
    height: int
    config: AnalysisConfig = AnalysisConfig()
    profile: CameraProfile | None = None      # at the frames' size
    mirrored: bool = False

    @classmethod
    def for_frames(cls, width: int, height: int, config: AnalysisConfig = AnalysisConfig(),
                   profile: CameraProfile | None = None, mirrored: bool = False) -> Preparation:
        """For frames of this size (a profile made at another size of the same shape is scaled to it)."""
        if profile is not None:
            profile = profile.for_size(width, height)
            if profile.roll_deg is not None and not config.calibrated:
                config = replace(config, roll_deg=-profile.roll_deg if mirrored else profile.roll_deg,
                                 calibrated=True)
        return cls(width, height, config, profile, mirrored)

    def landmarks(self, series: LandmarkSeries) -> LandmarkSeries:
        """The series undistorted (the lens as recorded), then unmirrored."""
        if self.profile is not None:
            series = replace(series, image=undistort_points(series.image, self.profile))
        return unmirror(series) if self.mirrored else series

    def frame(self, xy: np.ndarray, visibility: np.ndarray,
              world: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One frame's landmarks (33 x 2 px, 33, 33 x 3 m) prepared as `landmarks` prepares a series (live use)."""
        one = self.landmarks(LandmarkSeries.one(xy, visibility, world, width=self.width, height=self.height))
        return one.image[0], one.visibility[0], one.world[0]

    def scaled(self, series: LandmarkSeries, height_cm: float | None = None) -> AnalysisConfig:
        """The settings with a scale: the config's, else from height_cm (over the neutral the analysis measures from:
        stillness.standing_frames), else the profile's.

        Nobody in the video is said first: it is the real problem, not the missing scale.
        """
        if not series.detected.any():
            raise NoPersonError(NO_PERSON)
        config = self.config
        if height_cm and not config.cm_per_px:
            frames = standing_frames(series, config.roll_deg)
            config = replace(config, cm_per_px=scale_from_height(series, height_cm, frames, config.roll_deg))
        if self.profile is not None and self.profile.cm_per_px and not config.cm_per_px:
            config = replace(config, cm_per_px=self.profile.cm_per_px)
        return config
