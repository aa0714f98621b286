"""posture in the browser: live guided checks, video analysis, clients, comparison, calibration.

A thin layer over the library: every number comes from `posture`, every page
only gathers input and shows results. Start it with `bash dev.sh app`.
"""

from __future__ import annotations

import streamlit as st

from app_pages.common import HOME, THERAPIST, database_label

st.set_page_config(page_title="posture", page_icon=":material/accessibility_new:", layout="wide")

with st.sidebar:
    mode = st.radio("Who is using posture?", [THERAPIST, HOME], key="mode",
                    help="Home check: plain instructions, large text, one step at a time.")
    st.caption(f"Data stays on this computer: {database_label()}")

start = st.Page("app_pages/start.py", title="Start", icon=":material/home:", default=True)
live = st.Page("app_pages/live.py", title="Live check" if mode == HOME else "Live assessment", icon=":material/videocam:")
if mode == HOME:
    pages = [start, live]
else:
    pages = [start, st.Page("app_pages/visit.py", title="Visit", icon=":material/event_available:"), live,
             st.Page("app_pages/analyse.py", title="Analyse a video", icon=":material/movie:"),
             st.Page("app_pages/clients.py", title="Clients and history", icon=":material/group:"),
             st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
             st.Page("app_pages/calibration.py", title="Calibration", icon=":material/straighten:")]
st.navigation(pages).run()
