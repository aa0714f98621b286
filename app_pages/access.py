"""Who is using the app: a therapist (logged in), a patient (a home-check code), or nobody yet (the login page).

The library (posture.store.access) decides; this only reads the request and
keeps the answer in the server-side session, which the browser cannot write.
A code is checked again on every run, so a withdrawn one stops working at once.
Here too: the set-up token printed while no therapist account exists
(`first_start`), and the guard on Streamlit's upload endpoint, which takes files
only for a therapist's session (`guard_uploads`, `let_upload`).
"""

from __future__ import annotations

import ipaddress
import json
from urllib.parse import urlsplit

import streamlit as st
import streamlit.components.v1 as components
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from app_pages.common import MAX_UPLOAD_MB, PATIENT, THERAPIST, engine
from posture.errors import PostureError
from posture.store import codes
from posture import settings
from posture.store.access import (AccessError, client_for_code, end_logins, first_start_token,
                                  login_name, open_login)

CODE, CODE_ERROR = "home-code", "code-error"
LOGIN, COOKIE = "login-token", "posture_login"      # session key and cookie holding a therapist's login token
LOGIN_CHECK_S = 5                                   # how often an open tab checks its login still holds
# What one therapist's session may hold in Streamlit's uploads at once: the calibration page's pictures of the
# board (a lens takes 10 to 30), or a visit's recordings (one a test, each up to MAX_UPLOAD_MB).
UPLOAD_FILES, UPLOAD_BYTES = 60, 6 * MAX_UPLOAD_MB * 2**20


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
    """The therapist logged in on this tab, None when nobody is. A login is checked on every run, so that logging
    out in one tab (which ends every login of that therapist) or its expiry logs this tab out too; after a reload
    the browser's login cookie (set by `remember_login`) opens the new session."""
    token = st.session_state.get(LOGIN)
    if token is None and THERAPIST not in st.session_state:
        token = _cookie()
    if token is None:
        return st.session_state.get(THERAPIST)        # a login without a cookie: this session only
    name = login_name(engine(), token)
    if name is None:
        for key in (THERAPIST, LOGIN):
            st.session_state.pop(key, None)
        return None
    st.session_state[THERAPIST], st.session_state[LOGIN] = name, token
    return name


def logged_in(name: str) -> None:
    """A therapist whose password (or set-up token) was just checked: a login for this browser, remembered in its
    cookie so that a reload keeps it."""
    st.session_state[THERAPIST], st.session_state[LOGIN] = name, open_login(engine(), name)


def remember_login() -> None:
    """The login's cookie written by the page (a frame of Streamlit's own, no request made): the same origin only,
    https-only where the page is, gone when the browser closes (the server ends it after LOGIN_HOURS). Not HttpOnly (a
    page's script writes it), so the token is only a key the server can end: logout ends it everywhere, and only its
    hash is stored."""
    token = st.session_state.get(LOGIN)
    if token is not None:
        _cookie_script(f"{COOKIE}={token}; Path=/; SameSite=Strict")


def forget_login() -> None:
    """The login cookie removed from a browser that holds one no longer valid (logged out, expired), unless the
    browser holds a newer one by now (logged in again in another tab)."""
    if stale := _cookie():
        _cookie_script(f"{COOKIE}=; Path=/; Max-Age=0; SameSite=Strict", only_if=f"{COOKIE}={stale}")


def _cookie() -> str | None:
    """The login token the browser sent with this session's connection, None without one."""
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) and value else None


def _cookie_script(cookie: str, only_if: str = "") -> None:
    """Write the cookie from the page (a session cookie: it goes when the browser closes; the server ends the login
    after LOGIN_HOURS anyway); with `only_if`, only while the browser still holds that very cookie."""
    components.html(f"""<script>
const doc = window.parent.document, secure = window.parent.location.protocol === "https:" ? "; Secure" : "";
if (!{json.dumps(only_if)} || doc.cookie.split("; ").includes({json.dumps(only_if)})) doc.cookie = "{cookie}" + secure;
</script>""", height=0)


@st.fragment(run_every=LOGIN_CHECK_S)
def still_logged_in() -> None:
    """Every few seconds: a tab whose login was ended elsewhere (logout in another tab) leaves the therapist's pages
    without waiting for a click."""
    token = st.session_state.get(LOGIN)
    try:
        ended = token is not None and login_name(engine(), token) is None
    except (SQLAlchemyError, PostureError):      # the database away for a moment: the page's next run says so
        return
    if ended:
        st.rerun(scope="app")


def open_with_code(code: str) -> None:
    """Open the home check with a code typed on the login page: kept in this session only, never put in the
    address (where the browser's history would keep it)."""
    st.session_state[CODE] = codes.normalise(code)


def log_out() -> None:
    """Log the therapist out of every tab and browser (their logins end; each tab finds that at its next step). This
    tab is logged out whatever happens; a database that fails is said on the next run."""
    try:
        if name := st.session_state.get(THERAPIST):
            end_logins(engine(), name)
    finally:
        for key in (THERAPIST, LOGIN):
            st.session_state.pop(key, None)


@st.cache_resource(show_spinner=False)
def first_start(database: str) -> None:
    """Once per server and database (`database` is the cache's key), at the first page anyone opens: while no therapist
    account exists, a new set-up token on the server's console and in its owner-only file
    (settings.setup_token_file); the login page asks for it. A file that cannot be written is said on the console,
    never on a page."""
    where = settings.setup_token_file(database)
    try:
        token = first_start_token(engine(), where)
    except OSError as e:
        print(f"\n  First start: the set-up token could not be written to {where} ({e.strerror or e}): make that "
              "folder writable for this account and restart the app.\n", flush=True)
        return
    if token:
        print(f"\n  First start: no therapist account yet. The set-up token to create it on the login page is\n\n"
              f"      {token}\n\n  (also in {where}, readable only by this account)\n", flush=True)


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


@st.cache_resource(show_spinner=False)
def _uploaders() -> set[str]:
    """The sessions with a therapist logged in: the only ones Streamlit's upload endpoint takes files for."""
    return set()


def let_upload(allowed: bool) -> None:
    """Whether this session may upload (a therapist logged in), told to the endpoint's guard on every run."""
    ctx = get_script_run_ctx()
    if ctx is not None:
        (_uploaders().add if allowed else _uploaders().discard)(ctx.session_id)


def guard_uploads() -> None:
    """Once per server (app.private_start): Streamlit's upload endpoint (PUT /_stcore/upload_file/<session>/<file>)
    accepts a file for any open session, so a visitor with neither a login nor a code could park files in the
    server's memory. The guard turns away a session without a therapist logged in before its body is read (the
    endpoint's own question, is this an open session, answered no: 400), and a therapist's session holding
    UPLOAD_FILES or UPLOAD_BYTES already (413); a body is capped by server.maxUploadSize, and before it by the
    reverse proxy (docs/clinic_server.md). Both hooks lean on Streamlit 1.60's internals (pinned in pyproject)."""
    if not Runtime.exists():                # AppTest runs the pages without a server
        return
    runtime, uploaders = Runtime.instance(), _uploaders()
    manager, active = runtime.uploaded_file_mgr, runtime.is_active_session
    add_file = manager.add_file

    def uploader(session_id: str) -> bool:  # asked by the endpoint alone (Streamlit 1.60), before it reads the body
        return active(session_id) and session_id in uploaders

    def checked(session_id: str, file) -> None:
        if session_id not in uploaders:
            raise HTTPException(status_code=403, detail="Log in as a therapist to upload.")
        held = [f for f in manager.file_storage.get(session_id, {}).values() if f.file_id != file.file_id]
        if len(held) >= UPLOAD_FILES or sum(len(f.data) for f in held) + len(file.data) > UPLOAD_BYTES:
            raise HTTPException(status_code=413, detail="This page holds too many uploads: reload it (what is saved "
                                                        "stays) and upload again.")
        add_file(session_id, file)

    runtime.is_active_session, manager.add_file = uploader, checked
