"""posture in the browser: live guided checks, video analysis, clients, comparison, calibration.

A thin layer over the library: every number comes from `posture`, every page
only gathers input and shows results. Start it with `bash dev.sh app`.
Therapists log in; a patient's home-check code opens only their own check and
results; anyone else sees the login page alone.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from app_pages.access import (first_start, forget_login, guard_uploads, let_upload, log_out, patient,
                              remember_login, still_logged_in, therapist)
from app_pages.common import database_label, database_trouble, plain
from posture import settings
from posture.privacy import owner_only, sweep_stale_uploads
from posture.store.db import StorageError


@st.cache_resource(show_spinner=False)
def private_start() -> None:
    """Once per server: every file it writes owner-only, uploads left by a killed analysis removed, Streamlit's
    upload endpoint open only to a therapist's session."""
    owner_only()
    sweep_stale_uploads()
    guard_uploads()


private_start()
# Icons are emoji, drawn by the browser: a ":material/...:" icon makes the tab fetch it from fonts.gstatic.com.
st.set_page_config(page_title="posture", page_icon="🧍", layout="wide")


def serve() -> None:
    """The pages this visitor may open: a patient's own, a therapist's, or the login page alone."""
    client = patient()              # a home-check code opens one client's check and results, and nothing else
    let_upload(client is None and therapist() is not None)
    if client is not None:
        with st.sidebar:
            st.caption(f"Home check for {client}. Your results go straight to your therapist; the video stays on "
                       "this device.")
        pages = [st.Page("app_pages/live.py", title="Home check", icon="🎥", default=True),
                 st.Page("app_pages/my_results.py", title="My results", icon="📈")]
    elif (name := therapist()) is not None:
        with st.sidebar:
            where = database_label()
            st.caption(f"Database: {where}" if "://" in where and not where.startswith("sqlite") else
                       f"Data stays on this computer: {where}")
            st.caption(f"Logged in as {plain(name)}.")          # a name is text, never Markdown (an image fetched)
            st.button("Log out", on_click=log_out, help="Logs you out in every tab and browser.")
            remember_login()
            still_logged_in()
        pages = [st.Page("app_pages/start.py", title="Start", icon="🏠", default=True),
                 st.Page("app_pages/visit.py", title="Visit", icon="📅"),
                 st.Page("app_pages/live.py", title="Live assessment", icon="🎥"),
                 st.Page("app_pages/analyse.py", title="Analyse a video", icon="🎬"),
                 st.Page("app_pages/clients.py", title="Clients and history", icon="👥"),
                 st.Page("app_pages/compare.py", title="Compare", icon="⚖️"),
                 st.Page("app_pages/calibration.py", title="Calibration", icon="📏")]
    else:                           # nobody yet: the therapist pages are not even listed
        forget_login()
        first_start(settings.database())         # no account yet: the set-up token, on the console
        pages = [st.Page("app_pages/login.py", title="Log in", icon="🔑", default=True)]
    st.navigation(pages).run()


try:
    serve()
except (SQLAlchemyError, StorageError) as e:     # the database failed mid-page: one sentence, never its SQL or host
    database_trouble(e)
