"""Live guided assessment with the browser's webcam: framing, neutral, repetitions, result, saved."""

from __future__ import annotations

import time

import av
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from app_pages.common import TEST_NAMES, active_profile, client_picker, engine, home_mode, session_fields, show_result
from posture.errors import PostureError
from posture.live import LiveConfig
from posture.live_camera import LiveRun
from posture.measures import TESTS
from posture.store.bundle import bundle_session
from posture.store.records import load_session, save_session

home = home_mode()
st.title("Live check" if home else "Live assessment")

with st.expander("Test and client", expanded=True):
    test = st.selectbox("Test", list(TEST_NAMES), format_func=TEST_NAMES.get, key="live-test")
    if home:
        client, lab, notes = "me", "home check", ""
        pain = st.slider("How much pain do you have right now? (0 none, 10 worst)", 0, 10, 0, key="live-pain")
    else:
        client = client_picker("live")
        lab, pain, notes = session_fields("live")

profile = active_profile()      # fitted to the webcam's resolution, with undistortion, by the live check itself
key = f"run-{test}"
if key not in st.session_state or st.session_state[key].test != test:
    st.session_state[key] = LiveRun(test, LiveConfig(), profile)
run: LiveRun = st.session_state[key]


def on_frame(frame: av.VideoFrame) -> av.VideoFrame:
    """Camera thread: pose, protocol step and overlay for one frame."""
    t = frame.time if frame.time is not None else time.monotonic()
    return av.VideoFrame.from_ndarray(run.process(frame.to_ndarray(format="rgb24"), t), format="rgb24")


video, words = st.columns([3, 2])
with video:
    ctx = webrtc_streamer(key=f"live-{test}", mode=WebRtcMode.SENDRECV, video_frame_callback=on_frame,
                          rtc_configuration={"iceServers": []},   # same machine or LAN: no STUN server needed
                          media_stream_constraints={"video": True, "audio": False}, async_processing=True)
    st.caption("If the picture stays black or the browser blocked the camera, allow camera access (the camera "
               "icon in the address bar) and press Start again, or record a video and use Analyse a video.")
with words:
    instruction = st.empty()
    counter = st.empty()
    instruction.markdown("### Press **Start** and allow the camera. Stand where your whole body shows, "
                         + TESTS[test].camera_advice)

while ctx.state.playing and run.outcome() == (None, None, ""):
    prompt = run.prompt()
    size = "#" if home else "###"
    instruction.markdown(f"{size} {prompt.instruction}")
    if not home and prompt.angle is not None:
        done = ", ".join(f"{'left' if s > 0 else 'right'} {n}" if len(prompt.reps) > 1 else str(n)
                         for s, n in prompt.reps.items())
        counter.markdown(f"## {prompt.angle:+.0f} degrees\nrepetitions: {done or '-'}")
    time.sleep(0.25)

result, series, error = run.outcome()
if error:
    instruction.error(f"The check could not be measured: {error} Press Stop, then Start to try again.")
elif result is not None:
    instruction.success("Done, thank you. You can relax.")
    if run.saved_session is None:
        if not client:
            st.warning("Enter the client's pseudonym above to save this result.")
        else:
            try:
                run.saved_session = save_session(engine(), client, lab, [(result, series)], pain=pain, notes=notes,
                                                 profile=profile, source="live")
            except PostureError as e:
                st.error(str(e))
    if run.saved_session is not None:
        st.info(f"Saved as session {run.saved_session} for {client}.")
    if home:
        st.markdown("## To send the result to your therapist, type the code they gave you:")
        code = st.text_input("Code from your therapist", key="home-code")
        if code and run.saved_session is not None:
            data = bundle_session(load_session(engine(), run.saved_session), code)
            st.download_button("Download the file for your therapist", data, file_name="home-check.json",
                               mime="application/json", type="primary")
    else:
        show_result(result)
    if st.button("Start a new check"):
        del st.session_state[key]
        st.rerun()
