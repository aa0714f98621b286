"""One module per test; `analyse` picks the right one through the registry of test specs."""

from __future__ import annotations

from posture.landmarks import LandmarkSeries
from posture.measures.common import AnalysisConfig, Measurement, TestResult
from posture.measures.registry import MEASURES, TESTS, MeasureSpec, TestSpec, spec_for


def analyse(series: LandmarkSeries, test: str, config: AnalysisConfig = AnalysisConfig()) -> TestResult:
    """Run one named test on a landmark series."""
    return spec_for(test).analyse(series, config)


__all__ = ["MEASURES", "TESTS", "AnalysisConfig", "Measurement", "MeasureSpec", "TestResult", "TestSpec", "analyse",
           "spec_for"]
