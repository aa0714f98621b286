"""The front door: a patient opens their home check with a code, a therapist logs in (or, at the very first start,
creates the account with the set-up token the server printed on its console)."""

from __future__ import annotations

import streamlit as st

from app_pages.access import CODE_ERROR, logged_in, open_with_code
from app_pages.common import engine
from posture import settings
from posture.store.access import AccessError, create_first_account, has_therapist, log_in

st.title("posture")
patients, therapists = st.columns(2, gap="large")

with patients:
    st.subheader("Patients: your home check")
    if error := st.session_state.pop(CODE_ERROR, None):
        st.error(error)
    with st.form("code"):
        code = st.text_input("The code your therapist gave you", placeholder="ABCD-EFGH-JKMN")
        if st.form_submit_button("Open my home check", type="primary") and code.strip():
            open_with_code(code)
            st.rerun()
    st.caption("Or open the link your therapist sent you: it holds the code.")

with therapists:
    st.subheader("Therapists")
    if not has_therapist(engine()):
        st.caption("First start: create the therapist account with the set-up token the server printed on its "
                   "console when this page was first opened. Only a hash of the password is kept.")
        with st.form("first-account"):
            token = st.text_input("Set-up token", type="password")
            name = st.text_input("Your name")
            password = st.text_input("Password (at least 10 characters)", type="password")
            again = st.text_input("The password again", type="password")
            if st.form_submit_button("Create the account"):
                try:
                    if password != again:
                        raise AccessError("The two passwords differ: type them again.")
                    logged_in(create_first_account(engine(), settings.setup_token_file(), token, name, password))
                    st.rerun()
                except AccessError as e:
                    st.error(str(e))
    else:
        with st.form("login"):
            name = st.text_input("Name")
            password = st.text_input("Password", type="password")
            if st.form_submit_button("Log in"):
                try:
                    logged_in(log_in(engine(), name, password))
                    st.rerun()
                except AccessError as e:
                    st.error(str(e))
st.caption("Everything stays on this clinic's server: nothing is sent anywhere else.")
