"""Who is using the app: a therapist (logged in), a patient (a home-check code), or nobody yet (the login page).

The library (posture.store.access) decides; this only reads the request and
keeps the answer in the server-side session, which the browser cannot write.
A code is checked again on every run, so a withdrawn one stops working at once.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import streamlit as st

from app_pages.common import PATIENT, THERAPIST, engine
from posture.store import codes
from posture.store.access import AccessError, client_for_code

CODE, CODE_ERROR = "home-code", "code-error"
PROXY_HEADERS = ("X-Forwarded-For", "X-Real-Ip", "Forwarded")


def patient() -> str | None:
    """The client whose code opened this session (None for a therapist or nobody): checked on every run, from the
    address the first time, then from this session. The code leaves the address bar at once (right or wrong), so
    that the browser's history and a shared screen do not keep it."""
    code = st.query_params.get("code") or st.session_state.get(CODE)
    st.query_params.pop("code", None)
    if not code:
        return None
    try:
        st.session_state[PATIENT] = client_for_code(engine(), code)
        st.session_state[CODE] = code
        st.session_state.pop(CODE_ERROR, None)
    except AccessError as e:
        for key in (PATIENT, CODE):
            st.session_state.pop(key, None)
        st.session_state[CODE_ERROR] = str(e)
    return st.session_state.get(PATIENT)


def therapist() -> str | None:
    """The therapist logged in on this session, None when nobody is."""
    return st.session_state.get(THERAPIST)


def open_with_code(code: str) -> None:
    """Reopen the app with the code in its address (as the therapist's link has it)."""
    st.query_params["code"] = codes.normalise(code)


def log_out() -> None:
    st.session_state.pop(THERAPIST, None)


def on_this_computer() -> bool:
    """The browser runs on the server's own computer (not through a proxy): only there may the first account be made."""
    headers = st.context.headers
    return st.context.ip_address is None and not any(headers.get(h) for h in PROXY_HEADERS)


def link_warning(url: str) -> str | None:
    """Why a home-check link made at this address would not work on a patient's device, None when it would.

    The link is the address the therapist's browser used: one naming this computer (localhost, 127.0.0.1) opens
    nothing elsewhere, and on plain http a patient's browser will not open the camera.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:                            # the browser did not say: nothing to warn of
        return None
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        return ("This link names this computer itself, so it opens only here: to make links for patients' devices, "
                "open posture by its https address (README: Serving the app to phones and patients).")
    if parts.scheme != "https":
        return ("This link is plain http, and a patient's browser opens the camera only over https: serve posture "
                "over https (README: Serving the app to phones and patients) and make the link there.")
    return None
