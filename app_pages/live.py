"""Live guided assessment of one test with the browser's webcam: framing, neutral, repetitions, result, saved."""

from __future__ import annotations

import streamlit as st

from app_pages.common import TEST_NAMES, active_profile, client_height, client_picker, engine, home_mode, \
    session_fields, show_result
from app_pages.live_panel import forget_run, live_panel
from posture.errors import PostureError
from posture.store.bundle import bundle_session
from posture.store.records import load_session, save_session

home = home_mode()
st.title("Live check" if home else "Live assessment")

with st.expander("Test and client", expanded=True):
    test = st.selectbox("Test", list(TEST_NAMES), format_func=TEST_NAMES.get, key="live-test")
    if home:
        client, lab, notes = "me", "home check", ""
        pain = st.slider("How much pain do you have right now? (0 none, 10 worst)", 0, 10, 0, key="live-pain")
    else:
        client = client_picker("live")
        lab, pain, notes = session_fields("live")

profile = active_profile()      # fitted to the webcam's resolution, with undistortion, by the live check itself
run, result, series = live_panel("live", test, home=home, profile=profile,
                                 height_cm=client_height(client) if client else None)
if result is not None:
    if run.saved_session is None:
        if not client:
            st.warning("Enter the client's pseudonym above to save this result.")
        else:
            try:
                run.saved_session = save_session(engine(), client, lab, [(result, series)], pain=pain, notes=notes,
                                                 profile=profile, source="live")
            except PostureError as e:
                st.error(str(e))
    if run.saved_session is not None:
        st.info(f"Saved as session {run.saved_session} for {client}.")
    if home:
        st.markdown("## To send the result to your therapist, type the code they gave you:")
        code = st.text_input("Code from your therapist", key="home-code")
        if code and run.saved_session is not None:
            data = bundle_session(load_session(engine(), run.saved_session), code)
            st.download_button("Download the file for your therapist", data, file_name="home-check.json",
                               mime="application/json", type="primary")
    else:
        show_result(result)
    if st.button("Start a new check"):
        forget_run("live")
        st.rerun()
