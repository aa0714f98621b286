"""Clients and their history: add a client, see every session, trends, exports and home checks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.access import link_warning
from app_pages.common import client_height, engine, existing_client, show_result
from posture.errors import PostureError
from posture.export import label
from posture.store.export import sessions_csv, sessions_json
from posture.store.report import session_title, trend_chart, trend_points, trend_title
from posture.store.access import CODE_DAYS, home_codes, new_home_code, revoke_home_codes
from posture.store.codes import qr_png
from posture.store.models import CONDITIONS
from posture.store.records import add_client, import_bundle, pair_client, stored_result
from posture.store.models import ADOPTABLE
from posture.store.visits import adopt_home_check, set_height


def home_link_panel(client: str) -> None:
    """The client's home-check codes: make one (shown once, with its link), see which still work, withdraw them."""
    st.subheader("Home checks by link")
    st.caption("A code opens the home check and this client's own results, nothing else, until it expires or you "
               "withdraw it. The patient's video stays on their device; their results land here.")
    days, make, withdraw = st.columns([2, 2, 2], vertical_alignment="bottom")
    lasting = days.number_input("Valid for (days)", 1, 365, CODE_DAYS, key=f"code-days-{client}")
    if make.button("New home-check link", type="primary", key=f"code-new-{client}"):
        code = new_home_code(engine(), client, int(lasting))
        base = (st.context.url or "").split("?")[0].rsplit("/", 1)[0]
        link = f"{base}/?code={code}"
        st.success(f"Give {client} this link (the copy button is at its right), or let their phone read the QR "
                   f"code, or give the code **{code}** to type on the app's first page. It is shown only now.")
        st.code(link, language=None)
        st.image(qr_png(link), width=220, caption="The link as a QR code, for the patient's phone camera")
        if warning := link_warning(base):
            st.warning(warning)
    if withdraw.button("Withdraw every code", key=f"code-revoke-{client}"):
        st.info(f"{revoke_home_codes(engine(), client)} code(s) withdrawn.")
    codes = home_codes(engine(), client)
    if codes:
        st.dataframe([{"Code ending": c.hint, "Made": f"{c.created:%Y-%m-%d}", "Expires": f"{c.expires:%Y-%m-%d}",
                       "Works": "yes" if c.active else "no"} for c in codes], hide_index=True)


st.title("Clients and history")

with st.expander("Add a client"):
    with st.form("add-client", clear_on_submit=True):
        pseudonym = st.text_input("Pseudonym (initials or a code; no real names are needed)")
        birth_year = st.number_input("Birth year (optional)", 0, 2030, 0)
        height = st.number_input("Height in cm, for distances (0 if unknown)", 0.0, 250.0, 0.0, step=1.0)
        conditions = st.multiselect("Conditions", CONDITIONS)
        if st.form_submit_button("Add"):
            try:
                add_client(engine(), pseudonym.strip(), birth_year or None, tuple(conditions), height_cm=height or None)
                st.success(f"Client {pseudonym} added.")
            except PostureError as e:
                st.error(str(e))

with st.expander("Import a home check"):
    bundle = st.file_uploader("Home-check file from a patient", type=["json"], key="bundle")
    if bundle is not None and st.button("Import"):
        try:
            st.success(f"Imported as session {import_bundle(engine(), bundle.getvalue())}.")
        except PostureError as e:
            st.error(str(e))

client, sessions = existing_client("history-client", "No clients yet: add one above, or load the demo client "
                                                     "on the Start page.")
with st.form("height"):
    height = st.number_input("Height in cm (0 if unknown): used for centimetres in every test", 0.0, 250.0,
                             client_height(client) or 0.0, step=1.0, key=f"height-{client}")
    if st.form_submit_button("Save the height"):
        try:
            set_height(engine(), client, height or None)
            st.success("Saved.")
        except PostureError as e:
            st.error(str(e))


def session_table(sessions: list) -> None:
    st.dataframe(pd.DataFrame([{"Session": s.id, "Date": s.visit.visit_date, "Visit": s.visit_id, "Label": s.label,
                                "Pain": s.pain, "Tests": ", ".join(label(t.test) for t in s.tests),
                                "From": s.source} for s in sessions]), hide_index=True)


def session_numbers(session) -> None:
    """One session's results, test by test, with their +/- (the table the Analyse page shows)."""
    for t in session.tests:
        show_result(stored_result(t))


clinic = [s for s in sessions if not s.unadopted]
session_table(clinic)
if clinic:
    with st.expander("One session's numbers"):
        shown = st.selectbox("Session", clinic, format_func=session_title, key=f"history-session-{client}")
        session_numbers(shown)
home = [s for s in sessions if s.unadopted]
if adopted := st.session_state.pop("adopted", None):
    st.success(adopted)
if home:
    st.subheader("Home checks from the patient")
    st.caption("Measured by the patient at home: kept apart from the clinic's sessions until you adopt one.")
    session_table(home)
    pick, place, go = st.columns([2, 2, 1], vertical_alignment="bottom")
    chosen = pick.selectbox("Home check", home, format_func=session_title)
    as_label = place.selectbox("Adopt as", ADOPTABLE)
    with st.expander("Its numbers, before you adopt it", expanded=True):
        session_numbers(chosen)
    if go.button("Adopt"):
        try:
            adopt_home_check(engine(), chosen.id, as_label)
            st.session_state["adopted"] = (f"Home check of {chosen.visit.visit_date} (session {chosen.id}) adopted "
                                           f"as {as_label}: it is now part of {client}'s record and comparisons.")
            st.rerun()
        except PostureError as e:
            st.error(str(e))

trends = trend_points(sessions)             # drawn as the PDF draws them, only the one chosen
if trends:
    key = st.selectbox("Trend of", list(trends), format_func=trend_title)
    st.image(trend_chart(key, trends[key]), width=520)
else:
    st.caption("A trend is drawn once a measurement was taken on two visits or more.")

c1, c2, c3 = st.columns(3)
c1.download_button("History as CSV", sessions_csv(sessions), file_name=f"{client}.csv", mime="text/csv")
c2.download_button("History as JSON", sessions_json(sessions), file_name=f"{client}.json", mime="application/json")
if c3.button("Signing key for offline home-check files", help="For a patient who runs their own copy of posture "
             "and sends you a signed file (Import a home check, above). Not the home-check link below."):
    st.info(f"Signing key for {client}'s offline home-check files: **{pair_client(engine(), client)}** (give it to "
            "the patient; a new key replaces the old one)")

home_link_panel(client)
