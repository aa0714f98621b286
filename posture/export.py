"""Results as a readable table, plain data (JSON) and CSV rows, all from one measurement row."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import asdict, dataclass

from posture.measures import TESTS, Measurement, TestResult
from posture.measures.common import Withheld
from posture.measures.registry import PLAIN_NAMES, default_mdc95, session_mdc95

# The columns of one measurement in every CSV (a result, a client's history, a batch).
ROW_COLUMNS = ["measurement", "value", "uncertainty", "unit", "quality", "trials", "spread", "maximum", "mdc95",
               "mdc95_default", "flags", "withheld", "reason"]


def label(name: str) -> str:
    """A measurement or test name as a clinician reads it ('Standing posture, from the front', 'Trunk flexion')."""
    if name in TESTS:
        return TESTS[name].title
    return name.replace("_", " ").capitalize()


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 3)


@dataclass(frozen=True)
class MeasurementRow:
    """One measurement as every table, CSV and JSON export carries it.

    mdc95: the smallest real change from this test's own trials (3 or more), else None.
    mdc95_default: the conservative one between sessions (the test's spec, else the unit's), None if unknown.
    The table shows one: the MDC95 a change from this session must exceed (registry.session_mdc95), with its source.
    """

    measurement: Measurement

    @property
    def mdc95(self) -> float | None:
        return self.measurement.mdc95

    @property
    def mdc95_default(self) -> float | None:
        return default_mdc95(self.measurement.name, self.measurement.unit)

    @property
    def uncertainty(self) -> float | None:
        """+/- of a shown value, as its analysis stated it (None when withheld or not measured)."""
        m = self.measurement
        return None if m.value is None else m.uncertainty

    @property
    def shown(self) -> str:
        """The value as a person reads it: with its +/-, '-' when withheld."""
        if self.measurement.value is None:
            return "-"
        plus_minus = self.uncertainty
        return _fmt(self.measurement.value) + ("" if plus_minus is None else f" ± {plus_minus:.1f}")

    def as_json(self) -> dict:
        """Plain data: the measurement's fields (the inverse is result_from_dict) and both MDC95s."""
        return asdict(self.measurement) | {"flags": list(self.measurement.flags),
                                           "trials": list(self.measurement.trials),
                                           "mdc95": self.mdc95, "mdc95_default": self.mdc95_default}

    def as_csv(self) -> dict:
        """ROW_COLUMNS: numbers to 3 decimals, None when missing (an empty CSV cell); trials space-separated, flags '; '-separated."""
        m = self.measurement
        return {"measurement": m.name, "value": _round(m.value), "uncertainty": _round(self.uncertainty),
                "unit": m.unit, "quality": round(m.quality, 3),
                "trials": " ".join(f"{v:.3f}" for v in m.trials), "spread": _round(m.spread),
                "maximum": _round(m.maximum), "mdc95": _round(self.mdc95), "mdc95_default": _round(self.mdc95_default),
                "flags": "; ".join(m.flags), "withheld": m.withheld or "", "reason": m.reason}

    def as_display(self) -> dict[str, str]:
        """As the command line and the app show it (reasons and flags go beside or below)."""
        m = self.measurement
        return {"Measurement": label(m.name), "Value": self.shown, "Unit": m.unit, "Quality": f"{m.quality:.2f}",
                "Trials": ", ".join(_fmt(v) for v in m.trials), "Spread": _fmt(m.spread),
                "MDC95": "-" if m.value is None else mdc_words(*session_mdc95(m.name, m.unit,
                                                                              [(len(m.trials), m.spread)]))}


def mdc_words(mdc: float | None, source: str) -> str:
    """An MDC95 as a table shows it, named for where it comes from: '8.0 (typical)', '9.3 (trials)', '–'."""
    return "–" if mdc is None else f"{mdc:.1f} ({source})"


def rows(result: TestResult) -> list[MeasurementRow]:
    return [MeasurementRow(m) for m in result.measurements]


UNIT_WORDS = {"deg": ("degree", "degrees")}          # one, and any other number


def whole(x: float) -> int:
    """To the nearest whole number, halves away from zero, as people round (4.5 is 5; Python's round says 4)."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def unit_words(unit: str, n: int) -> str:
    """A unit as a patient reads it after the whole number `n`: '1 degree', '2 degrees', '3 cm'."""
    one, many = UNIT_WORDS.get(unit, (unit, unit))
    return one if abs(n) == 1 else many


PLAIN_SESSIONS = {"pre": "before treatment", "post": "after treatment", "follow-up": "follow-up check",
                  "home check": "your home check"}       # a session's label as a patient reads it


def plain_name(name: str) -> str:
    """A measurement or test as a patient reads it ('Bending forward', 'Ear in front of the ankle')."""
    return PLAIN_NAMES.get(name) or label(name)


def plain_words(result: TestResult) -> list[str]:
    """One sentence per measurement for the patient: the value in whole units, with its give or take.

    A value without a measured uncertainty, or with a flag (knees bent, say), is not shown to a patient as a
    bare number: their therapist reads it with them. Quality, trials and MDC stay on the therapist's table.
    """
    lines = []
    for row in rows(result):
        m, plus_minus = row.measurement, row.uncertainty
        if m.value is None:
            lines.append(f"{plain_name(m.name)}: not measured this time.")
        elif plus_minus is None or m.flags:
            lines.append(f"{plain_name(m.name)}: measured; your therapist will go through it with you.")
        else:
            value = whole(m.value)
            lines.append(f"{plain_name(m.name)}: {value} {unit_words(m.unit, value)}, give or take "
                         f"{whole(max(plus_minus, 1))}.")
    return lines


def measurement_rows(result: TestResult) -> list[dict[str, str]]:
    """One display row per measurement, as both the command line and the app show it."""
    return [r.as_display() for r in rows(result)]


def text_table(rows: list[dict[str, str]]) -> list[str]:
    """Rows of text cells (the same keys in each) as aligned lines for a terminal, under a line of the keys."""
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns}
    return ["  ".join(cell.ljust(widths[c]) for c, cell in zip(columns, line)).rstrip()
            for line in [columns, *([r[c] for c in columns] for r in rows)]]


def format_table(result: TestResult) -> str:
    """A readable table of one test result, with reasons for withheld values."""
    trials = len(result.trial_frames)
    camera = "" if result.camera_angle_deg is None else f", camera {abs(result.camera_angle_deg):.0f} deg off the view"
    head = (f"{label(result.test)} ({result.view} view): person found in {result.detected_share:.0%} "
            f"of frames" + (f", {trials} trial(s)" if TESTS[result.test].moves else "") + camera)
    lines = [head, "", *text_table(measurement_rows(result))]
    for m in result.measurements:
        if m.reason:
            lines.append(f"  {label(m.name)}: {m.reason}")
        lines.extend(f"  Flag: {f}" for f in m.flags)
    lines.extend(f"Note: {n}" for n in result.notes)
    return "\n".join(lines)


def result_dict(result: TestResult) -> dict:
    """Plain data for JSON export: every measurement as its row (flags, both MDC95s)."""
    return asdict(result) | {"measurements": [r.as_json() for r in rows(result)]}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBERS = re.compile(r"[-+]?[0-9][0-9.eE+\- ]*")        # e.g. the trials column: "-2.100 -1.900"


def csv_cell(value):
    """A text cell that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe, so that
    it shows as the text it is; numbers, lists of numbers and other text are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not NUMBERS.fullmatch(value):
        return "'" + value
    return value


def csv_text(header: list[str], lines: list[dict]) -> str:
    """A CSV with this header; each line a dict by column, its text cells safe to open in a spreadsheet."""
    out = io.StringIO()
    w = csv.DictWriter(out, header)
    w.writeheader()
    w.writerows({k: csv_cell(v) for k, v in line.items()} for line in lines)
    return out.getvalue()


def result_csv(result: TestResult) -> str:
    """One row per measurement."""
    return csv_text(["test", "view", *ROW_COLUMNS],
                    [{"test": result.test, "view": result.view} | r.as_csv() for r in rows(result)])


def _number(v) -> float | None:
    if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
        raise TypeError(f"{v!r} is not a number")
    return None if v is None else float(v)


def _withheld(m: dict) -> Withheld | None:
    """A measurement's withheld code; read from its sentence when it comes from a version before the codes."""
    if "withheld" in m:
        return Withheld(m["withheld"]) if m["withheld"] else None
    return Withheld.from_reason(str(m.get("reason") or ""))


def result_from_dict(d: dict) -> TestResult:
    """The inverse of result_dict; TypeError, KeyError or ValueError when the data is not a result."""
    ms = tuple(Measurement(str(m["name"]), _number(m["value"]), str(m["unit"]), float(_number(m["quality"])),
                           str(m.get("reason", "")), tuple(map(str, m.get("flags", []))),
                           tuple(_number(v) for v in m.get("trials", [])), _number(m.get("spread")),
                           _number(m.get("maximum")), _withheld(m), _number(m.get("uncertainty")))
               for m in d["measurements"])
    return TestResult(str(d["test"]), str(d["view"]), ms, tuple(map(str, d.get("notes", []))),
                      float(d["detected_share"]), tuple(tuple(int(i) for i in f) for f in d.get("trial_frames", [])),
                      _number(d.get("camera_angle_deg")), str(d.get("protocol", "")))
