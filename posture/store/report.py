"""The comparison a therapist shows the patient, built once and rendered twice: on the page and as the PDF.

`comparison()` gathers everything shown (summary sentences, the table's cells
as text, the charts as PNG bytes); the page and `comparison_pdf()` only lay it
out, so the PDF holds exactly the numbers on the screen.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from posture import report_fonts
from posture.change import READING, Change, compare, summary, verdict
from posture.charts import curves_figure, png, trend_figure
from posture.draw import skeleton_png
from posture.export import label, mdc_words
from posture.measures import TESTS
from posture.measures.common import Withheld
from posture.measures.registry import default_mdc95
from posture.store.export import readings
from posture.store.models import Session
from posture.store.records import StoredTest, stored_tests

UNSCALED = ("Distances are not in centimetres: no height was known for this client and the camera has no scale. "
            "Enter the client's height, or add a scale on the Calibration page.")
TABLE_COLUMNS = ("Test", "Measurement", "Unit", "Before", "After", "±", "Change", "MDC95", "Verdict")


def _fmt(v: float | None, sign: bool = False) -> str:
    """One decimal, '–' for none; a value that rounds to zero is 0.0, never -0.0."""
    if v is None:
        return "–"
    v = round(v, 1) + 0.0
    return f"{v:+.1f}" if sign and v else f"{v:.1f}"


def session_title(s: Session) -> str:
    """'pre, 2026-03-02 09:15, pain 6/10 (session 3)'; a home check not adopted says it was measured on the patient's
    device."""
    pain = f", pain {s.pain}/10" if s.pain is not None else ""
    device = " (measured on the patient's device, not adopted)" if s.unadopted else ""
    return f"{s.label}{device}, {s.visit.visit_date} {s.recorded_at:%H:%M}{pain} (session {s.id})"


def change_row(c: Change) -> dict[str, str]:
    """One row of the comparison table, as text (the page and the PDF show these very strings)."""
    return dict(zip(TABLE_COLUMNS, (label(c.test), label(c.name), c.unit, _fmt(c.before), _fmt(c.after),
                                    _fmt(None if c.before is None and c.after is None else c.uncertainty),
                                    _fmt(c.difference, sign=True), mdc_words(c.mdc, c.mdc_source), verdict(c))))


def movement_start(stored: StoredTest) -> float | None:
    """Seconds into the recording where its first repetition starts (None for a test without repetitions)."""
    if stored.series is None or not stored.result.trial_frames or not TESTS[stored.result.test].moves:
        return None
    return float(stored.series.t[stored.result.trial_frames[0][0]])


def curves_png(test: str, pair: list[tuple[str, StoredTest]]) -> bytes | None:
    """Both sessions' angle curves of one test, aligned at the start of the movement (None if neither moved)."""
    curves = {}
    for name, stored in pair:
        start = movement_start(stored)
        if start is not None:
            curves[name] = (stored.series.t - start, stored.angle_curve())
    return png(curves_figure(label(test), "degrees", curves)) if curves else None


@dataclass(frozen=True)
class Comparison:
    """Everything the comparison of two sessions shows."""

    client: str
    before: str                                  # session titles
    after: str
    details: tuple[str, ...]                     # who and where: clinic, therapist, the client's height, visit notes
    summary: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    notes: tuple[str, ...]                       # said once, not per row (e.g. no scale)
    curves: tuple[tuple[str, bytes], ...]        # (test, PNG): angle over time from the movement's start
    peaks: tuple[tuple[str, bytes], ...]         # (caption, PNG): stick figures at each test's peak
    trends: tuple[tuple[str, bytes], ...]        # (measurement, PNG): only those with two visits or more


def last_per_test(session: Session) -> dict[str, StoredTest]:
    """Each test's latest stored record in a session (an earlier repeat stays stored but is not compared)."""
    return {t.result.test: t for t in stored_tests(session)}


def report_details(before: Session, after: Session, clinic: str, therapist: str) -> tuple[str, ...]:
    """The lines under a report's title: the clinic, the therapist who made it, the client's height (what the
    centimetres rest on) and each visit's notes."""
    height = after.visit.client.height_cm
    lines = [f"Clinic: {clinic or 'not named (set it on the Start page)'}",
             f"Therapist: {therapist or 'not named'}",
             f"Height: {height:.0f} cm (as recorded for the client now)" if height else
             "Height: unknown, so distances are not in centimetres"]
    visits = {s.visit.id: s.visit for s in (before, after)}
    lines += [f"Notes of the visit of {v.visit_date}: {v.notes}" for v in visits.values() if v.notes]
    return tuple(lines)


def comparison(before: Session, after: Session, history: list[Session], clinic: str = "",
               therapist: str = "") -> Comparison:
    """The comparison of two sessions of one client; `history` (every session of the client) gives the trends;
    `clinic` and `therapist` name who made the report."""
    changes = compare(readings(before), readings(after), unverified=before.unadopted or after.unadopted)
    tests_b, tests_a = last_per_test(before), last_per_test(after)
    names = {before.id: f"{before.label} #{before.id}", after.id: f"{after.label} #{after.id}"}
    curves, peaks = [], []
    for test in dict.fromkeys([*tests_b, *tests_a]):
        pair = [(names[s.id], tests[test]) for s, tests in ((before, tests_b), (after, tests_a)) if test in tests]
        chart = curves_png(test, pair)
        if chart is not None:
            curves.append((label(test), chart))
        peaks += [(f"{label(test)}, {name}", skeleton_png(t.series, t.result.peak_frame(),
                                                          f"{label(test)}, {name}").getvalue())
                  for name, t in pair if t.series is not None]
    unscaled = any(m.withheld == Withheld.NEEDS_SCALE for tests in (tests_b, tests_a) for t in tests.values()
                   for m in t.result.measurements)
    notes = (UNSCALED,) if unscaled else ()
    return Comparison(before.visit.client.pseudonym, session_title(before), session_title(after),
                      report_details(before, after, clinic, therapist),
                      tuple(summary(changes, before.pain, after.pain)), tuple(change_row(c) for c in changes), notes, tuple(curves), tuple(peaks), tuple(trend_charts(history)))


def trend_points(history: list[Session]) -> dict[tuple[str, str, str], dict[str, list[tuple[date, float]]]]:
    """(test, measurement, unit) -> session label -> (visit date, value), only for measurements measured on two
    visit dates or more (one visit is no trend)."""
    points: dict[tuple[str, str, str], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for s in history:
        for r in readings(s):
            if r.value is not None:
                points[(r.test, r.name, r.unit)][s.label].append((s.visit.visit_date, r.value))
    return {key: dict(by_label) for key, by_label in points.items()
            if len({d for pts in by_label.values() for d, _ in pts}) >= 2}


def trend_title(key: tuple[str, str, str]) -> str:
    """'Forward bend: Trunk flexion'."""
    return f"{label(key[0])}: {label(key[1])}"


def trend_chart(key: tuple[str, str, str], points: dict[str, list[tuple[date, float]]]) -> bytes:
    """One measurement's trend, its value axis no narrower than the measurement's MDC."""
    _, name, unit = key
    return png(trend_figure(trend_title(key), "degrees" if unit == "deg" else unit, points,
                            default_mdc95(name, unit)))


def trend_charts(history: list[Session]) -> list[tuple[str, bytes]]:
    """One chart per measurement with a trend."""
    return [(trend_title(key), trend_chart(key, pts)) for key, pts in trend_points(history).items()]


def comparison_pdf(c: Comparison) -> bytes:
    """The comparison as a PDF: the same sentences, cells and charts as the page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    report_fonts.register()
    styles = getSampleStyleSheet()
    for style in (s for s in styles.byName.values() if hasattr(s, "fontName")):   # fonts for every pseudonym
        style.fontName = {"Helvetica-Bold": report_fonts.BOLD, "Helvetica-Oblique": report_fonts.ITALIC,
                          "Helvetica-BoldOblique": report_fonts.BOLD}.get(style.fontName, report_fonts.REGULAR)
        style.shaping = 1                                     # HarfBuzz joins Arabic letters, orders Hebrew's

    def text(words: str, style: str = "Normal") -> Paragraph:
        return Paragraph(report_fonts.markup(words), styles[style])       # user text is text, never markup

    story = [text(f"Before and after: {c.client}", "Title"), *(text(line) for line in c.details),
             Spacer(1, 0.2 * cm), text(f"Before: {c.before}"), text(f"After: {c.after}"),
             Spacer(1, 0.3 * cm), text("In short", "Heading2")]
    story += [text(f"• {line}") for line in c.summary]
    story += [text(note, "Italic") for note in c.notes]
    story += [Spacer(1, 0.3 * cm), text("Every measurement", "Heading2")]
    table = Table([list(TABLE_COLUMNS)] + [list(r.values()) for r in c.rows], repeatRows=1)
    style = [("FONTNAME", (0, 0), (-1, -1), report_fonts.REGULAR), ("FONTSIZE", (0, 0), (-1, -1), 7),
             ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
             ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]
    style += [("BACKGROUND", (8, i + 1), (8, i + 1), colors.HexColor("#d5f5e3" if "improvement" in r["Verdict"]
                                                                      else "#fadbd8"))
              for i, r in enumerate(c.rows) if r["Verdict"].startswith("real")]
    table.setStyle(TableStyle(style))
    story += [table, text(READING, "Italic")]
    story += _charts("Angle over time, from the start of the movement", c.curves, 8.5 * cm, 2, text)
    story += _charts("At the peak of each test", c.peaks, 4.0 * cm, 4, text)
    story += _charts("Over visits", c.trends, 8.5 * cm, 2, text) if c.trends else []
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=f"posture: {c.client}", leftMargin=1.5 * cm,
                      rightMargin=1.5 * cm).build(story)
    return buf.getvalue()


def _charts(heading: str, charts: tuple[tuple[str, bytes], ...], width: float, per_row: int, text) -> list:
    """A heading and a grid of PNG charts, each kept at its own aspect ratio."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, KeepTogether, Table

    if not charts:
        return []
    images = []
    for _, data in charts:
        w, h = ImageReader(io.BytesIO(data)).getSize()
        images.append(Image(io.BytesIO(data), width=width, height=width * h / w))
    grid = Table([images[i:i + per_row] for i in range(0, len(images), per_row)])
    return [KeepTogether([text(heading, "Heading2"), grid])]
