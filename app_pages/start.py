"""First page: what posture does, and a demo client from the bundled sample videos."""

from __future__ import annotations

import json
from datetime import date

import streamlit as st

from app_pages.common import SAMPLES, client_names, engine, home_mode
from posture.errors import PostureError
from posture.pipeline import analyse_video
from posture.store.records import save_session

DEMO = "Demo"

if home_mode():
    st.title("Your home check")
    st.markdown("### 1. Put the camera at chest height, 2 to 3 metres away.\n"
                "### 2. Make sure your whole body, head to feet, fits in the picture.\n"
                "### 3. Open **Live check** on the left and follow the instructions on screen.")
    st.stop()

st.title("posture")
st.write("Markerless posture and range-of-motion assessment: standing posture, forward bend, side bend and "
         "trunk rotation, from a webcam or a recorded video. Everything stays on this computer.")

if DEMO in client_names():
    st.info(f"The demo client **{DEMO}** is loaded: see **Clients and history** and **Compare**.")
elif st.button("Load the demo client from the sample videos", type="primary"):
    videos = sorted(SAMPLES.glob("*.mp4"))
    bar = st.progress(0.0, text="Analysing the sample videos ...")
    tests = []
    for k, video in enumerate(videos):
        test = json.loads(video.with_suffix(".json").read_text())["test"]
        try:
            series, result = analyse_video(video, test, height_cm=None)
            tests.append((result, series))
        except PostureError as e:
            st.warning(f"{video.name}: {e}")
        bar.progress((k + 1) / len(videos), text=f"{video.name} done")
    sid = save_session(engine(), DEMO, "pre", tests, visit_date=date.today(), notes="bundled sample videos")
    st.success(f"Demo client loaded: session {sid} with {len(tests)} tests. Open **Clients and history**.")

st.markdown("**Live assessment**: guided test with the webcam. **Analyse a video**: a recording or a bundled "
            "sample. **Compare**: before and after treatment, with real-change flags and a PDF report.")
