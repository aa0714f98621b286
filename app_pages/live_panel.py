"""The webcam check for one test, as a panel any page can show: instructions, camera, count, then the result.

Used by the Live page (one test) and the Visit page (a battery, test after
test). The camera thread runs `LiveRun.process`; this panel only shows what
the run says and hands back the result once the check is done.

Made for a person 2 to 3 m from the screen: the instruction in large type
(above the video on a narrow screen), a large countdown while they keep
still, each new instruction spoken by the browser's own voice, and the video
no taller than the screen leaves below the page's header, so head and feet
both show without scrolling.
"""

from __future__ import annotations

import html
import json
import re
import time
from functools import cache
from pathlib import Path

import av
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from posture.calibration import CameraProfile
from posture.landmarks import LandmarkSeries
from posture.live import DONE, LiveConfig
from posture.live_camera import LiveRun
from posture.measures import TESTS, TestResult

POLL_S = 0.25                 # how often the server path's panel reads the run's prompt
SPEAK_AFTER = 2               # an instruction is spoken once it has been shown this many times: flickers are not said
LANDSCAPE = 4 / 3             # the picture's width over height until the camera's first frame tells
# Room the page keeps above the video (title, choices) plus the Start/Stop row under it, in CSS px: the video is
# at most the screen's height less this, so on a 1400x900 laptop the whole picture shows without scrolling. A panel
# that scrolls itself to the top of the screen once the camera runs keeps only Streamlit's top bar above it.
HEADER_PX = {"therapist": 520, "home": 360, "scrolled": 190}
PHONE_HEADER_PX = 190        # on a phone, with the panel scrolled to the top: the bar above it and the words below
PHONE_PX = 640               # a screen this wide or narrower is a phone's: the panel's columns stack


def live_run(key: str, test: str, profile: CameraProfile | None, height_cm: float | None) -> LiveRun:
    """The run kept for this panel across reruns (a new one when the test changed); until its first frame it takes
    the latest height and profile (a client added after the page opened has one)."""
    name = f"run-{key}"
    run = st.session_state.get(name)
    if run is None or run.test != test:
        run = st.session_state[name] = LiveRun(test, LiveConfig(), profile, height_cm)
        st.session_state.pop(f"saved-{key}", None)          # a new check: its result is not saved yet
    elif run.frames_seen == 0:
        run.profile, run.height_cm = profile, height_cm
    return run


def forget_run(key: str) -> None:
    """Drop the panel's run (and that its result was saved), so that the next rerun starts the test afresh."""
    st.session_state.pop(f"run-{key}", None)
    st.session_state.pop(f"saved-{key}", None)


def saved_session(key: str) -> int | None:
    """The session the panel's result was saved in (None: not saved yet), so that a rerun does not save it twice."""
    return st.session_state.get(f"saved-{key}")


def mark_saved(key: str, session_id: int) -> None:
    st.session_state[f"saved-{key}"] = session_id


def first_words(test: str, press_start: bool = False) -> str:
    """What the panel says before the camera runs: where to stand for this test."""
    return (("Press Start and allow the camera." if press_start else "Allow the camera.")
            + " Stand where your whole body shows, " + TESTS[test].camera_advice)


def speak_toggle(key: str, home: bool) -> bool:
    """The switch for reading instructions aloud (on by default for a patient at home)."""
    return st.toggle("Speak instructions", value=home, key=speak_key(key, home),
                     help="The browser reads each new instruction aloud with this computer's own voice; "
                          "nothing is sent over the network.")


def speak_key(key: str, home: bool) -> str:
    return f"{key}-speak-{'home' if home else 'clinic'}"


def say_once(key: str, text: str | None, place=None, steady: int = SPEAK_AFTER) -> None:
    """Speak an instruction once it has been shown `steady` times running (a flicker is not said); None stops
    speaking. `place`: where the (hidden) voice goes, a new element by default."""
    heard = st.session_state.setdefault(f"{key}-heard", {"text": None, "steady": 0, "said": None})
    heard["steady"] = heard["steady"] + 1 if text == heard["text"] else 1
    heard["text"] = text
    if heard["said"] != text and (text is None or heard["steady"] >= steady):
        heard["said"] = text
        speak(place or st.empty(), text)


def css_name(key: str) -> str:
    """The CSS class Streamlit gives a container with this key (it replaces what a class name cannot hold)."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def panel_css(key: str, aspect: float, home: bool, scrolled: bool) -> str:
    """Type sizes and the video's width for this panel: the width at which the picture's height fills the screen
    below the header (never narrower than 15rem). On a phone the picture comes first, whole on the screen, with the
    instruction in large type right under it (the columns stack there)."""
    header = HEADER_PX["scrolled" if scrolled else "home" if home else "therapist"]
    say = "clamp(2rem, 3.6vw, 3.25rem)" if home else "clamp(1.5rem, 2.4vw, 2.25rem)"
    words, video, panel = css_name(f"{key}-words"), css_name(f"{key}-video"), css_name(f"{key}-panel")
    return f"""<style>
.{video} {{ max-width: max(15rem, calc((100vh - {header}px) * {aspect:.3f})); margin-inline: auto; }}
.{words} .live-say {{ font-size: {say}; line-height: 1.2; font-weight: 700; overflow-wrap: break-word; }}
.{words} .live-say.problem {{ border-left: 0.4rem solid #e8a317; padding-left: 0.6rem; }}
.{words} .live-say.done {{ border-left: 0.4rem solid #2e9e4f; padding-left: 0.6rem; }}
.{words} .live-count {{ font-size: clamp(5rem, 18vh, 10rem); line-height: 1; font-weight: 800;
    font-variant-numeric: tabular-nums; }}
.{css_name(f"{key}-voice")} {{ display: none; }}
.{panel} {{ scroll-margin-top: 3.75rem; }}
@media (max-width: {PHONE_PX}px) {{
  .{panel} [data-testid="stHorizontalBlock"] {{ flex-direction: column-reverse; gap: 0.5rem; }}
  .{video} {{ max-width: max(12rem, calc((100vh - {PHONE_HEADER_PX}px) * {aspect:.3f})); }}
  .{words} .live-say {{ font-size: clamp(1.6rem, 7vw, 2.4rem); }}
  .{words} .live-count {{ font-size: clamp(3rem, 10vh, 5rem); }}
}}
</style>"""


def words_html(text: str, seconds: int | None = None, tone: str = "") -> str:
    """The instruction in large type, and under it the countdown while the person keeps still."""
    count = "" if seconds is None else f'<div class="live-count" role="timer">{seconds}</div>'
    return f'<div class="live-say {tone}" role="status">{html.escape(text)}</div>{count}'


@cache
def _speak_js() -> str:
    return (Path(__file__).parent / "static" / "speak.js").read_text()


def speak(place, text: str | None) -> None:
    """Have the browser say `text` aloud (once, however often it is drawn); None stops speaking."""
    script = _speak_js().replace("(TEXT)", f"({json.dumps(text)})")
    place.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


def scroll_to(place, key: str) -> None:
    """Bring the panel to the top of the screen (below Streamlit's bar), so that the whole picture shows."""
    place.html(f"<script>document.querySelector('.{css_name(f'{key}-panel')}')?.scrollIntoView("
               "{block: 'start', behavior: 'smooth'})</script>", unsafe_allow_javascript=True)


def video_attrs(aspect: float) -> dict:
    """The returned video: as wide as its box, the camera's shape, no player controls."""
    return {"autoPlay": True, "muted": True, "playsInline": True, "controls": False,
            "style": {"width": "100%", "aspectRatio": f"{aspect:.3f}", "objectFit": "contain", "display": "block"}}


def live_panel(key: str, test: str, *, home: bool = False, profile: CameraProfile | None = None,
               height_cm: float | None = None, scroll: bool = False
               ) -> tuple[LiveRun, TestResult | None, LandmarkSeries | None]:
    """Show the camera and the instructions until the check ends; the run, its result and landmarks (None, None
    while running or after a failure, which is shown here). With `scroll`, for a page with much above the panel,
    the panel moves to the top of the screen once the camera runs and its video fills the screen's height."""
    run = live_run(key, test, profile, height_cm)
    camera = st.session_state.setdefault(f"camera-{key}", {})      # the picture's shape, told by the camera thread
    aspect = camera.get("aspect", LANDSCAPE)
    st.html(panel_css(key, aspect, home, scroll))

    def on_frame(frame: av.VideoFrame) -> av.VideoFrame:
        """Camera thread: pose, protocol step and overlay for one frame."""
        camera["aspect"] = round(frame.width / frame.height, 3)
        t = frame.time if frame.time is not None else time.monotonic()
        return av.VideoFrame.from_ndarray(run.process(frame.to_ndarray(format="rgb24"), t), format="rgb24")

    panel = st.container(key=f"{key}-panel")
    words, video = panel.columns([2, 3], gap="medium")      # on a narrow screen they stack: the words come first
    with video:
        with st.container(key=f"{key}-video"):
            ctx = webrtc_streamer(key=f"live-{key}-{test}", mode=WebRtcMode.SENDRECV, video_frame_callback=on_frame,
                                  rtc_configuration={"iceServers": []},   # same machine or LAN: no STUN server needed
                                  media_stream_constraints={"video": True, "audio": False}, async_processing=True,
                                  video_html_attrs=video_attrs(aspect))
        st.caption("If the picture stays black or the browser blocked the camera, allow camera access (the camera "
                   "icon in the address bar) and press Start again, or record a video and use a recording instead.")
    with words, st.container(key=f"{key}-words"):
        say, counter = st.empty(), st.empty()
        speaking = speak_toggle(key, home)
        with st.container(key=f"{key}-voice"):
            voice = st.empty()
    say.markdown(words_html(first_words(test, press_start=True)), unsafe_allow_html=True)
    if not speaking:
        say_once(key, None, voice)

    shown = None
    if scroll and ctx.state.playing:
        scroll_to(st.empty(), key)
    while ctx.state.playing and not run.over:
        if camera.get("aspect", aspect) != aspect:
            st.rerun()               # the camera's shape is known now: size the video to it (the stream carries on)
        prompt = run.prompt()
        text, seconds = prompt.instruction, prompt.seconds_left
        if (text, seconds, prompt.problem) != shown:
            say.markdown(words_html(text, seconds, "problem" if prompt.problem else ""), unsafe_allow_html=True)
            shown = text, seconds, prompt.problem
        if not home and prompt.angle is not None:
            counter.markdown(f"## {round(prompt.angle):+d} degrees\nrepetitions: {prompt.reps_words}")
        if speaking:
            say_once(key, text, voice)
        time.sleep(POLL_S)

    result, series, error = run.outcome()
    if error or result is not None:
        text, tone = closing_words(run)
        say.markdown(words_html(text, tone=tone), unsafe_allow_html=True)
        counter.empty()
        if speaking:
            say_once(key, f"The check could not be measured. {error}" if error else text, voice, steady=1)
        if error:
            try_again_button(key)
    return run, result, series


def closing_words(run: LiveRun) -> tuple[str, str]:
    """Once the check is over, what the panel says and its tone: why it could not be measured, or the thanks."""
    error = run.outcome()[2]
    if error:
        return f"The check could not be measured: {error}", "problem"
    prompt = run.prompt()
    return (prompt.instruction if prompt.step == DONE else "Done, thank you. You can relax."), "done"


def try_again_button(key: str) -> None:
    """After a check that could not be measured: a button that starts it afresh."""
    if st.button("Try again", key=f"again-{key}", type="primary"):
        forget_run(key)
        st.rerun()
