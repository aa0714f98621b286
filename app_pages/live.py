"""Live guided assessment of one test with the browser's webcam: framing, neutral, repetitions, result, saved."""

from __future__ import annotations

import streamlit as st

from app_pages.common import TEST_NAMES, active_profile, client_height, client_picker, engine, home_client, \
    session_fields, show_patient_result, show_result
from app_pages.browser_panel import camera_panel
from app_pages.live_panel import forget_run, mark_saved, saved_session
from posture.errors import PostureError
from posture.store.models import Label
from posture.store.records import record_tests


def narrow_table_css() -> str:
    """On a phone the result table scrolls sideways with its first column kept in view, in smaller type, and a line
    says so; on a wider screen the line is hidden."""
    page = "#0e1117" if st.context.theme.type == "dark" else "#ffffff"
    table = ".st-key-live-result [data-testid='stTable']"
    return f"""<style>
.st-key-live-swipe {{ display: none; }}
@media (max-width: 640px) {{
  .st-key-live-swipe {{ display: block; }}
  {table} table {{ font-size: 0.8rem; }}
  {table} th, {table} td {{ padding: 0.3rem 0.45rem; }}
  {table} tr > :first-child {{ position: sticky; left: 0; z-index: 1; background: {page}; min-width: 6.5rem; }}
  {table} > div::-webkit-scrollbar {{ height: 0.4rem; }}
  {table} > div::-webkit-scrollbar-thumb {{ background: rgba(128, 128, 128, 0.6); border-radius: 0.2rem; }}
}}
</style>"""


patient = home_client()
home = patient is not None
st.title("Your home check" if home else "Live assessment")

# The choices in one row and a smaller top margin, so that the video below them shows whole on a laptop screen
# (1400x900), even while the form for a new client is open.
st.html("<style>[data-testid='stMainBlockContainer'] { padding-top: 4rem; }</style>")
if home:
    st.page_link("app_pages/my_results.py", label="My results", icon="📈")
    st.markdown("**1.** Put the camera at chest height, 2 to 3 metres away. **2.** Make sure your whole body, head to "
                "feet, fits in the picture. **3.** Choose the test, then follow the instructions on screen.")
    pick, pain_now = st.columns([3, 2])
    test = pick.selectbox("Test", list(TEST_NAMES), format_func=TEST_NAMES.get, key="live-test", index=None,
                          placeholder="Choose the test")
    client, lab, notes = patient, Label.HOME_CHECK, ""
    pain = pain_now.slider("How much pain do you have right now? (0 none, 10 worst)", 0, 10, 0, key="live-pain")
else:
    pick, who, session = st.columns([2, 3, 3])
    test = pick.selectbox("Test", list(TEST_NAMES), format_func=TEST_NAMES.get, key="live-test")
    with who:
        client = client_picker("live")
    with session:
        lab, pain, notes = session_fields("live")

if test is None:                # the camera starts only once the patient has chosen what to do
    st.stop()
profile = active_profile()      # fitted to the webcam's resolution, with undistortion, by the live check itself
run, result, series = camera_panel("live", test, home=home, profile=profile,
                                 height_cm=client_height(client) if client else None, scroll=home)
if result is not None:
    if saved_session("live") is None:
        if not client:
            st.warning("Enter the client's pseudonym above to save this result.")
        else:
            try:
                mark_saved("live", record_tests(engine(), client, lab, [(result, series)], pain=pain, notes=notes,
                                                profile=profile, source="home" if home else "live",
                                                device_run=run.browser if home else None))
            except PostureError as e:
                st.error(str(e))
    if saved_session("live") is not None:
        st.info("Saved: your therapist sees this result now (My results has all of yours)." if home else
                f"Saved in session {saved_session('live')} ({lab}) for {client}.")
    if home:
        show_patient_result(result)
    else:
        with st.container(key="live-result"):
            show_result(result)
        with st.container(key="live-swipe"):
            st.caption("Swipe the table sideways to see all its columns.")
        st.html(narrow_table_css())
    if st.button("Start a new check"):
        forget_run("live")
        st.rerun()
