"""Real people on public footage (tests/real_clips/): what a correct tool does with recordings that are not tests.

No angles are known for these clips; what is known is what they show, looked
at frame by frame (tests/real_clips/README.md): a woman walking across the
picture, and two men side by side who then hug. Real MediaPipe on real frames.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posture.errors import PostureError
from posture.landmarks import Excluded
from posture.measures import TESTS, analyse
from posture.pipeline import landmarks_from_video

CLIPS = Path(__file__).parent / "real_clips"
# Frames (README there): the men stand apart up to 20, and a hand is on the chest from 32. Kept: at least the
# first 16 (the man in grey starts reaching at 24, so the frames after the last clear check before it may go).
APART_UNTIL, HUG_FROM = 16, 32


@pytest.fixture(scope="module")
def walking():
    return landmarks_from_video(CLIPS / "walking_sagittal_sports2d.mp4")


@pytest.fixture(scope="module")
def hug():
    return landmarks_from_video(CLIPS / "two_men_hug_mmaction2.mp4")


def refusal(series, test: str) -> str:
    with pytest.raises(PostureError) as e:
        analyse(series, test)
    sentence = str(e.value)
    assert sentence.endswith(".") and "\n" not in sentence and len(sentence) < 300
    assert sentence.count(". ") == 0                 # one sentence
    return sentence


@pytest.mark.parametrize("test", list(TESTS))
def test_every_test_is_refused_on_a_walk_with_its_reason(walking, test):
    sentence = refusal(walking, test)
    if not TESTS[test].side_on:      # filmed side-on: the plainest reason comes first
        assert "needs the camera in front" in sentence
    elif TESTS[test].moves:          # walking is never still: no neutral to measure from
        assert "never stood still" in sentence
    else:
        assert "No still period" in sentence


def test_one_subject_is_kept_until_the_hug_and_nothing_after(hug):
    kept = hug.detected
    assert kept[:APART_UNTIL].all()                                    # not refused as a crowd
    assert not kept[HUG_FROM:].any()
    assert (hug.excluded[HUG_FROM:] == Excluded.OVERLAP).all()         # set aside because someone overlapped
    assert any("Another person was in view beside the subject" in n for n in hug.notes)


@pytest.mark.parametrize("test", list(TESTS))
def test_no_number_comes_from_the_hug(hug, test):
    try:
        result = analyse(hug, test)
    except PostureError as e:
        assert "because another person overlapped the subject" in str(e)
        return
    shown = [m for m in result.measurements if m.value is not None]
    assert all(end <= HUG_FROM for _, _, end in result.trial_frames) or not shown
    assert np.isfinite([m.value for m in shown]).all()
