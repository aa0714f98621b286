"""Streamlit entry: analyse a bundled sample or an uploaded recording.

A thin layer over the library; the guided live assessment, history and
comparison pages come with the app issue.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import streamlit as st

from posture.errors import PostureError
from posture.export import label, measurement_rows
from posture.measures import TESTS
from posture.pipeline import analyse_video
from posture.video import probe

SAMPLES = Path(__file__).parent / "sample_videos"
MAX_UPLOAD_MB = 200


def sample_test(video: Path) -> str:
    """The test a bundled sample shows, from its sidecar."""
    return json.loads(video.with_suffix(".json").read_text())["test"]


def run_analysis(video: Path, test: str, height_cm: float | None) -> None:
    """Analyse with a progress bar and show the result, or the reason it could not be measured."""
    try:
        total = probe(video).frame_count
        bar = st.progress(0.0, text="Finding the pose in each frame ...")
        done = [0]

        def tick() -> None:
            done[0] += 1
            if done[0] % 10 == 0:
                bar.progress(min(done[0] / total, 1.0), text=f"Frame {done[0]} of {total}")

        _, result = analyse_video(video, test, height_cm=height_cm, on_frame=tick)
        bar.empty()
    except PostureError as e:
        st.error(str(e))
        return
    st.subheader(f"{label(result.test)} ({result.view} view)")
    st.table([row | {"Note": "; ".join(filter(None, (m.reason, *m.flags)))}
              for row, m in zip(measurement_rows(result), result.measurements)])
    for note in result.notes:
        st.caption(note)


st.set_page_config(page_title="posture", layout="centered")
st.title("posture")
st.write("Markerless posture and range-of-motion measurements from video.")

source = st.radio("Video", ["Bundled sample", "Upload a recording"], horizontal=True)
height = st.number_input("Subject's height in cm (for distances; 0 if unknown)", 0.0, 250.0, 170.0)
if source == "Bundled sample":
    videos = sorted(SAMPLES.glob("*.mp4"))
    video = st.selectbox("Sample", videos, format_func=lambda p: p.stem.replace("_", " "))
    test = st.selectbox("Test", list(TESTS), index=list(TESTS).index(sample_test(video)))
    if st.button("Analyse", type="primary"):
        run_analysis(video, test, height or None)
else:
    upload = st.file_uploader(f"Recording (MP4, MOV, AVI, WEBM; up to {MAX_UPLOAD_MB} MB)",
                              type=["mp4", "mov", "avi", "webm", "mkv"])
    test = st.selectbox("Test", list(TESTS))
    if upload is not None and st.button("Analyse", type="primary"):
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            st.error(f"The file is larger than {MAX_UPLOAD_MB} MB: trim the recording to the test itself.")
        else:
            # The raw video is kept only for the analysis, then deleted.
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / Path(upload.name).name
                path.write_bytes(upload.getvalue())
                run_analysis(path, test, height or None)
