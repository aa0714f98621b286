"""The webcam check for one test, as a panel any page can show: camera, instructions, count, then the result.

Used by the Live page (one test) and the Visit page (a battery, test after
test). The camera thread runs `LiveRun.process`; this panel only shows what
the run says and hands back the result once the check is done.
"""

from __future__ import annotations

import time

import av
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from posture.calibration import CameraProfile
from posture.landmarks import LandmarkSeries
from posture.live import LiveConfig
from posture.live_camera import LiveRun
from posture.measures import TESTS, TestResult


def live_run(key: str, test: str, profile: CameraProfile | None, height_cm: float | None) -> LiveRun:
    """The run kept for this panel across reruns (a new one when the test changed)."""
    name = f"run-{key}"
    run = st.session_state.get(name)
    if run is None or run.test != test:
        run = st.session_state[name] = LiveRun(test, LiveConfig(), profile, height_cm)
    return run


def forget_run(key: str) -> None:
    """Drop the panel's run, so that the next rerun starts the test afresh."""
    st.session_state.pop(f"run-{key}", None)


def live_panel(key: str, test: str, *, home: bool = False, profile: CameraProfile | None = None,
               height_cm: float | None = None) -> tuple[LiveRun, TestResult | None, LandmarkSeries | None]:
    """Show the camera and the instructions until the check ends; the run, its result and landmarks (None, None
    while running or after a failure, which is shown here)."""
    run = live_run(key, test, profile, height_cm)

    def on_frame(frame: av.VideoFrame) -> av.VideoFrame:
        """Camera thread: pose, protocol step and overlay for one frame."""
        t = frame.time if frame.time is not None else time.monotonic()
        return av.VideoFrame.from_ndarray(run.process(frame.to_ndarray(format="rgb24"), t), format="rgb24")

    video, words = st.columns([3, 2])
    with video:
        ctx = webrtc_streamer(key=f"live-{key}-{test}", mode=WebRtcMode.SENDRECV, video_frame_callback=on_frame,
                              rtc_configuration={"iceServers": []},   # same machine or LAN: no STUN server needed
                              media_stream_constraints={"video": True, "audio": False}, async_processing=True)
        st.caption("If the picture stays black or the browser blocked the camera, allow camera access (the camera "
                   "icon in the address bar) and press Start again, or record a video and use a recording instead.")
    with words:
        instruction = st.empty()
        counter = st.empty()
        instruction.markdown("### Press **Start** and allow the camera. Stand where your whole body shows, "
                             + TESTS[test].camera_advice)

    while ctx.state.playing and run.outcome() == (None, None, ""):
        prompt = run.prompt()
        instruction.markdown(f"{'#' if home else '###'} {prompt.instruction}")
        if not home and prompt.angle is not None:
            done = ", ".join(f"{'left' if s > 0 else 'right'} {n}" if len(prompt.reps) > 1 else str(n)
                             for s, n in prompt.reps.items())
            counter.markdown(f"## {prompt.angle:+.0f} degrees\nrepetitions: {done or '-'}")
        time.sleep(0.25)

    result, series, error = run.outcome()
    if error:
        instruction.error(f"The check could not be measured: {error}")
        if st.button("Try again", key=f"again-{key}", type="primary"):
            forget_run(key)
            st.rerun()
    elif result is not None:
        instruction.success("Done, thank you. You can relax.")
    return run, result, series
