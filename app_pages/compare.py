"""Before and after: any two sessions of a client (a visit's pre and post by default), as the PDF shows them."""

from __future__ import annotations

import streamlit as st

from app_pages.common import comparison_of, existing_client, show_comparison
from posture.store.report import session_title
from posture.store.visits import comparable_pair

st.title("Compare")
client, sessions = existing_client("compare-client", "No clients yet: load the demo client on the Start page, "
                                                     "or run a visit first.")
if len(sessions) < 2:
    st.info(f"{client} has {len(sessions)} session: two are needed for a comparison. Run a visit (before and "
            "after treatment) on the Visit page.")
    st.stop()

before_default, after_default = comparable_pair(sessions) or (sessions[-2], sessions[-1])
c1, c2 = st.columns(2)
before = c1.selectbox("Before", sessions, index=sessions.index(before_default), format_func=session_title)
after = c2.selectbox("After", sessions, index=sessions.index(after_default), format_func=session_title)
if before.id == after.id:
    st.info("Choose two different sessions.")
    st.stop()
show_comparison(*comparison_of(before.id, after.id, client, sessions), f"{client}-{before.id}-{after.id}.pdf")
