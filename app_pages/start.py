"""First page: what posture does, and a demo client with two simulated visits."""

from __future__ import annotations

import streamlit as st

from app_pages.common import client_names, engine, plain
from posture.demo import DEMO, load_demo
from posture.errors import PostureError
from posture.store.clinic import clinic_name, set_clinic_name
from posture.store.visits import waiting_home_checks

st.title("posture")
st.write("Markerless posture and range-of-motion assessment: standing posture, forward bend, side bend and "
         "trunk rotation, from a webcam or a recorded video. Everything stays on this clinic's server.")

if waiting := waiting_home_checks(engine()):
    st.warning("New home checks from patients, waiting to be looked at and adopted on **Clients and history**: "
               + ", ".join(f"{plain(name)} ({n})" for name, n in waiting.items()) + ".")

if DEMO in client_names():
    st.info(f"The demo client **{DEMO}** is loaded (a simulated body, not a real person): two visits, each with a "
            "pre and a post assessment. See **Compare** and **Clients and history**.")
elif st.button("Load the demo client", type="primary"):
    try:
        with st.spinner("Simulating two visits ..."):
            stored = load_demo(engine())
        st.success(f"Demo client loaded: two visits with {stored} tests. Open **Compare** to see before and after.")
    except PostureError as e:
        st.error(str(e))

st.markdown("**Visit**: a battery of tests before and after treatment, then the comparison and its PDF. "
            "**Live assessment**: one guided test with the webcam. **Analyse a video**: a recording or a bundled "
            "sample. **Compare**: any two sessions, with real-change flags and a PDF report.")

with st.expander(f"The clinic's name on reports: {plain(clinic_name(engine())) or 'not set yet'}"):
    with st.form("clinic-name"):
        name = st.text_input("Clinic name", value=clinic_name(engine()), key="clinic-name-input")
        if st.form_submit_button("Save the name"):
            try:
                set_clinic_name(engine(), name)
                st.rerun()
            except PostureError as e:
                st.error(str(e))
