"""What the pages share: the database, the active camera profile, pickers and the result table."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from posture.calibration import CameraProfile, load_profile
from posture.errors import PostureError
from posture.export import label, measurement_rows
from posture.measures import TESTS, TestResult
from posture.store.db import DEFAULT_DB, open_database
from posture.store.models import SESSION_LABELS
from posture.store.records import client_sessions, list_clients

THERAPIST, HOME = "Therapist", "Home check"
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
TEST_NAMES = {name: spec.label for name, spec in TESTS.items()}


def calibration_dir() -> Path:
    """Where camera profiles live: $POSTURE_CALIBRATION_DIR or the project's calibration/ folder."""
    return Path(os.environ.get("POSTURE_CALIBRATION_DIR", ROOT / "calibration"))


def database_label() -> str:
    return os.environ.get("POSTURE_DB") or str(DEFAULT_DB)


@st.cache_resource
def _engine(target: str):
    return open_database(target)


def engine():
    """One engine per database for the whole server (created and migrated on first use)."""
    return _engine(database_label())


def home_mode() -> bool:
    return st.session_state.get("mode") == HOME


def client_names() -> list[str]:
    return [c.pseudonym for c in list_clients(engine())]


def client_picker(key: str) -> str:
    """Pick a client, or type a new pseudonym; '' when none is given."""
    names = client_names()
    new = "New client ..."
    choice = st.selectbox("Client", [*names, new], key=f"{key}-client")
    if choice == new or not names:
        return st.text_input("Pseudonym of the new client (initials or a code, no real names)",
                             key=f"{key}-new").strip()
    return choice


def existing_client(key: str, when_none: str) -> tuple[str, list]:
    """Pick one of the saved clients and load their sessions; stop the page with `when_none` if there are none."""
    names = client_names()
    if not names:
        st.info(when_none)
        st.stop()
    client = st.selectbox("Client", names, key=key)
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
        return load_profile(name, calibration_dir())
    except PostureError as e:
        st.warning(str(e))
        return None


def show_result(result: TestResult) -> None:
    """The measurements with their reasons and flags, as a table."""
    camera = "" if result.camera_angle_deg is None else f", camera {abs(result.camera_angle_deg):.0f}° off"
    st.subheader(f"{label(result.test)} ({result.view} view{camera})")
    # A lone "-" is a Markdown list item to st.table (it showed as a bullet): the empty cells get an en dash.
    st.table([{k: "–" if v == "-" else v for k, v in row.items()} | {"Note": "; ".join(filter(None, (m.reason, *m.flags)))}
              for row, m in zip(measurement_rows(result), result.measurements)])
    for note in result.notes:
        st.caption(note)
