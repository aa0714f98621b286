"""One module per test; `analyse` picks the right one by name."""

from __future__ import annotations

from collections.abc import Callable

from posture.landmarks import LandmarkSeries
from posture.measures.common import AnalysisConfig, Measurement, TestResult
from posture.measures.forward_bend import forward_bend
from posture.measures.posture import standing_frontal, standing_sagittal
from posture.measures.rotation import rotation
from posture.measures.side_bend import side_bend

TESTS: dict[str, Callable[[LandmarkSeries, AnalysisConfig], TestResult]] = {
    "forward-bend": forward_bend,
    "side-bend": side_bend,
    "rotation": rotation,
    "posture-frontal": standing_frontal,
    "posture-sagittal": standing_sagittal,
}


def analyse(series: LandmarkSeries, test: str, config: AnalysisConfig = AnalysisConfig()) -> TestResult:
    """Run one named test on a landmark series."""
    if test not in TESTS:
        raise ValueError(f"Unknown test {test!r}: choose one of {', '.join(TESTS)}.")
    return TESTS[test](series, config)


__all__ = ["TESTS", "AnalysisConfig", "Measurement", "TestResult", "analyse"]
