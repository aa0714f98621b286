"""Before and after: a visit's sessions side by side, real-change flags, curves, peak skeletons, PDF."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app_pages.common import database_label, engine, existing_client
from posture.change import compare
from posture.draw import skeleton_png
from posture.export import label
from posture.store.export import readings
from posture.store.records import load_session, stored_tests
from posture.store.report import visit_report

st.title("Compare")
client, sessions = existing_client("compare-client", "No clients yet: load the demo client on the Start page, "
                                                     "or save a session first.")
if len(sessions) < 2:
    st.info(f"{client} has {len(sessions)} session: two are needed for a comparison.")
    st.stop()


def describe(s) -> str:
    return f"#{s.id} {s.visit.visit_date} {s.label}" + (f", pain {s.pain}" if s.pain is not None else "")


@st.cache_data(show_spinner="Writing the PDF report ...")
def report_pdf(database: str, visit_ids: tuple[int, ...], history_ids: tuple[int, ...]) -> bytes:
    """The visit's PDF, made once per database and set of sessions (a saved session does not change)."""
    return visit_report([load_session(engine(), i) for i in visit_ids],
                        [load_session(engine(), i) for i in history_ids])


pre_default = next((k for k, s in enumerate(sessions) if s.label == "pre"), 0)
c1, c2 = st.columns(2)
before = c1.selectbox("Before", sessions, index=pre_default, format_func=describe)
after = c2.selectbox("After", sessions, index=len(sessions) - 1, format_func=describe)

changes = compare(readings(before), readings(after))
st.dataframe(pd.DataFrame([{"Test": label(c.test), "Measurement": label(c.name), "Unit": c.unit,
                            before.label.capitalize(): c.before, after.label.capitalize(): c.after,
                            "±": c.uncertainty, "Change": c.difference, "MDC95": c.mdc, "Real change": "yes" if c.real else "no"}
                           for c in changes]).round(1), hide_index=True)
for c in changes:
    if c.real:
        st.markdown(f"- **{c.words}**")
with st.expander("Every measurement in words"):
    for c in changes:
        st.markdown(f"- {c.words}")

tests = {s.id: stored_tests(s) for s in (before, after)}
st.subheader("Angle over time")
for test in dict.fromkeys(t.result.test for s in (before, after) for t in tests[s.id]):
    curves = {}
    for s in (before, after):
        stored = next((t for t in tests[s.id] if t.result.test == test and t.series is not None), None)
        if stored is not None:
            curves[f"{s.label} #{s.id}"] = pd.Series(stored.angle_curve(), index=np.round(stored.series.t, 2))
    if curves:
        st.markdown(f"**{label(test)}** (degrees against seconds)")
        st.line_chart(pd.DataFrame(curves))

st.subheader("At the peak")
cols = st.columns(4)
figs = [(f"{label(t.result.test)}, {s.label}", t) for s in (before, after) for t in tests[s.id] if t.series is not None]
for k, (caption, t) in enumerate(figs):
    cols[k % 4].image(skeleton_png(t.series, t.result.peak_frame(), caption).getvalue(), caption=caption)

visit = tuple(s.id for s in sessions if s.visit_id == after.visit_id)
st.download_button("PDF report of this visit", report_pdf(database_label(), visit, tuple(s.id for s in sessions)),
                   type="primary", file_name=f"{client}-{after.visit.visit_date}.pdf", mime="application/pdf")
