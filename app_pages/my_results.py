"""A patient's own results: every test they and their therapist measured, newest first, in plain words."""

from __future__ import annotations

import streamlit as st

from app_pages.common import engine, home_client, show_patient_result
from posture.export import PLAIN_SESSIONS
from posture.store.records import client_sessions, load_test

st.title("My results")
client = home_client()
sessions = [s for s in reversed(client_sessions(engine(), client)) if s.tests]
if not sessions:
    st.info("No results yet: do a home check, and your results will show here.")
for s in sessions:
    st.markdown(f"#### {s.visit.visit_date:%d %B %Y}: {PLAIN_SESSIONS.get(s.label, s.label)}"
                + (f", pain {s.pain} of 10" if s.pain is not None else ""))
    for t in s.tests:
        show_patient_result(load_test(t)[0])
