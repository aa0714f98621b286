"""What the pages share: the database, the active camera profile, pickers and the result table."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import streamlit as st

from posture.analysis import Analysis
from posture.change import READING
from posture.calibration import CameraProfile, load_profile
from posture.errors import PostureError, UnsureTestError
from posture.export import label, measurement_rows, plain_words
from posture.measures import TESTS, AnalysisConfig, TestResult
from posture.pipeline import analyse_video
from posture.privacy import keep_upload, upload_folder
from posture import settings
from posture.store.clinic import clinic_name
from posture.store.db import open_database, safe_url
from posture.store.models import SESSION_LABELS
from posture.store.records import add_client, client_sessions, list_clients
from posture.measures.common import Withheld
from posture.store.report import UNSCALED, Comparison, comparison, comparison_pdf
from posture.store.visits import client_height as stored_height
from posture.video import probe

PATIENT = "patient"              # session key: the client whose home-check code opened this session
THERAPIST = "therapist"          # session key: the therapist logged in on this session
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
TEST_NAMES = {name: spec.label for name, spec in TESTS.items()}


def database_label() -> str:
    """The database as the page may show it: a URL's password replaced by ***."""
    return safe_url(settings.database())


@st.cache_resource
def _engine(target: str):
    return open_database(target)


DATABASE_DOWN = ("The clinic's database could not be used just now: try again in a moment, and if it lasts, ask "
                 "whoever runs the clinic's server to check it.")


def database_trouble(error: Exception) -> None:
    """A database that failed, said in one sentence on the page: its own sentence (StorageError: the database's
    address without its password, a full disk, ...) to a therapist, DATABASE_DOWN to anyone else and for any raw
    driver error (never its SQL, host or path); the whole error in the server's log, for whoever runs it."""
    logging.getLogger("posture").error("database: %s", error, exc_info=error)
    own = isinstance(error, PostureError) and st.session_state.get(THERAPIST)
    st.error(str(error) if own else DATABASE_DOWN)


def engine():
    """One engine per database for the whole server (created and migrated on first use); a database that cannot
    be opened stops the page with one sentence (`database_trouble`), not a traceback."""
    try:
        return _engine(settings.database())
    except PostureError as e:
        database_trouble(e)
        st.stop()


def home_client() -> str | None:
    """The client whose home-check code opened this session (app_pages.access checks it on every run), else None."""
    return st.session_state.get(PATIENT)


def client_names() -> list[str]:
    return [c.pseudonym for c in list_clients(engine())]


CHOSEN = "chosen-client"      # session key: the client chosen last, on whichever page


def chosen_client(widget: str, names: list[str]) -> None:
    """Open a page's client picker on the client chosen before: the one in the address (a reload, a link) or the one
    chosen on another page of this session (a trip through the pages, Back). Only when the picker is not already
    showing (its own choice stands while the page is open)."""
    want = st.query_params.get("client") or st.session_state.get(CHOSEN)
    if want in names and widget not in st.session_state:
        st.session_state[widget] = want


def choose_client(name: str) -> None:
    """Remember the client chosen, in this session and in the address (so a reload and Back keep it)."""
    st.session_state[CHOSEN] = name
    if st.query_params.get("client") != name:
        st.query_params["client"] = name


def client_picker(key: str) -> str:
    """Pick a client, or add one (pseudonym and height); '' until one is chosen."""
    names = client_names()
    if added := st.session_state.pop(f"{key}-added", None):      # chosen after the rerun that added it
        st.session_state[f"{key}-client"] = added
    chosen_client(f"{key}-client", names)
    new = "New client ..."
    choice = st.selectbox("Client", [*names, new], key=f"{key}-client")
    if choice != new and names:
        choose_client(choice)
        height = client_height(choice)
        st.caption(f"Height {height:.0f} cm: distances in centimetres." if height else
                   "Height unknown: distances cannot be given in centimetres (set it on Clients and history).")
        return choice
    with st.form(f"{key}-add"):
        c1, c2 = st.columns([3, 2])
        pseudonym = c1.text_input("Pseudonym of the new client (initials or a code, no real names)",
                                  key=f"{key}-new").strip()
        height = c2.number_input("Height in cm (0 if unknown)", 0.0, 250.0, 0.0, step=1.0, key=f"{key}-height")
        if st.form_submit_button("Add client"):
            try:
                add_client(engine(), pseudonym, height_cm=height or None)
                st.session_state[f"{key}-added"] = pseudonym
                st.rerun()
            except PostureError as e:
                st.error(str(e))
    return ""


def client_height(pseudonym: str) -> float | None:
    """The client's standing height in cm, None when unknown."""
    return stored_height(engine(), pseudonym)


def existing_client(key: str, when_none: str) -> tuple[str, list]:
    """Pick one of the saved clients and load their sessions; stop the page with `when_none` if there are none."""
    names = client_names()
    if not names:
        st.info(when_none)
        st.stop()
    chosen_client(key, names)
    client = st.selectbox("Client", names, key=key)
    choose_client(client)
    return client, client_sessions(engine(), client)


def session_fields(key: str) -> tuple[str, int | None, str]:
    """Session label, pain score and notes."""
    c1, c2 = st.columns(2)
    lab = c1.selectbox("Session", SESSION_LABELS, key=f"{key}-label")
    pain = c2.slider("Pain now (0 none, 10 worst)", 0, 10, 0, key=f"{key}-pain")
    notes = st.text_input("Notes", key=f"{key}-notes")
    return lab, pain, notes


def active_profile() -> CameraProfile | None:
    name = st.session_state.get("profile")
    if not name:
        return None
    try:
        return load_profile(name, settings.calibration_dir())
    except PostureError as e:
        st.warning(str(e))
        return None


MAX_UPLOAD_MB = 200
MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")     # what Streamlit's Markdown would act on
VIDEO_TYPES = ["mp4", "mov", "avi", "webm", "mkv"]


def analyse_recording(video: Path, test: str, height_cm: float | None) -> Analysis | UnsureTestError | None:
    """Run the pipeline with a progress bar; the result and its landmarks, or None after showing why not. A test
    the tool recognised but is not sure of comes back as the refusal holding each candidate, for the person to
    choose."""
    bar = None
    try:
        total = probe(video).frame_count
        bar = st.progress(0.0, text="Finding the pose in each frame ...")
        done = [0]

        def tick() -> None:
            done[0] += 1
            if done[0] % 10 == 0:
                bar.progress(min(done[0] / total, 1.0), text=f"Frame {done[0]} of {total}")

        return analyse_video(video, test, AnalysisConfig(), height_cm=height_cm, on_frame=tick,
                             profile=active_profile(), let_choose=True)
    except UnsureTestError as e:
        return e
    except PostureError as e:
        st.error(str(e))
        return None
    finally:
        if bar is not None:
            bar.empty()          # never left standing above a refusal


def analyse_upload(upload, test: str, height_cm: float | None) -> Analysis | UnsureTestError | None:
    """An uploaded recording analysed; the raw video exists only for the analysis and is deleted straight after.

    It is written to our private upload folder (posture.privacy): one left by a killed server goes at the next start.
    """
    if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
        st.error(f"The file is larger than {MAX_UPLOAD_MB} MB: trim the recording to the test itself.")
        return None
    try:
        with upload_folder() as tmp:
            return analyse_recording(keep_upload(tmp, upload.name, upload.getvalue()), test, height_cm)
    except PostureError as e:                # a full temp folder (privacy.TEMP_FULL)
        st.error(str(e))
        return None


@st.cache_data(show_spinner="Drawing the comparison ...", max_entries=16)
def _comparison(database: str, before_id: int, after_id: int, client: str, stored: tuple,
                clinic: str, therapist: str) -> tuple[Comparison, bytes]:
    """Made once per pair and per state of the client's records (`stored`: every stored test's id, each visit's
    notes and the client's height) and of who makes it."""
    history = client_sessions(engine(), client)
    by_id = {s.id: s for s in history}
    c = comparison(by_id[before_id], by_id[after_id], history, clinic, therapist)
    return c, comparison_pdf(c)


def comparison_of(before_id: int, after_id: int, client: str, sessions: list) -> tuple[Comparison, bytes]:
    """The comparison of two of the client's sessions (all of them given), with its PDF, made by the therapist
    logged in for the clinic."""
    stored = (tuple(t.id for s in sessions for t in s.tests), tuple(s.visit.notes for s in sessions),
              sessions[0].visit.client.height_cm if sessions else None)
    return _comparison(database_label(), before_id, after_id, client, stored, clinic_name(engine()),
                       st.session_state.get(THERAPIST, ""))


def plain(text: str) -> str:
    """Text for st.markdown shown as the very characters it holds: no link, image, emphasis or icon made of it."""
    return MARKDOWN.sub(r"\\\1", str(text))


def show_comparison(c: Comparison, pdf: bytes, file_name: str) -> None:
    """The comparison as the PDF has it: summary, table, curves, peaks, trends, then the PDF itself."""
    st.caption("  \n".join(plain(line) for line in c.details))
    st.markdown(f"**Before:** {plain(c.before)}  \n**After:** {plain(c.after)}")
    with st.container(border=True):
        for line in c.summary:
            st.markdown(f"- {plain(line)}")
    for note in c.notes:
        st.caption(note)
    st.table(list(c.rows))
    st.caption(READING)
    for heading, charts, per_row in (("Angle over time, from the start of the movement", c.curves, 2),
                                     ("At the peak of each test", c.peaks, 4), ("Over visits", c.trends, 3)):
        if charts:
            st.subheader(heading)
            cols = st.columns(per_row)
            for k, (caption, data) in enumerate(charts):
                cols[k % per_row].image(data, caption=caption)
    st.download_button("PDF report (what this page shows)", pdf, file_name=file_name,
                       mime="application/pdf", type="primary")


def show_patient_result(result: TestResult) -> None:
    """The measurements in plain words for the patient (export.plain_words); the table is the therapist's."""
    st.markdown(f"**{label(result.test)}**")
    st.markdown("\n".join(f"- {line}" for line in plain_words(result)))


def show_result(result: TestResult) -> None:
    """The measurements with their reasons and flags, as a table."""
    camera = "" if result.camera_angle_deg is None else f", camera {abs(result.camera_angle_deg):.0f}° off"
    st.subheader(f"{label(result.test)} ({result.view} view{camera})")
    # A lone "-" is a Markdown list item to st.table (it showed as a bullet): the empty cells get an en dash.
    unscaled = [m.name for m in result.measurements if m.withheld == Withheld.NEEDS_SCALE]
    st.table([{k: "–" if v == "-" else v for k, v in row.items()}
              | {"Note": "; ".join(filter(None, (m.reason if m.withheld != Withheld.NEEDS_SCALE else "", *m.flags)))}
              for row, m in zip(measurement_rows(result), result.measurements)])
    if unscaled:              # said once for the whole result, not on every distance
        st.caption(UNSCALED)
    for note in result.notes:
        st.caption(note)
