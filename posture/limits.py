"""What a value must be to be believed, checked at every door (command line, app, bundle, manifest, database).

An impossible number, date or text is refused in one sentence and never
stored: a negative scale, a pain of 5.7, a visit in 1900, a 50 MB note or a
pseudonym holding terminal escape codes. The store checks again what the
doors checked, so that no path around them can write such a value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, timedelta

from posture.errors import PostureError

FIRST_VISIT = date(2000, 1, 1)            # no recording of this tool is older
PSEUDONYM_CHARS = 64
PSEUDONYM = re.compile(r"[^\W_]([^\W_]|[ .'-])*")
LABEL_CHARS = 40                          # a manifest's session column
NOTE_CHARS = 4000
NAME_CHARS = 120                          # a clinic's name
CM_PER_PX = (0.005, 10.0)                 # 4K close-up to a person 100 px tall
ROLL_DEG = (-45.0, 45.0)                  # a camera tilted further is not level enough to measure with
VALUE_RANGES = {"deg": 180.0, "cm": 300.0, "% hip width": 1000.0, "% ear height": 1000.0}   # +/- by unit


def number(value: float, what: str, low: float, high: float, unit: str = "") -> float:
    """`value` as a float when finite and within [low, high], else PostureError saying the range."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise PostureError(f"{what} must be a number between {low:g} and {high:g}{unit}, not {value!r}.") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise PostureError(f"{what} must be between {low:g} and {high:g}{unit}: {value:g} is not believable.")
    return value


def stride(value) -> int:
    """Every how many frames to analyse: a whole number, 1 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PostureError(f"The stride must be a whole number of frames, 1 or more (not {value!r}).")
    return value


def pain_score(pain) -> int | None:
    """A pain score: None or a whole number 0 to 10."""
    if pain is None:
        return None
    if isinstance(pain, bool) or not isinstance(pain, int) and not (isinstance(pain, float) and pain.is_integer()):
        raise PostureError(f"A pain score is a whole number from 0 to 10, not {pain!r}.")
    if not 0 <= pain <= 10:
        raise PostureError(f"A pain score of {pain:g} is outside 0-10.")
    return int(pain)


def visit_date(day: date, today: date | None = None) -> date:
    """A visit date between 2000 and tomorrow (a clock a day ahead is allowed, not a visit in 9999)."""
    today = today or date.today()
    if not FIRST_VISIT <= day <= today + timedelta(days=1):
        raise PostureError(f"A visit on {day.isoformat()} cannot be right: give a date between "
                           f"{FIRST_VISIT.isoformat()} and today.")
    return day


def _acts(c: str) -> bool:
    """A control or format character: an escape code, a right-to-left override, NUL, a lone surrogate."""
    return unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co")


def _unprintable(text: str, allow_newlines: bool) -> bool:
    """True if the text holds a character that acts instead of showing (newlines and tabs allowed in notes)."""
    allowed = "\n\t" if allow_newlines else ""
    return any(_acts(c) and c not in allowed for c in text)


def text(value: str, what: str, max_chars: int, allow_newlines: bool = False) -> str:
    """A text field, stripped, within its length and free of control characters."""
    if not isinstance(value, str):
        raise PostureError(f"{what} must be text.")
    value = value.strip()
    if len(value) > max_chars:
        raise PostureError(f"{what} is {len(value):,} characters long: keep it under {max_chars:,}.")
    if _unprintable(value, allow_newlines):
        raise PostureError(f"{what} holds control characters (escape codes or hidden direction marks): type it "
                           "again as plain text.")
    return value


def pseudonym(value: str) -> str:
    """A client's pseudonym: initials or a code, short, not empty, of letters, digits, spaces and - . ' only (no
    markup: it is shown on pages, in PDFs and in terminals)."""
    value = text(value, "A pseudonym", PSEUDONYM_CHARS)
    if not value:
        raise PostureError("A client needs a pseudonym (initials or a code; no real names are needed).")
    if not PSEUDONYM.fullmatch(value):
        raise PostureError("A pseudonym holds only letters, digits, spaces and - . ' (initials or a code).")
    return value


def terminal_safe(value: str) -> str:
    """Text for a terminal: control and format characters shown as \\u escapes, so none can act on the screen."""
    return "".join(f"\\u{ord(c):04x}" if _acts(c) else c for c in value)


def terminal_lines(value: str) -> str:
    """Lines of text for a terminal: each line `terminal_safe`, the line breaks kept."""
    return "\n".join(terminal_safe(line) for line in value.split("\n"))
