"""The therapist's visit: the pre battery, the treatment, the post battery, then the comparison and its PDF.

Where the visit stands is read from the database each time (the day's pre and
post sessions and the tests they hold), so a reload or a second browser picks
it up where it was, and an open page redraws itself when another tab changes the
visit. The client and the visit's date are in the address.
"""

from __future__ import annotations

from datetime import date

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from app_pages.common import (MAX_UPLOAD_MB, TEST_NAMES, VIDEO_TYPES, active_profile, analyse_upload, client_height,
                              client_picker, comparison_of, engine, plain, show_comparison, show_result)
from app_pages.browser_panel import camera_panel
from app_pages.live_panel import forget_run
from posture.errors import PostureError
from posture.measures import TESTS
from posture.store.models import Label, Session
from posture.store.records import client_sessions, stored_result
from posture.store.visits import (add_test, battery, begin_session, delete_test, protocols, save_protocol,
                                  set_visit_notes, visit_session, visit_state)

LIVE, RECORDING = "Live camera", "A recording"
WATCH_S = 5                  # how often an open Visit page looks for changes made in another tab
STAGES = {Label.PRE: "Before treatment", Label.POST: "After treatment"}

st.title("Visit")
client = client_picker("visit")
if not client:
    st.info("Choose the client, or add a new one with their height (for centimetres), to start the visit.")
    st.stop()
today = date.today()
height = client_height(client)


def choose_battery() -> tuple[str, ...]:
    """Pick a saved battery, adjust it, and optionally save it under a name."""
    saved = protocols(engine())
    name = st.selectbox("Battery of tests", list(saved), key="visit-protocol")
    tests = st.multiselect("Tests, in order", list(TEST_NAMES), default=list(saved[name]),
                           format_func=TEST_NAMES.get, key=f"visit-tests-{name}")
    with st.expander("Save this battery for later visits"):
        new_name = st.text_input("Name", key="visit-protocol-name")
        if st.button("Save the battery"):
            try:
                save_protocol(engine(), new_name, tests)
                st.success(f"Saved as '{plain(new_name.strip())}'.")
            except PostureError as e:
                st.error(str(e))
    return tuple(tests)


def begin(label: str, planned: tuple[str, ...] | None) -> None:
    """The form that opens the pre or post assessment (the post one runs the pre's battery)."""
    tests = planned or choose_battery()
    if planned:
        st.markdown("The same tests as before treatment: " + ", ".join(TEST_NAMES[t] for t in planned) + ".")
    pain = st.slider("Pain now (0 none, 10 worst)", 0, 10, 0, key=f"visit-pain-{label}")
    if st.button(f"Begin the {label} assessment", type="primary", disabled=not tests):
        try:
            begin_session(engine(), client, label, tests, today, pain=pain)
            st.rerun()
        except PostureError as e:
            st.error(str(e))


def run_test(session: Session, test: str) -> None:
    """Measure the session's next test, live or from a recording, and store it in the session."""
    key = f"visit-{session.id}"
    st.subheader(f"Next: {TEST_NAMES[test]}")
    how = st.radio("Measure with", [LIVE, RECORDING], horizontal=True, key=f"{key}-how")
    outcome = None
    if how == LIVE:
        run, result, series = camera_panel(key, test, profile=active_profile(), height_cm=height, scroll=True)
        if result is not None:          # stored below; the run is forgotten once it is, so it is stored once
            outcome = result, series
    else:
        upload = st.file_uploader(f"Recording of this test (up to {MAX_UPLOAD_MB} MB)", type=VIDEO_TYPES,
                                  key=f"{key}-{test}-upload")
        if upload is not None and st.button("Analyse", type="primary"):
            analysis = analyse_upload(upload, test, height)
            outcome = None if analysis is None else (analysis.result, analysis.series)
    if outcome is not None:
        try:
            add_test(engine(), session.id, *outcome, profile=active_profile())
        except PostureError as e:
            st.error(str(e))
            return
        forget_run(key)
        st.session_state["visit-last"] = (session.id, test)
        st.rerun()


def recorded_test(session: Session, record, opened: bool) -> None:
    """One recorded test: its result, and deleting it (recorded by mistake) to measure it again, once confirmed."""
    ask = f"visit-delete-{record.id}"
    with st.expander(f"Result: {TEST_NAMES[record.test]}", expanded=opened or bool(st.session_state.get(ask))):
        show_result(stored_result(record))
        if not st.session_state.get(ask):
            if st.button(f"Delete this {TESTS[record.test].title.lower()} to measure it again", key=f"{ask}-ask"):
                st.session_state[ask] = True
                st.rerun()
            return
        st.warning("Delete this test's results and landmarks for good? The test then waits to be measured again.")
        yes, no = st.columns(2)
        if yes.button("Yes, delete it", key=f"{ask}-yes", type="primary"):
            try:
                delete_test(engine(), session.id, record.id)
            except PostureError as e:
                st.error(str(e))
                return
            st.session_state.pop(ask, None)
            st.session_state.pop("visit-last", None)
            st.rerun()
        if no.button("Keep it", key=f"{ask}-no"):
            st.session_state.pop(ask, None)
            st.rerun()


def show_stage(session: Session) -> bool:
    """The session's battery: what is done (with its results), and the next test until all are; True when every
    test is done or skipped and at least one was measured."""
    skipped = st.session_state.setdefault(f"visit-skipped-{session.id}", set())
    state = battery(session, skipped)
    todo = state.todo
    pain = f", pain {session.pain}/10" if session.pain is not None else ""
    st.markdown(f"**{len(state.done)} of {len(state.planned)} tests done**{pain}: "
                + ", ".join(("✓ " if t in state.done else "skipped: " if t in skipped else "")
                            + TEST_NAMES[t] for t in state.planned))
    last, latest = st.session_state.get("visit-last"), {t.test: t for t in session.tests}
    for record in session.tests:             # the one just measured opened while the battery goes on
        just_measured = last == (session.id, record.test) and latest[record.test] is record
        recorded_test(session, record, opened=bool(todo) and just_measured)
    if todo:
        run_test(session, todo[0])
        if st.button(f"Skip {TEST_NAMES[todo[0]]} this time"):
            skipped.add(todo[0])
            st.rerun()
    elif not state.done:
        st.warning("Every test was skipped, so nothing is measured yet.")
        if st.button("Take the skipped tests again", key=f"unskip-{session.id}"):
            skipped.clear()
            st.rerun()
    return state.complete




@st.fragment(run_every=WATCH_S)
def watch_the_visit(drawn: tuple) -> None:
    """Every few seconds: when another tab or computer has changed this visit (a test saved or deleted, the post
    assessment begun), draw the page again from the database, so that two tabs agree and none invites a duplicate."""
    try:
        changed = visit_state(engine(), client, today) != drawn
    except (SQLAlchemyError, PostureError):      # the database away for a moment: the page's next run says so
        return
    if changed:
        st.rerun(scope="app")


drawn = visit_state(engine(), client, today)
pre = visit_session(engine(), client, today, Label.PRE)
post = visit_session(engine(), client, today, Label.POST)
watch_the_visit(drawn)
if (asked := st.query_params.get("visit")) not in (None, today.isoformat()):
    st.info(f"The address named the visit of {plain(asked)}; this page records today's visit. Earlier visits are on "
            "Clients and history and Compare.")
st.query_params["visit"] = today.isoformat()                  # the address names the client and the visit
st.caption(f"Visit of {today:%d %B %Y}. " + (f"Height {height:.0f} cm." if height else
                                              "Height unknown: distances will not be in centimetres."))



def visit_notes(session: Session) -> None:
    """The therapist's notes on the visit (what was treated, how it went), saved with it and shown on the report."""
    with st.expander("Visit notes" + (": " + plain(session.visit.notes[:60]) if session.visit.notes else "")):
        with st.form("visit-notes"):
            notes = st.text_area("Notes on this visit (shown on the report)", value=session.visit.notes,
                                 key=f"visit-notes-{session.visit.id}")
            if st.form_submit_button("Save the notes"):
                try:
                    set_visit_notes(engine(), client, today, notes)
                    st.rerun()
                except PostureError as e:
                    st.error(str(e))


st.header("1. " + STAGES[Label.PRE])
if pre is None:
    begin(Label.PRE, None)
    st.stop()
visit_notes(pre)
if not show_stage(pre):
    st.stop()

st.header("2. " + STAGES[Label.POST])
if post is None:
    st.markdown("Give the treatment, then measure again with the same tests.")
    begin(Label.POST, battery(pre).done)          # the tests measured before, so that each one pairs
    st.stop()
if not show_stage(post):
    st.stop()

st.header("3. Before and after")
show_comparison(*comparison_of(pre.id, post.id, client, client_sessions(engine(), client)), f"{client}-{today}.pdf")
