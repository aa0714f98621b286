"""A visit's PDF report: client, tests, pre/post table with real-change flags, trends, peak skeletons."""

from __future__ import annotations

import io
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import getSampleStyleSheet  # noqa: E402
from reportlab.lib.units import cm  # noqa: E402
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle  # noqa: E402

from posture.export import label  # noqa: E402
from posture.landmarks import BONES, Landmark as L  # noqa: E402
from posture.store.compare import compare  # noqa: E402
from posture.store.export import readings  # noqa: E402
from posture.store.models import RecordedTest, Session  # noqa: E402
from posture.store.records import series_from_bytes  # noqa: E402

def _png(fig) -> io.BytesIO:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    buf.seek(0)
    return buf


def peak_frame(test: RecordedTest) -> int:
    """The frame at the peak of the median repetition (the middle of the still period for posture)."""
    if not test.trial_frames:
        return 0
    start, peak, end = test.trial_frames[len(test.trial_frames) // 2]
    return peak if peak != start else (start + end) // 2


def skeleton_figure(test: RecordedTest, title: str) -> io.BytesIO | None:
    """The stick figure at the test's peak, as the camera saw it."""
    if not test.landmarks:
        return None
    series = series_from_bytes(test.landmarks)
    xy = series.image[min(peak_frame(test), len(series) - 1)]
    fig, ax = plt.subplots(figsize=(2.2, 2.6))
    for a, b in BONES:
        ax.plot(*xy[[a, b]].T, color="#1f5f8b", lw=2)
    ax.scatter(*xy[[L.NOSE]].T, color="#c0392b", s=12)
    lo, hi = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
    pad = 0.08 * (hi - lo).max()
    ax.set_xlim(lo[0] - pad, hi[0] + pad)
    ax.set_ylim(hi[1] + pad, lo[1] - pad)        # image y grows downwards
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=8)
    return _png(fig)


def trend_figure(name: str, unit: str, points: dict[str, list[tuple[str, float]]]) -> io.BytesIO:
    """One measurement over visits, a line per session label."""
    fig, ax = plt.subplots(figsize=(3.4, 2.0))
    for lab, pts in points.items():
        ax.plot([d for d, _ in pts], [v for _, v in pts], marker="o", label=lab)
    ax.set_title(f"{label(name)} ({unit})", fontsize=8)
    ax.tick_params(labelsize=6)
    ax.legend(fontsize=6)
    fig.autofmt_xdate()
    return _png(fig)


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def change_table(before: Session, after: Session) -> Table:
    rows = [["Test", "Measurement", before.label.capitalize(), after.label.capitalize(), "Change", "MDC95",
             "Real change"]]
    for c in compare(readings(before), readings(after)):
        rows.append([label(c.test), f"{label(c.name)} ({c.unit})", _fmt(c.before), _fmt(c.after),
                     "-" if c.difference is None else f"{c.difference:+.1f}", _fmt(c.mdc),
                     "YES" if c.real else "no"])
    table = Table(rows, repeatRows=1)
    style = [("FONTSIZE", (0, 0), (-1, -1), 7), ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
             ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]
    style += [("BACKGROUND", (6, i), (6, i), colors.HexColor("#d5f5e3")) for i, r in enumerate(rows) if r[6] == "YES"]
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
    figs = [skeleton_figure(t, f"{label(t.test)}, {s.label}") for s in (before, after) for t in s.tests]
    figs = [Image(f, width=4 * cm, height=4.7 * cm) for f in figs if f is not None]
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
    charts = [Image(trend_figure(name, units[(test, name)], pts), width=8.5 * cm, height=5 * cm)
              for (test, name), pts in series.items()]
    return [Table([charts[i:i + 2] for i in range(0, len(charts), 2)])] if charts else []
