"""Analyse a recorded video (or a bundled sample) for a client, show the result and save it to a session."""

from __future__ import annotations

import json

import streamlit as st

from app_pages.common import (MAX_UPLOAD_MB, SAMPLES, TEST_NAMES, VIDEO_TYPES, active_profile, analyse_recording,
                              analyse_upload, client_height, client_picker, engine, plain, session_fields, show_result)
from posture.analysis import AUTO, recognised_words
from posture.errors import PostureError
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
elif pressed or st.session_state.get("analysis", (None,) * 4)[3] != client:
    st.session_state.pop("analysis", None)           # a failed analysis, or another client's result

if "analysis" in st.session_state:
    analysis, name, profile, _ = st.session_state["analysis"]
    result, series = analysis.result, analysis.series
    st.caption(f"From {plain(name)}")
    if analysis.recognised:
        st.warning(recognised_words(analysis))
    show_result(result)
    with st.container(border=True):
        st.markdown(f"**Save for {client}**" if client else "**Choose or add the client above to save**")
        lab, pain, notes = session_fields("analyse")
        if st.button("Save", disabled=not client):
            try:
                sid = record_tests(engine(), client, lab, [(result, series)], pain=pain, notes=notes, profile=profile)
                st.success(f"Saved in session {sid} ({lab}, today) for {client}.")
            except PostureError as e:
                st.error(str(e))
