"""A visit's PDF report: client, tests, pre/post table with real-change flags, trends, peak skeletons."""

from __future__ import annotations

import io
from collections import defaultdict

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from posture.change import compare
from posture.draw import skeleton_png, trend_png
from posture.export import label
from posture.store.export import readings
from posture.store.models import Session
from posture.store.records import stored_tests


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def change_table(before: Session, after: Session) -> Table:
    rows = [["Test", "Measurement", before.label.capitalize(), after.label.capitalize(), "±", "Change", "MDC95",
             "Real change"]]
    for c in compare(readings(before), readings(after)):
        rows.append([label(c.test), f"{label(c.name)} ({c.unit})", _fmt(c.before), _fmt(c.after), _fmt(c.uncertainty),
                     "-" if c.difference is None else f"{c.difference:+.1f}", _fmt(c.mdc),
                     "YES" if c.real else "no"])
    table = Table(rows, repeatRows=1)
    style = [("FONTSIZE", (0, 0), (-1, -1), 7), ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
             ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]
    style += [("BACKGROUND", (7, i), (7, i), colors.HexColor("#d5f5e3")) for i, r in enumerate(rows) if r[7] == "YES"]
    table.setStyle(TableStyle(style))
    return table


def visit_report(visit_sessions: list[Session], history: list[Session]) -> bytes:
    """The PDF of one visit; `history` is every session of the client, for the trend charts."""
    styles = getSampleStyleSheet()
    first = visit_sessions[0]
    client, visit = first.visit.client, first.visit
    story = [Paragraph(f"Visit report: {client.pseudonym}", styles["Title"]),
             Paragraph(f"Visit of {visit.visit_date.isoformat()}"
                       + (f"; born {client.birth_year}" if client.birth_year else "")
                       + (f"; {', '.join(client.conditions)}" if client.conditions else ""), styles["Normal"])]
    for s in visit_sessions:
        tests = ", ".join(label(t.test) for t in s.tests)
        pain = f", pain {s.pain}/10" if s.pain is not None else ""
        story.append(Paragraph(f"{s.label.capitalize()} (session {s.id}, {s.recorded_at:%H:%M}{pain}): {tests}",
                               styles["Normal"]))
    pre = next((s for s in visit_sessions if s.label == "pre"), None)
    post = next((s for s in reversed(visit_sessions) if s.label == "post"), None)
    before, after = (pre, post) if pre and post else (visit_sessions[0], visit_sessions[-1])
    story += [Spacer(1, 0.4 * cm), Paragraph(f"{before.label.capitalize()} and {after.label} compared", styles["Heading2"]),
              change_table(before, after),
              Paragraph("A change is real only when it is larger than the MDC95, the smallest change the test can "
                        "tell apart from its own variation.", styles["Italic"])]
    story += [Paragraph("Each measurement over visits", styles["Heading2"])]
    story += _trend_grid(history)
    story += [Paragraph("Peak of each test", styles["Heading2"])]
    figs = [Image(skeleton_png(t.series, t.result.peak_frame(), f"{label(t.result.test)}, {s.label}"),
                  width=4 * cm, height=4.7 * cm)
            for s in (before, after) for t in stored_tests(s) if t.series is not None]
    if figs:
        story.append(Table([figs[i:i + 4] for i in range(0, len(figs), 4)]))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=f"posture visit report {client.pseudonym}",
                      leftMargin=1.5 * cm, rightMargin=1.5 * cm).build(story)
    return buf.getvalue()


def _trend_grid(history: list[Session]) -> list:
    series: dict[tuple[str, str], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    units = {}
    for s in history:
        for r in readings(s):
            if r.value is not None:
                series[(r.test, r.name)][s.label].append((s.visit.visit_date, r.value))
                units[(r.test, r.name)] = r.unit
    charts = [Image(trend_png(f"{label(name)} ({units[(test, name)]})", pts), width=8.5 * cm, height=5 * cm)
              for (test, name), pts in series.items()]
    return [Table([charts[i:i + 2] for i in range(0, len(charts), 2)])] if charts else []
