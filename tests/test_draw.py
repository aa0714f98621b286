"""The live overlay's instruction: every word drawn, every line inside the frame, in readable type."""

from __future__ import annotations

import numpy as np
import pytest

from posture.draw import MIN_FONT_SCALE, TEXT_MARGIN, draw_overlay, text_layout, text_width
from posture.measures import TESTS

LONG = ("Keep your hips still and your arms hanging loose, and turn your upper body to one side as far as is "
        "comfortable, back to the middle, then to the other side. That did not work: the arms were not hanging "
        "relaxed at the sides, so let them hang loose and record it again.")
FRAMES = [(640, 480), (720, 1280)]          # height, width: a portrait phone and a landscape webcam


@pytest.mark.parametrize("height, width", FRAMES)
@pytest.mark.parametrize("text", [LONG, TESTS["rotation"].instruction, "Stand still, looking ahead, arms relaxed at your sides ... 2 s"])
def test_every_word_is_drawn_inside_the_frame(text, height, width):
    room = width - 2 * TEXT_MARGIN
    lines, size = text_layout(text, room, 0.75 * width / 640)
    assert " ".join(lines).split() == text.split()                  # nothing dropped, nothing split
    assert all(text_width(line, size) <= room for line in lines)
    assert size >= MIN_FONT_SCALE
    assert len(lines) <= 3 or size == pytest.approx(max(MIN_FONT_SCALE, 0.6 * 0.75 * width / 640))


@pytest.mark.parametrize("height, width", FRAMES)
def test_the_drawn_instruction_stays_inside_the_frame(height, width):
    out = draw_overlay(np.zeros((height, width, 3), np.uint8), None, LONG, 40.0, "Trunk rotation")
    written = np.flatnonzero(out[height // 2:].any(axis=(0, 2)))     # columns with text in the lower half
    assert written.min() >= TEXT_MARGIN - 2 and written.max() <= width - TEXT_MARGIN + 2


def test_short_text_keeps_the_frames_own_size_of_type():
    assert text_layout("Good, hold that position.", 1260, 1.5) == (["Good, hold that position."], 1.5)
