"""posture in the browser: live guided checks, video analysis, clients, comparison, calibration.

A thin layer over the library: every number comes from `posture`, every page
only gathers input and shows results. Start it with `bash dev.sh app`.
"""

from __future__ import annotations

import streamlit as st

from app_pages.common import HOME, THERAPIST, database_label
from posture.privacy import owner_only, sweep_stale_uploads


@st.cache_resource(show_spinner=False)
def private_start() -> None:
    """Once per server: every file it writes owner-only, uploads left by a killed analysis removed."""
    owner_only()
    sweep_stale_uploads()


private_start()
# Icons are emoji, drawn by the browser: a ":material/...:" icon makes the tab fetch it from fonts.gstatic.com.
st.set_page_config(page_title="posture", page_icon="🧍", layout="wide")

with st.sidebar:
    mode = st.radio("Who is using posture?", [THERAPIST, HOME], key="mode",
                    help="Home check: plain instructions, large text, one step at a time.")
    where = database_label()
    st.caption(f"Database: {where}" if "://" in where and not where.startswith("sqlite") else
               f"Data stays on this computer: {where}")

start = st.Page("app_pages/start.py", title="Start", icon="🏠", default=True)
live = st.Page("app_pages/live.py", title="Live check" if mode == HOME else "Live assessment", icon="🎥")
if mode == HOME:
    pages = [start, live]
else:
    pages = [start, st.Page("app_pages/visit.py", title="Visit", icon="📅"), live,
             st.Page("app_pages/analyse.py", title="Analyse a video", icon="🎬"),
             st.Page("app_pages/clients.py", title="Clients and history", icon="👥"),
             st.Page("app_pages/compare.py", title="Compare", icon="⚖️"),
             st.Page("app_pages/calibration.py", title="Calibration", icon="📏")]
st.navigation(pages).run()
