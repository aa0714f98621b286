"""Hostile input, replayed (issue 17): patients' bundles, impossible numbers, dates and text, odd files, injection.

Each case is one a hostile tester tried; each asserts what a person should get: one sentence saying what to do,
nothing stored, and the paired_clinic's own results untouched. The batch's cases are in test_hostile_batch.py, privacy
and the database's doors in test_hostile_privacy.py.
"""

from __future__ import annotations

import base64
import io
import json
import multiprocessing as mp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import date
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from conftest import ROOT, bend, one_sentence, run_cli, sample
from posture.export import csv_cell
from posture.limits import terminal_safe
from posture.store.bundle import BundleError, bundle_session, sign
from posture.store.db import open_database
from posture.store.export import sessions_csv
from posture.store.records import (add_client, client_sessions, import_bundle, load_session, pair_client,
                                   record_tests, visit_sessions)
from posture.store.visits import visit_pair
from posture.store.visits import adopt_home_check

DAY = date(2026, 3, 2)


@pytest.fixture
def paired_clinic(tmp_path):
    """A paired_clinic database with a client who had a visit (pre 55, post 75 degrees) and who was given a home code."""
    engine = open_database(tmp_path / "paired_clinic.db")
    add_client(engine, "HOME-1")
    record_tests(engine, "HOME-1", "pre", [bend(55.0)], visit_date=DAY, pain=6)
    record_tests(engine, "HOME-1", "post", [bend(75.0, seed=1)], visit_date=DAY, pain=3)
    return engine, pair_client(engine, "HOME-1")


def patient_bundle(tmp_path: Path, code: str, label: str = "home check", day: date = DAY) -> dict:
    """The patient's own export, as a document to edit and re-sign with the patient's code."""
    home = open_database(tmp_path / "patient.db")
    sid = record_tests(home, "me", label, [bend(70.0, seed=2)], visit_date=day, pain=2)
    return json.loads(bundle_session(load_session(home, sid), code))


def signed(doc: dict, code: str) -> bytes:
    doc["signature"] = sign(doc["payload"], code)
    return json.dumps(doc).encode()


def session_count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM sessions"))


def flexion(session) -> float:
    return next(m.value for t in session.tests for m in t.measurements if m.name == "trunk_flexion")


# 1. Data from a patient is the patient's

def test_a_patient_bundle_labelled_post_on_a_clinic_day_is_a_home_check_and_replaces_nothing(paired_clinic, tmp_path):
    engine, code = paired_clinic
    before = [flexion(s) for s in visit_pair(client_sessions(engine, "HOME-1"))]
    sid = import_bundle(engine, signed(patient_bundle(tmp_path, code, label="post"), code))
    imported = load_session(engine, sid)
    assert (imported.label, imported.source, imported.visit.visit_date) == ("home check", "home bundle", DAY)
    pre, post = visit_pair(visit_sessions(engine, imported.visit_id))
    assert (pre.label, post.label) == ("pre", "post") and sid not in (pre.id, post.id)
    assert [flexion(s) for s in (pre, post)] == before                    # the paired_clinic's comparison is unchanged


def test_the_therapist_adopts_a_home_check_explicitly_and_never_over_a_filled_slot(paired_clinic, tmp_path):
    engine, code = paired_clinic
    sid = import_bundle(engine, signed(patient_bundle(tmp_path, code), code))
    with pytest.raises(Exception, match="has a post session already: adopt the home check as a follow-up"):
        adopt_home_check(engine, sid, "post")
    adopt_home_check(engine, sid, "follow-up")
    assert load_session(engine, sid).label == "follow-up"
    with pytest.raises(Exception, match="is not a home check"):
        adopt_home_check(engine, sid, "follow-up")                    # adopted once


def first_measurement(doc: dict) -> dict:
    return doc["payload"]["session"]["tests"][0]["measurements"][0]


def bomb_landmarks() -> str:
    """A landmark file of 65 kB whose image array claims 10 million frames (it would unpack to 5 GB)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("image.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False,
                                                     "shape": (10_000_000, 33, 2)})
            for _ in range(5):
                f.write(bytes(2**24))
    return base64.b64encode(out.getvalue()).decode()


SIGNED_BUT_IMPOSSIBLE = {
    "a value of infinity": (lambda d: first_measurement(d).update(value=float("inf")), "not a number"),
    "a value of NaN": (lambda d: first_measurement(d).update(value=float("nan")), "not a number"),
    "an angle of 900 degrees": (lambda d: first_measurement(d).update(value=900.0), "is not believable"),
    "pain 5.7": (lambda d: d["payload"]["session"].update(pain=5.7), "whole number from 0 to 10"),
    "a visit in 1900": (lambda d: d["payload"]["session"].update(visit_date="1900-01-01"), "cannot be right"),
    "a visit in 9999": (lambda d: d["payload"]["session"].update(visit_date="9999-12-31"), "cannot be right"),
    "a 5 MB note": (lambda d: d["payload"]["session"].update(notes="x" * 5_000_000), "keep it under"),
    "200 tests": (lambda d: d["payload"]["session"].update(
        tests=[{**d["payload"]["session"]["tests"][0], "landmarks": None}] * 200), "at most 20"),
    "an unknown measurement with markup": (
        lambda d: first_measurement(d).update(name="![x](http://example.com/a.png)"), "no measurement of"),
    "a measurement in another unit": (lambda d: first_measurement(d).update(unit="furlong"), "no measurement of"),
    "a quality of 7": (lambda d: first_measurement(d).update(quality=7.0), "between 0 and 1"),
    "landmarks that would unpack to 5 GB": (
        lambda d: d["payload"]["session"]["tests"][0].update(landmarks=bomb_landmarks()), "more than"),
    "a view with escape codes": (lambda d: d["payload"]["session"]["tests"][0].update(view="\x1b[2Jfrontal"),
                                 "is seen from the sagittal view, not"),
    "a 5,000-character view": (lambda d: d["payload"]["session"]["tests"][0].update(view="v" * 5000),
                               "is seen from the sagittal view"),
    "a reason with escape codes": (lambda d: first_measurement(d).update(reason="\x1b[31mred"), "control characters"),
    "20 MB of flags": (lambda d: first_measurement(d).update(flags=["x" * 1000] * 20_000), "more flags or trials"),
    "the same measurement twice": (lambda d: d["payload"]["session"]["tests"][0]["measurements"].append(
        {**first_measurement(d), "value": 120.0}), "appears twice"),
    "a withheld measurement with a value": (lambda d: first_measurement(d).update(withheld="poor-quality"),
                                            "is withheld and has a value"),
    "a value of 40 from trials of 120": (
        lambda d: first_measurement(d).update(value=40.0, trials=[120.0, 121.0, 122.0]), "is not the median"),
    "a trunk flexion of 165 degrees": (lambda d: first_measurement(d).update(name="trunk_flexion", value=165.0,
                                                                       trials=[164.0, 165.0, 166.0], maximum=166.0),
                                 "past what a body can do"),
    "a camera angle of 1e300": (lambda d: d["payload"]["session"]["tests"][0].update(camera_angle_deg=1e300),
                                "is not believable"),
    "landmarks that are not a landmark file": (
        lambda d: d["payload"]["session"]["tests"][0].update(landmarks=base64.b64encode(b"PK\x03\x04junk").decode()),
        "landmarks cannot be read"),
}


@pytest.mark.parametrize("case", list(SIGNED_BUT_IMPOSSIBLE))
def test_a_bundle_signed_with_the_right_code_but_impossible_is_refused_and_stores_nothing(db_url, tmp_path, capsys,
                                                                                        case):
    """Through `posture sessions import`, as the tester sent them, on SQLite and PostgreSQL alike (a 5,000-character
    view was a 73-line DataError on PostgreSQL)."""
    engine = open_database(db_url)
    add_client(engine, "HOME-1")
    record_tests(engine, "HOME-1", "pre", [bend(55.0)], visit_date=DAY, pain=6)
    code = pair_client(engine, "HOME-1")
    doc = patient_bundle(tmp_path, code)
    change, words = SIGNED_BUT_IMPOSSIBLE[case]
    change(doc)
    sessions = session_count(engine)
    (tmp_path / "check.json").write_bytes(signed(doc, code))
    status, _, err = run_cli(capsys, "sessions", "--db", db_url, "import", str(tmp_path / "check.json"))
    sentence = one_sentence(err)
    assert status == 1 and re.search(words, sentence) and "not imported" in sentence and "\x1b" not in err
    assert session_count(engine) == sessions


def test_a_bundle_larger_than_any_home_check_is_refused_before_it_is_read(paired_clinic):
    engine, _ = paired_clinic
    with pytest.raises(BundleError, match="larger than any home check"):
        import_bundle(engine, b" " * (65 * 2**20))


def _import(path: str, data: bytes, results) -> None:
    try:
        results.put(f"session {import_bundle(open_database(path), data)}")
    except BundleError as e:
        results.put(str(e))


def test_two_simultaneous_imports_of_one_bundle_store_it_once(paired_clinic, tmp_path):
    engine, code = paired_clinic
    data = signed(patient_bundle(tmp_path, code), code)
    sessions = session_count(engine)
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    imports = [ctx.Process(target=_import, args=(str(tmp_path / "paired_clinic.db"), data, results)) for _ in range(2)]
    for p in imports:
        p.start()
    for p in imports:
        p.join(120)
    said = sorted((results.get(timeout=5) for _ in imports), key=lambda words: not words.startswith("session "))
    assert [p.exitcode for p in imports] == [0, 0]
    assert said[0].startswith("session ") and "imported" in said[1] and "Traceback" not in said[1], said
    assert session_count(engine) == sessions + 1


# 9. Bad numbers, dates and text

@pytest.mark.parametrize("value", ["-1", "0", "1e9", "nan", "inf"])
def test_an_impossible_scale_is_refused(capsys, value):
    video, _ = sample("posture_front")
    code, out, err = run_cli(capsys, "analyze", str(video), "--test", "posture-frontal", f"--cm-per-px={value}", "--json",
                         "--quiet")
    assert code == 1 and out == "" and err.startswith("error: The scale must be between 0.005 and 10 cm per pixel")


@pytest.mark.parametrize("flag, words", [("--visit-date=9999-12-31", "A visit on 9999-12-31 cannot be right"),
                                         ("--visit-date=1900-01-01", "cannot be right"),
                                         ("--pain=11", "outside 0-10")])
def test_an_impossible_visit_is_refused_before_the_analysis_and_stores_nothing(capsys, tmp_path, flag, words):
    db = tmp_path / "paired_clinic.db"
    video, _ = sample("posture_front")
    code, out, err = run_cli(capsys, "analyze", str(video), "--test", "posture-frontal", "--save", "AB-1", flag,
                         "--db", str(db), "--quiet")
    assert code == 1 and words in err and "Traceback" not in err
    assert not db.exists() or session_count(open_database(db)) == 0


@pytest.mark.parametrize("pseudonym, words", [
    ("A" * 100_000, "characters long"), ("[click](http://example.com)", "only letters, digits"),
    ("![x](file:///etc/passwd)", "only letters, digits"), ("<b>AB</b>", "only letters, digits"),
    ("AB\x1b[2J", "control characters"), ("AB\u202eCD", "control characters"), ("  ", "needs a pseudonym")])
def test_an_impossible_pseudonym_is_refused(tmp_path, pseudonym, words):
    engine = open_database(tmp_path / "paired_clinic.db")
    with pytest.raises(Exception, match=words):
        add_client(engine, pseudonym)
    with pytest.raises(Exception, match=words):
        record_tests(engine, pseudonym, "pre", [bend(55.0)], visit_date=DAY)
    assert session_count(engine) == 0


# 7. Escape on the way out

def test_exported_csv_cells_cannot_run_as_spreadsheet_formulas(tmp_path):
    engine = open_database(tmp_path / "paired_clinic.db")
    record_tests(engine, "AB-1", "pre", [bend(55.0)], visit_date=DAY, notes="=HYPERLINK(\"http://x\")")
    assert [csv_cell(v) for v in ("=1+1", "+1 x", "@SUM(A1)", "-cmd|' /C calc'!A0", "\tx")] == [
        "'=1+1", "'+1 x", "'@SUM(A1)", "'-cmd|' /C calc'!A0", "'\tx"]
    assert [csv_cell(v) for v in ("-2.100 -1.900", "AB-1", 3.5, None)] == ["-2.100 -1.900", "AB-1", 3.5, None]
    table = sessions_csv(client_sessions(engine, "AB-1"))
    assert not any(cell.startswith(("=", "+", "@")) for line in table.splitlines() for cell in line.split(","))


def test_a_stored_name_with_escape_codes_is_printed_harmlessly(tmp_path, capsys):
    """A client stored before names were checked (written here straight into the table) cannot act on the
    terminal: `sessions list` shows its control characters as \\u escapes."""
    db = tmp_path / "paired_clinic.db"
    engine = open_database(db)
    record_tests(engine, "AB-1", "pre", [bend(55.0)], visit_date=DAY)
    with engine.begin() as conn:
        conn.execute(text("UPDATE clients SET pseudonym = :p"), {"p": "AB\x1b[2J\u202eEVIL"})
    code, out, _ = run_cli(capsys, "sessions", "--db", str(db), "list")
    assert code == 0 and "\x1b" not in out and "\u202e" not in out and "AB\\u001b[2J\\u202eEVIL" in out
    assert terminal_safe("plain text, ü") == "plain text, ü"


# 10 and 12. Files that are not what they claim

def make_video(path: Path, frames: int, rate: Fraction, codec: str = "mjpeg") -> Path:
    """A copy of the first frames of a sample, written with the frame rate the header will claim."""
    import av
    import cv2

    cap = cv2.VideoCapture(str(sample("posture_front")[0]))
    pictures = [cv2.cvtColor(cap.read()[1], cv2.COLOR_BGR2RGB) for _ in range(frames)]
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = pictures[0].shape[1], pictures[0].shape[0], "yuvj420p"
        for rgb in pictures:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(stream.encode())
    return path


@pytest.mark.parametrize("case, words", [
    ("a JPEG", "is a still picture, not a video"),
    ("a one-frame video", "holds a single picture, not a video"),
    ("a header claiming 0.001 frames a second", "no believable frame rate (it claims 0.001 frames a second)"),
    ("a video of half a second", "The recording lasts only 0.5 s: every test needs at least 2 s"),
])
def test_a_file_that_is_no_usable_recording_gets_one_sentence(capsys, tmp_path, case, words):
    import cv2

    if case == "a JPEG":
        cap = cv2.VideoCapture(str(sample("posture_front")[0]))
        path = tmp_path / "still.jpg"
        cv2.imwrite(str(path), cap.read()[1])
    elif case == "a one-frame video":
        path = make_video(tmp_path / "one.mkv", 1, Fraction(30))
    elif case == "a header claiming 0.001 frames a second":
        path = make_video(tmp_path / "slow.mkv", 40, Fraction(1, 1000))
    else:
        path = make_video(tmp_path / "short.mkv", 16, Fraction(30))
    code, out, err = run_cli(capsys, "analyze", str(path), "--test", "posture-frontal", "--quiet")
    assert code == 1 and out == "" and words in err and len(err.strip().splitlines()) == 1, err


def test_an_unreadable_file_is_said_to_be_unreadable_not_corrupt(tmp_path):
    """Run as another user (the suite runs as root, who may read anything), on a file only its owner may read."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.fail("this test drops to user nobody with setpriv, which needs root")
    folder = Path(tempfile.mkdtemp(prefix="posture-unreadable-"))
    try:
        folder.chmod(0o755)
        video = folder / "locked.mp4"
        shutil.copyfile(sample("posture_front")[0], video)
        video.chmod(0o600)
        done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m",
                               "posture.cli", "analyze", str(video), "--test", "posture-frontal", "--quiet"],
                              capture_output=True, text=True, cwd=folder, timeout=120,
                              env={**os.environ, "HOME": str(folder), "MPLCONFIGDIR": str(folder),
                                   "PYTHONPATH": str(ROOT)})
    finally:
        shutil.rmtree(folder)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines()[-1] == ("error: locked.mp4 cannot be opened: this user may not read it "
                                                    "(check the file's permissions).")
