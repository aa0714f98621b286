"""The one way from landmarks to an analysis: prepared, the test recognised when asked, measured.

The command line, the app's upload, the batch, the demo and the live check
all end here, so one recording gives the same result whichever door it came
through, and "auto" (let the tool recognise the test) means the same in each.
Pure: landmarks in, an Analysis out (or a refusal in one sentence).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from posture.calibration import CameraProfile
from posture.landmarks import LandmarkSeries
from posture.measures import TESTS, AnalysisConfig, TestResult
from posture.measures.clock import check_frame_rate, on_regular_clock
from posture.errors import PostureError, UnsureTestError
from posture.measures.recognise import Recognition, recognise
from posture.measures.registry import AUTO
from posture.measures.stretch import measure_usable
from posture.prepare import Preparation


@dataclass(frozen=True)
class Analysis:
    """One recording analysed: which test it was, the landmarks as measured (undistorted, unmirrored: what is
    stored), the result, and the frame where the neutral it was measured from starts (stillness.find_neutral; 0 for
    a posture, or when the recording opened with it).

    recognition: how the tool chose the test when it was not told (None when it was)."""

    test: str
    series: LandmarkSeries
    result: TestResult
    neutral_start: int = 0
    recognition: Recognition | None = None


def recognised_words(analysis: Analysis) -> str:
    """What a person is told when the tool chose the test: which, and what it saw."""
    return analysis.recognition.words() + " If the recording shows another test, analyse it again naming that test."


def analyse_landmarks(series: LandmarkSeries, test: str, config: AnalysisConfig = AnalysisConfig(),
                      profile: CameraProfile | None = None, mirrored: bool = False,
                      height_cm: float | None = None, let_choose: bool = False) -> Analysis:
    """Landmarks as recorded in, their analysis out: prepared with what is known of the camera (prepare.py), scaled
    (config.cm_per_px, else the height over the neutral, else the profile's), the test recognised when AUTO."""
    prep = Preparation.for_frames(series.width, series.height, config, profile, mirrored)
    return analyse_prepared(prep.landmarks(series), test, prep, height_cm, let_choose)


def analyse_prepared(series: LandmarkSeries, test: str, prep: Preparation,
                     height_cm: float | None = None, let_choose: bool = False) -> Analysis:
    """The same for landmarks already prepared by `prep` (the live check prepares each frame as it comes).

    The landmarks are put on a regular clock first (clock.py: a phone's variable frame rate), measured on the
    longest stretch in one take when the recording is interrupted (stretch.py), and a movement is refused when the
    camera recorded too few frames a second during it (clock.check_frame_rate). A test the tool recognised but is
    not sure of is refused in one sentence naming the tests it could be (UnsureTestError); with `let_choose` (a
    person will choose: the app) the refusal carries each of them measured."""
    recorded_t, series = series.t, on_regular_clock(series)
    config = prep.scaled(series, height_cm)
    if test != AUTO:
        return _measured(series, recorded_t, test, config)
    recognition = recognise(series, config.roll_deg)
    if recognition.sure:
        return _recognised(_measured(series, recorded_t, recognition.test, config), recognition)
    choices = tuple((t, _measured_or_why(series, recorded_t, t, config, recognition))
                    for t in recognition.candidates) if let_choose else ()
    raise UnsureTestError(f"{recognition.words()} Name the test the recording shows.", choices)


def _measured(series: LandmarkSeries, recorded_t, test: str, config: AnalysisConfig) -> Analysis:
    measured = measure_usable(series, test, config)
    if TESTS[test].moves:
        check_frame_rate(recorded_t, series.t, measured.result.trial_frames)
    return Analysis(test, series, measured.result, measured.start)


def _measured_or_why(series: LandmarkSeries, recorded_t, test: str, config: AnalysisConfig,
                     recognition: Recognition) -> Analysis | str:
    """A candidate test measured (saying how it was chosen), or the sentence refusing it."""
    try:
        return _recognised(_measured(series, recorded_t, test, config), recognition)
    except PostureError as e:
        return str(e)


def _recognised(analysis: Analysis, recognition: Recognition) -> Analysis:
    """The analysis of a test the tool chose, saying so in its notes (stored with it: a record shows who chose)."""
    note = f"Test recognised by the tool ({recognition.saw}), not named."
    result = replace(analysis.result, notes=(*analysis.result.notes, note))
    return replace(analysis, result=result, recognition=recognition)
