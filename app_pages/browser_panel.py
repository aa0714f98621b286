"""The webcam check with the pose model in the browser, and the choice between it and the server's camera path.

On this device (the default): the browser runs BlazePose itself (the
component in app_pages/browser_pose), draws the skeleton and the angle, and
sends only landmarks; the same guided check and the same analysis as for a
recording run here on them. The video never leaves the device, and the server
does little per client. On the server (the fallback for a device too slow for
the model): the video goes to this server over WebRTC (app_pages/live_panel).

The browser's part reruns alone (a fragment) at each batch of landmarks, so the
rest of the page is not redrawn several times a second.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from app_pages.live_panel import (HEADER_PX, PHONE_HEADER_PX, PHONE_PX, closing_words, first_words, forget_run,
                                  live_panel, live_run, panel_css, say_once, scroll_to, speak_key, speak_toggle,
                                  try_again_button, words_html)
from posture import settings
from posture.calibration import CameraProfile
from posture.errors import PostureError
from posture.landmarks import BONES, LandmarkSeries
from posture.live_browser import BrowserBatch, browser_batch, take_batch
from posture.live_camera import LiveRun
from posture.measures import TESTS, TestResult

DEVICE, SERVER = "On this device", "On the server"
FPS_AFTER = 60          # frames processed before the browser's speed is judged
_pose = components.declare_component("browser_pose", path=str(Path(__file__).parent / "browser_pose"))


def camera_panel(key: str, test: str, *, home: bool = False, profile: CameraProfile | None = None,
                 height_cm: float | None = None, scroll: bool = False
                 ) -> tuple[LiveRun, TestResult | None, LandmarkSeries | None]:
    """The live check by the path this device can take, saying which: the run, its result and landmarks (None, None
    while it runs or after a failure, which is shown here)."""
    where = f"{key}-where"
    if st.session_state.pop(f"{key}-to-server", False):
        st.session_state[where] = SERVER
    if home:                 # a patient at home: the server path would send their video away, and needs the LAN
        path = DEVICE
    else:
        path = st.radio("Where the pose model runs", [DEVICE, SERVER], key=where, horizontal=True,
                        help="On this device: the browser finds the pose and only the landmarks reach the server; "
                             "the video stays on the device. On the server: the video goes to this server, for a "
                             "device too slow for the model.")
    if slow := st.session_state.get(f"{key}-slow"):
        st.warning(slow)
        if home:
            return live_run(key, test, profile, height_cm), None, None
    if path == SERVER:
        return live_panel(key, test, home=home, profile=profile, height_cm=height_cm, scroll=scroll)
    run = live_run(key, test, profile, height_cm)
    if not run.over:
        _browser_check(key, test, home, profile, height_cm, scroll)
        return run, None, None
    return finished(key, run, home)


@st.fragment
def _browser_check(key: str, test: str, home: bool, profile: CameraProfile | None, height_cm: float | None,
                   scroll: bool) -> None:
    """Take the browser's latest landmarks into the check, show what it says, and hand back the acknowledgement.
    Reruns alone at each batch; the whole page reruns once the check is over. With `scroll`, the panel moves to the
    top of the screen once the camera runs, and the picture fills the screen's height below it."""
    run, value = live_run(key, test, profile, height_cm), st.session_state.get(_component_key(key, test))
    st.html(panel_css(key, 4 / 3, home, False))
    words, video = st.container(key=f"{key}-panel").columns([2, 3], gap="medium")
    try:
        batch = browser_batch(value) if value else None
        # The last value of a check that is over stays in the session: it is not taken again.
        if batch is not None and batch.run not in st.session_state.setdefault(f"{key}-spent", set()):
            if batch.error:
                words.error(batch.error)
                return
            if run.browser not in (None, batch.run):     # the component started again: so does the check
                forget_run(key)
                run = live_run(key, test, profile, height_cm)
            run.browser, run.patients_device = batch.run, home
            take_batch(run, batch)
            if too_slow(key, batch, home):
                st.rerun()
    except PostureError as e:
        words.error(str(e))
        return
    if run.over:
        st.rerun()                             # the page shows the result and saves it
    prompt = run.prompt()
    if scroll and run.frames_seen and not st.session_state.get(f"{key}-scrolled"):
        st.session_state[f"{key}-scrolled"] = True
        scroll_to(st.empty(), key)
    with words, st.container(key=f"{key}-words"):
        text = prompt.instruction if run.frames_seen else first_words(test)
        st.markdown(words_html(text, prompt.seconds_left, "problem" if prompt.problem else ""), unsafe_allow_html=True)
        speaking = speak_toggle(key, home)
        with st.container(key=f"{key}-voice"):
            say_once(key, prompt.instruction if speaking else None)
        if not home and prompt.reps:
            st.markdown(f"repetitions: {prompt.reps_words}")
    with video:
        _pose(key=_component_key(key, test), default=None, run=run.browser, ack=run.last_seq,
              angle=prompt.angle, angle_name=TESTS[test].angle_name, problem=bool(prompt.problem),
              bones=[[int(a), int(b)] for a, b in BONES],
              header_px=HEADER_PX["scrolled" if scroll else "home" if home else "therapist"],
              phone_header_px=PHONE_HEADER_PX, phone_px=PHONE_PX,
              done=False)
        st.caption("Only the body's landmarks are sent. If the picture stays dark, allow camera access (the camera "
                   "icon in the address bar).")


def _component_key(key: str, test: str) -> str:
    return f"pose-{key}-{test}"


def too_slow(key: str, batch: BrowserBatch, home: bool) -> bool:
    """True, with the reason kept for the page, when the browser has shown it processes fewer frames per second than
    the check needs: a therapist is moved to the server's path, a patient told to use another device."""
    least = settings.min_device_fps()
    if batch.frames and batch.frames[-1].seq >= FPS_AFTER and 0 < batch.fps < least:
        st.session_state[f"{key}-slow"] = (
            f"This device ran the pose model at {batch.fps:.0f} frames per second, fewer than the {least:.0f} the "
            + ("check needs: please use a newer phone or computer, or ask your therapist for a check in the clinic."
               if home else "check needs: the check now runs on the server instead."))
        if not home:
            st.session_state[f"{key}-to-server"] = True
        forget_run(key)
        return True
    return False


def finished(key: str, run: LiveRun, home: bool) -> tuple[LiveRun, TestResult | None, LandmarkSeries | None]:
    """The check is over: thanks (spoken when speaking was on), or what went wrong and a button to try again."""
    result, series, error = run.outcome()
    st.session_state.setdefault(f"{key}-spent", set()).add(run.browser)
    speaking = st.session_state.get(speak_key(key, home), home)
    st.html(panel_css(key, 4 / 3, home, False))
    text, tone = closing_words(run)
    st.container(key=f"{key}-words").markdown(words_html(text, tone=tone), unsafe_allow_html=True)
    if error:
        try_again_button(key)
    if speaking:
        say_once(key, text, steady=1)
    return run, result, series
