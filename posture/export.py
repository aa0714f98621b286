"""Results as a readable table, plain data (JSON) and CSV rows."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict

from posture.measures import TESTS, Measurement, TestResult


def label(name: str) -> str:
    """A measurement or test name as a clinician reads it."""
    return name.replace("_", " ").capitalize()


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def measurement_rows(result: TestResult) -> list[dict[str, str]]:
    """One display row per measurement, as both the command line and the app show it."""
    return [{"Measurement": label(m.name), "Value": _fmt(m.value), "Unit": m.unit, "Quality": f"{m.quality:.2f}",
             "Trials": ", ".join(_fmt(v) for v in m.trials), "Spread": _fmt(m.spread), "MDC95": _fmt(m.mdc95)}
            for m in result.measurements]


def format_table(result: TestResult) -> str:
    """A readable table of one test result, with reasons for withheld values."""
    trials = len(result.trial_frames)
    head = (f"{label(result.test)} ({result.view} view): person found in {result.detected_share:.0%} "
            f"of frames" + (f", {trials} trial(s)" if TESTS[result.test].moves else ""))
    body = measurement_rows(result)
    rows = [tuple(body[0])] + [tuple(r.values()) for r in body]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [head, ""] + ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    for m in result.measurements:
        if m.reason:
            lines.append(f"  {label(m.name)}: {m.reason}")
        lines.extend(f"  Flag: {f}" for f in m.flags)
    lines.extend(f"Note: {n}" for n in result.notes)
    return "\n".join(lines)


def result_dict(result: TestResult) -> dict:
    """Plain data for JSON export; MDC95 included where it can be computed."""
    data = asdict(result)
    for m, row in zip(result.measurements, data["measurements"]):
        row["mdc95"] = m.mdc95
    return data


def result_csv(result: TestResult) -> str:
    """One row per measurement."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["test", "view", "measurement", "value", "unit", "quality", "trials", "spread", "mdc95", "reason"])
    for m in result.measurements:
        w.writerow([result.test, result.view, m.name, "" if m.value is None else round(m.value, 3), m.unit,
                    round(m.quality, 3), ";".join(f"{v:.3f}" for v in m.trials),
                    "" if m.spread is None else round(m.spread, 3),
                    "" if m.mdc95 is None else round(m.mdc95, 3), m.reason])
    return out.getvalue()


def _number(v) -> float | None:
    if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
        raise TypeError(f"{v!r} is not a number")
    return None if v is None else float(v)


def result_from_dict(d: dict) -> TestResult:
    """The inverse of result_dict; TypeError, KeyError or ValueError when the data is not a result."""
    ms = tuple(Measurement(str(m["name"]), _number(m["value"]), str(m["unit"]), float(_number(m["quality"])),
                           str(m.get("reason", "")), tuple(map(str, m.get("flags", []))),
                           tuple(_number(v) for v in m.get("trials", [])), _number(m.get("spread")),
                           _number(m.get("maximum"))) for m in d["measurements"])
    return TestResult(str(d["test"]), str(d["view"]), ms, tuple(map(str, d.get("notes", []))),
                      float(d["detected_share"]), tuple(tuple(int(i) for i in f) for f in d.get("trial_frames", [])))
