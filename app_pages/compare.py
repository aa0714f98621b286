"""Before and after: a visit's sessions side by side, real-change flags, curves, peak skeletons, PDF."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app_pages.common import existing_client
from posture.export import label
from posture.measures import TESTS
from posture.store.compare import compare
from posture.store.export import readings
from posture.store.records import series_from_bytes
from posture.store.report import skeleton_figure, visit_report

st.title("Compare")
client, sessions = existing_client("compare-client", "No clients yet: load the demo client on the Start page, "
                                                     "or save a session first.")
if len(sessions) < 2:
    st.info(f"{client} has {len(sessions)} session: two are needed for a comparison.")
    st.stop()


def describe(s) -> str:
    return f"#{s.id} {s.visit.visit_date} {s.label}" + (f", pain {s.pain}" if s.pain is not None else "")


pre_default = next((k for k, s in enumerate(sessions) if s.label == "pre"), 0)
c1, c2 = st.columns(2)
before = c1.selectbox("Before", sessions, index=pre_default, format_func=describe)
after = c2.selectbox("After", sessions, index=len(sessions) - 1, format_func=describe)

changes = compare(readings(before), readings(after))
st.dataframe(pd.DataFrame([{"Test": label(c.test), "Measurement": label(c.name), "Unit": c.unit,
                            before.label.capitalize(): c.before, after.label.capitalize(): c.after,
                            "Change": c.difference, "MDC95": c.mdc, "Real change": "yes" if c.real else "no"}
                           for c in changes]).round(1), hide_index=True)
for c in changes:
    if c.real:
        st.markdown(f"- **{c.words}**")
with st.expander("Every measurement in words"):
    for c in changes:
        st.markdown(f"- {c.words}")

st.subheader("Angle over time")
for test in dict.fromkeys(t.test for t in before.tests + after.tests):
    curves = {}
    for s in (before, after):
        rec = next((t for t in s.tests if t.test == test and t.landmarks), None)
        if rec is not None:
            series = series_from_bytes(rec.landmarks)
            curves[f"{s.label} #{s.id}"] = pd.Series(TESTS[test].primary_angle(series), index=np.round(series.t, 2))
    if curves:
        st.markdown(f"**{label(test)}** (degrees against seconds)")
        st.line_chart(pd.DataFrame(curves))

st.subheader("At the peak")
cols = st.columns(4)
figs = [(f"{label(t.test)}, {s.label}", skeleton_figure(t, f"{label(t.test)}, {s.label}"))
        for s in (before, after) for t in s.tests]
for k, (caption, fig) in enumerate(f for f in figs if f[1] is not None):
    cols[k % 4].image(fig.getvalue(), caption=caption)

visit = [s for s in sessions if s.visit_id == after.visit_id]
st.download_button("PDF report of this visit", visit_report(visit, sessions), type="primary",
                   file_name=f"{client}-{after.visit.visit_date}.pdf", mime="application/pdf")
