"""Analyse a recorded video (or a bundled sample) for a client, show the result and save it to a session."""

from __future__ import annotations

import json

import streamlit as st

from app_pages.common import (MAX_UPLOAD_MB, SAMPLES, TEST_NAMES, VIDEO_TYPES, active_profile, analyse_recording,
                              analyse_upload, client_height, client_picker, engine, plain, session_fields, show_result)
from posture.analysis import AUTO, Analysis, recognised_words
from posture.errors import PostureError, UnsureTestError
from posture.measures import TESTS
from posture.store.records import record_tests


st.title("Analyse a video")
client = client_picker("analyse")
height = client_height(client) if client else None

source = st.radio("Video", ["Bundled sample", "Upload a recording"], horizontal=True)
tests = [AUTO, *TEST_NAMES]
names = {AUTO: "Recognise the test automatically", **TEST_NAMES}
outcome, pressed = None, False
if source == "Bundled sample":
    videos = sorted(SAMPLES.glob("*.mp4"))
    video = st.selectbox("Sample", videos, format_func=lambda p: p.stem.replace("_", " "), key="analyse-sample")
    shown = json.loads(video.with_suffix(".json").read_text())["test"]
    test = st.selectbox("Test", tests, index=tests.index(shown), format_func=names.get, key=f"analyse-test-{video.stem}")
    if pressed := st.button("Analyse", type="primary"):
        outcome, name = analyse_recording(video, test, height), video.name
else:
    upload = st.file_uploader(f"Recording (MP4, MOV, AVI, WEBM or MKV; up to {MAX_UPLOAD_MB} MB)", type=VIDEO_TYPES)
    test = st.selectbox("Test", tests, format_func=names.get)
    if pressed := upload is not None and st.button("Analyse", type="primary"):
        outcome, name = analyse_upload(upload, test, height), upload.name
if outcome is not None:
    st.session_state["analysis"] = (outcome, name, active_profile(), client)
if pressed:                                          # a new analysis is confirmed afresh
    for key in ("analyse-confirm-test", "analyse-choose-test"):
        st.session_state.pop(key, None)
if outcome is None and (pressed or st.session_state.get("analysis", (None,) * 4)[3] != client):
    st.session_state.pop("analysis", None)           # a failed analysis, or another client's result


def confirmed_analysis(outcome: Analysis | UnsureTestError) -> tuple[Analysis | None, bool]:
    """The analysis to show and whether its test is confirmed. A test the user named is; one the tool recognised
    is once the user says so; one it was not sure of is shown only once the user chooses it."""
    if isinstance(outcome, UnsureTestError):
        st.warning(str(outcome))
        choices = dict(outcome.choices)
        chosen = st.radio("Which test does the recording show?", list(choices), index=None, format_func=TEST_NAMES.get,
                          key="analyse-choose-test")
        if chosen is None:
            return None, False
        if isinstance(choices[chosen], str):           # the chosen test refused this recording
            st.error(choices[chosen])
            return None, False
        return choices[chosen], True
    if outcome.recognition is None:
        return outcome, True
    st.info(recognised_words(outcome))
    return outcome, st.checkbox(f"Yes, the recording shows {TESTS[outcome.test].title.lower()}",
                                key="analyse-confirm-test")


if "analysis" in st.session_state:
    outcome, name, profile, _ = st.session_state["analysis"]
    st.caption(f"From {plain(name)}")
    analysis, confirmed = confirmed_analysis(outcome)
    if analysis is None:
        st.stop()
    result, series = analysis.result, analysis.series
    show_result(result)
    with st.container(border=True):
        st.markdown(f"**Save for {client}**" if client else "**Choose or add the client above to save**")
        lab, pain, notes = session_fields("analyse")
        if not confirmed:
            st.caption("Confirm the test above to save it: a test the tool recognised is saved only once you have.")
        if st.button("Save", disabled=not client or not confirmed):
            try:
                sid = record_tests(engine(), client, lab, [(result, series)], pain=pain, notes=notes, profile=profile)
                st.success(f"Saved in session {sid} ({lab}, today) for {client}.")
            except PostureError as e:
                st.error(str(e))
