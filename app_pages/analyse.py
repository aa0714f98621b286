"""Analyse a recorded video (or a bundled sample), show the result and save it to a session."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import streamlit as st

from app_pages.common import SAMPLES, TEST_NAMES, active_profile, client_picker, engine, session_fields, show_result
from posture.errors import PostureError
from posture.measures import AnalysisConfig
from posture.pipeline import analyse_video
from posture.store.records import save_session
from posture.video import probe

MAX_UPLOAD_MB = 200
AUTO = "auto"

st.title("Analyse a video")


def analyse(video: Path, test: str, height_cm: float | None) -> None:
    """Run the pipeline with a progress bar; keep the outcome for the save form, or show why not."""
    profile = active_profile()
    config = AnalysisConfig()
    try:
        total = probe(video).frame_count
        bar = st.progress(0.0, text="Finding the pose in each frame ...")
        done = [0]

        def tick() -> None:
            done[0] += 1
            if done[0] % 10 == 0:
                bar.progress(min(done[0] / total, 1.0), text=f"Frame {done[0]} of {total}")

        series, result = analyse_video(video, test, config, height_cm=height_cm, on_frame=tick, profile=profile)
        bar.empty()
    except PostureError as e:
        st.session_state.pop("analysis", None)
        st.error(str(e))
        return
    st.session_state["analysis"] = (result, series, video.name, profile)


source = st.radio("Video", ["Bundled sample", "Upload a recording"], horizontal=True)
tests = [AUTO, *TEST_NAMES]
names = {AUTO: "Recognise the test automatically", **TEST_NAMES}
height = st.number_input("Subject's height in cm, for distances (0 if unknown)", 0.0, 250.0, 170.0)
if source == "Bundled sample":
    videos = sorted(SAMPLES.glob("*.mp4"))
    video = st.selectbox("Sample", videos, format_func=lambda p: p.stem.replace("_", " "))
    shown = json.loads(video.with_suffix(".json").read_text())["test"]
    test = st.selectbox("Test", tests, index=tests.index(shown), format_func=names.get)
    if st.button("Analyse", type="primary"):
        analyse(video, test, height or None)
else:
    upload = st.file_uploader(f"Recording (MP4, MOV, AVI, WEBM or MKV; up to {MAX_UPLOAD_MB} MB)",
                              type=["mp4", "mov", "avi", "webm", "mkv"])
    test = st.selectbox("Test", tests, format_func=names.get)
    if upload is not None and st.button("Analyse", type="primary"):
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            st.error(f"The file is larger than {MAX_UPLOAD_MB} MB: trim the recording to the test itself.")
        else:
            # The raw video exists only for the analysis and is deleted straight after.
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / Path(upload.name).name
                path.write_bytes(upload.getvalue())
                analyse(path, test, height or None)

if "analysis" in st.session_state:
    result, series, name, profile = st.session_state["analysis"]
    st.caption(f"From {name}")
    show_result(result)
    with st.container(border=True):
        st.markdown("**Save to a session**")
        client = client_picker("analyse")
        lab, pain, notes = session_fields("analyse")
        if st.button("Save"):
            if not client:
                st.error("Enter the client's pseudonym to save.")
            else:
                try:
                    sid = save_session(engine(), client, lab, [(result, series)], pain=pain, notes=notes,
                                       profile=profile)
                    st.success(f"Saved as session {sid} for {client}.")
                except PostureError as e:
                    st.error(str(e))
