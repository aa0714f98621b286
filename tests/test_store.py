"""Storage on a real SQLite file (and PostgreSQL where it runs): save, reload, compare, migrate, survive faults."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date

import numpy as np
import pytest
from sqlalchemy import func, select, text

from conftest import ARTIFACTS, ROOT, bend, true_flexion
from posture.errors import PostureError
from posture.measures import AnalysisConfig, analyse
from posture.change import Reading, compare, verdict
from posture.measures.registry import default_mdc95
from posture.store.db import StorageError, migrate, open_database, schema_revision, writing
from posture.store.export import readings, sessions_csv, sessions_json
from posture.store.report import comparison, comparison_pdf
from posture.store.visits import visit_pair
from posture.store.models import Client, RecordedTest
from posture.store.bundle import BundleError, bundle_session, new_signing_key, sign
from posture.store.records import (add_client, client_sessions, import_bundle, load_session, pair_client,
                                   record_tests, series_from_bytes, visit_sessions)

WRITER = [sys.executable, str(ROOT / "tests" / "writer.py")]


@pytest.fixture
def engine(db_url):
    return open_database(db_url)


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.scalar(text(f"SELECT count(*) FROM {t}"))
                for t in ("clients", "visits", "sessions", "tests", "measurements")}


def test_save_and_reload_a_session(engine):
    result, series = bend(70.0)
    sid = record_tests(engine, "AB-1", "pre", [(result, series)], visit_date=date(2026, 3, 2), pain=6,
                       notes="stiff after gardening")
    s = load_session(engine, sid)
    assert (s.visit.client.pseudonym, s.visit.visit_date, s.label, s.pain) == ("AB-1", date(2026, 3, 2), "pre", 6)
    assert s.software_version.startswith("posture")
    stored = {m.name: m for m in s.tests[0].measurements}
    for m in result.measurements:
        assert stored[m.name].value == m.value and stored[m.name].trials == list(m.trials)
        assert stored[m.name].unit == m.unit and stored[m.name].quality == m.quality
        assert stored[m.name].withheld == m.withheld
    assert stored["fingertip_to_floor"].withheld == "needs-scale"           # no height: the code is stored
    # The landmarks are kept, so the test can be measured again without the video.
    again = analyse(series_from_bytes(s.tests[0].landmarks), "forward-bend",
                    AnalysisConfig(blazepose=False)).get("trunk_flexion").value       # as conftest.bend measured it
    assert again == pytest.approx(result.get("trunk_flexion").value, abs=0.1)


def test_sessions_of_one_day_share_a_visit(engine):
    pre, post = bend(60.0), bend(72.0, seed=1)
    a = record_tests(engine, "AB-1", "pre", [pre], visit_date=date(2026, 3, 2))
    b = record_tests(engine, "AB-1", "post", [post], visit_date=date(2026, 3, 2))
    c = record_tests(engine, "AB-1", "follow-up", [post], visit_date=date(2026, 3, 9))
    assert load_session(engine, a).visit_id == load_session(engine, b).visit_id != load_session(engine, c).visit_id
    assert [s.label for s in visit_sessions(engine, load_session(engine, a).visit_id)] == ["pre", "post"]
    assert [s.id for s in client_sessions(engine, "AB-1")] == [a, b, c]
    assert counts(engine)["clients"] == 1


@pytest.mark.parametrize("label, pain, message", [("during", None, "not a session label"),
                                                 ("pre", 11, "outside 0-10")])
def test_bad_session_fields_save_nothing(engine, label, pain, message):
    with pytest.raises(PostureError, match=message):
        record_tests(engine, "AB-1", label, [bend(60.0)], pain=pain)
    assert counts(engine)["sessions"] == 0


def test_duplicate_client_is_refused(engine):
    add_client(engine, "CD-2", birth_year=1971, conditions=("sciatica",))
    with pytest.raises(PostureError, match="already exists"):
        add_client(engine, "CD-2")


def test_compare_finds_a_real_change_and_calls_noise_noise(engine):
    pre = record_tests(engine, "AB-1", "pre", [bend(55.0)], visit_date=date(2026, 3, 2))
    post = record_tests(engine, "AB-1", "post", [bend(75.0, seed=1)], visit_date=date(2026, 3, 2))
    same = record_tests(engine, "AB-1", "follow-up", [bend(56.0, seed=2)], visit_date=date(2026, 3, 9))
    before, after, later = (readings(load_session(engine, i)) for i in (pre, post, same))

    flex = next(c for c in compare(before, after) if c.name == "trunk_flexion")
    assert flex.difference == pytest.approx(20.0, abs=1.5)           # what was rendered: 55 -> 75
    assert flex.real and flex.mdc == default_mdc95("trunk_flexion", "deg")
    assert verdict(flex) == "real improvement"

    # Rendered repetitions agree to a fraction of a degree, but 1 degree between sessions is still noise.
    flex = next(c for c in compare(before, later) if c.name == "trunk_flexion")
    assert abs(flex.difference) < flex.mdc and not flex.real
    assert verdict(flex) == "no real change"


def test_noisy_trials_widen_the_detectable_change():
    before = Reading("forward-bend", "trunk_flexion", 60.0, "deg", (50.0, 60.0, 70.0), 10.0)
    after = Reading("forward-bend", "trunk_flexion", 75.0, "deg", (65.0, 75.0, 85.0), 10.0)
    (change,) = compare([before], [after])
    assert change.mdc == pytest.approx(1.96 * 2 ** 0.5 * 10.0) and change.mdc_source == "trials"
    assert not change.real                                      # 15 degrees, but the trials spread 10 each way


def test_lower_fingertip_distance_is_an_improvement():
    (change,) = compare([Reading("forward-bend", "fingertip_to_floor", 20.0, "cm")],
                        [Reading("forward-bend", "fingertip_to_floor", 8.0, "cm")])
    assert change.real and verdict(change) == "real improvement"


def test_export_csv_and_json(engine):
    record_tests(engine, "AB-1", "pre", [bend(60.0)], visit_date=date(2026, 3, 2))
    sessions = client_sessions(engine, "AB-1")
    csv_text = sessions_csv(sessions)
    assert csv_text.splitlines()[0].startswith("client,visit_date,session_id,label")
    assert "trunk_flexion" in csv_text and "AB-1,2026-03-02" in csv_text
    assert '"label": "pre"' in sessions_json(sessions)


def test_migration_from_the_first_schema_keeps_the_data(db_url):
    url = db_url
    old = open_database(url, upgrade=False)
    migrate(old, "0001")
    with old.begin() as conn:          # rows as version 0001 of the tool wrote them (ids clear of new ones)
        conn.execute(text("INSERT INTO clients VALUES (901, 'OLD-1', 1960, '[\"arthritis\"]', '', '2026-01-05')"))
        conn.execute(text("INSERT INTO visits VALUES (901, 901, '2026-01-05', '')"))
        conn.execute(text("INSERT INTO sessions VALUES (901, 901, 'pre', 4, '', '2026-01-05 10:00:00', "
                          "'posture 0.1.0', NULL, NULL)"))
        conn.execute(text("INSERT INTO tests VALUES (901, 901, 'forward-bend', 'sagittal', 1.0, '[]', '[]', NULL)"))
        conn.execute(text("INSERT INTO measurements VALUES (901, 901, 'trunk_flexion', 64.5, 'deg', 0.9, '', '[]', "
                          "'[63.0, 64.5, 66.0]', 1.5, 66.0)"))
        conn.execute(text("INSERT INTO measurements VALUES (902, 901, 'hip_flexion', 70.0, 'deg', 0.9, '', '[]', "
                          "'[70.0]', 0.0, 70.0)"))
    old.dispose()

    engine = open_database(url)
    assert schema_revision(engine) == "0010"
    s = client_sessions(engine, "OLD-1")[0]
    assert (s.pain, s.source) == (4, "video")
    # a trunk flexion stored before the deep-bend correction is corrected as the analysis now corrects it, each
    # repetition, with the corrected measurement's +/- as revision 0009 stated it (later +/- are for later
    # measurements) and a note saying so
    from posture.measures.forward_bend import corrected_flexion

    flexion, hip = s.tests[0].measurements
    assert (hip.value, hip.uncertainty) == (70.0, 5.5)       # the rest keep the +/- they were shown with then
    assert flexion.trials == pytest.approx([corrected_flexion(v) for v in (63.0, 64.5, 66.0)])
    assert flexion.value == pytest.approx(corrected_flexion(64.5)) and flexion.maximum == pytest.approx(
        corrected_flexion(66.0))
    assert flexion.uncertainty == 2.0
    assert "corrected after it was measured" in s.tests[0].notes[-1]
    record_tests(engine, "OLD-1", "post", [bend(70.0)], visit_date=date(2026, 1, 5))     # the new schema works
    assert counts(engine)["measurements"] > 1


def test_the_upgrade_gathers_a_visit_split_by_earlier_versions_losing_nothing(db_url):
    """Schema 0006 let the command line make a session per recording: four sessions (two pre, two post) over two
    visits of one day become one visit with one pre and one post, every test, note, pain score and key kept."""
    old = open_database(db_url, upgrade=False)
    migrate(old, "0006")
    with old.begin() as conn:
        conn.execute(text("INSERT INTO clients (id, pseudonym, conditions, notes, created_at) "
                          "VALUES (901, 'OLD-1', '[]', '', '2026-01-05')"))
        conn.execute(text("INSERT INTO visits VALUES (901, 901, '2026-01-05', 'first'), (902, 901, '2026-01-05', '')"))
        for sid, visit, label, pain, notes, key, video in (
                (901, 901, "pre", "NULL", "'bend'", "'k1'", "'/v/1.mp4'"), (902, 902, "pre", "5", "'side'", "NULL",
                                                                               "NULL"),
                (903, 901, "post", "NULL", "''", "NULL", "NULL"), (904, 902, "post", "2", "''", "'k4'", "NULL")):
            conn.execute(text("INSERT INTO sessions (id, visit_id, label, pain, notes, recorded_at, software_version, "
                              "source, batch_key, video_path, calibration) VALUES "
                              f"({sid}, {visit}, '{label}', {pain}, {notes}, '2026-01-05 10:0{sid - 900}:00', 'x', "
                              f"'video', {key}, {video}, '{{\"roll_deg\": {sid - 900}.0}}')"))
            conn.execute(text("INSERT INTO tests (id, session_id, test, view, detected_share, notes, trial_frames) "
                              f"VALUES ({sid}, {sid}, 'forward-bend', 'sagittal', 1.0, '[]', '[]')"))
    old.dispose()

    engine = open_database(db_url)
    assert schema_revision(engine) == "0010"
    pre, post = client_sessions(engine, "OLD-1")
    assert (pre.label, post.label, pre.visit_id, post.visit_id) == ("pre", "post", 901, 901)
    assert ([t.id for t in pre.tests], [t.id for t in post.tests]) == ([901, 902], [903, 904])
    assert (pre.pain, pre.notes, post.pain) == (5, "bend\nside", 2)
    assert [t.calibration["roll_deg"] for t in pre.tests + post.tests] == [1.0, 2.0, 3.0, 4.0]     # each its own
    assert [(t.batch_key, t.video_path) for t in pre.tests + post.tests] == [
        ("k1", "/v/1.mp4"), (None, None), (None, None), ("k4", None)]
    assert counts(engine)["visits"] == 1
    record_tests(engine, "OLD-1", "post", [bend(70.0)], visit_date=date(2026, 1, 5))     # joins the post
    assert len(client_sessions(engine, "OLD-1")[1].tests) == 3


def test_a_process_killed_while_saving_leaves_a_consistent_database(db_url):
    open_database(db_url)
    writer = subprocess.Popen([*WRITER, db_url, "KILLED", "200", "6"], stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(3):                  # let it commit a few sessions, then kill it mid-stream
            assert writer.stdout.readline(), "the writer process died on its own"
        time.sleep(np.random.default_rng().uniform(0.05, 0.25))
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    assert writer.returncode == -signal.SIGKILL

    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    engine = open_database(db_url)
    c = counts(engine)
    assert c["sessions"] >= 3
    with engine.connect() as conn:                                    # no save without all its 6 tests
        per_session = conn.execute(select(func.count()).select_from(RecordedTest)
                                   .group_by(RecordedTest.session_id)).scalars().all()
    assert per_session and all(n % 6 == 0 for n in per_session)
    assert c["measurements"] == c["tests"] * len(bend(60.0)[0].measurements)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(RecordedTest).where(RecordedTest.landmarks.is_(None))) == 0


def test_two_writers_at_once(db_url):
    open_database(db_url)
    writers = [subprocess.Popen([*WRITER, db_url, "SHARED", "12"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [w.communicate(timeout=300)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    c = counts(open_database(db_url))
    # Both wrote a pre test for the same 12 days: 12 visits, each with one pre session holding both tests.
    assert (c["clients"], c["visits"], c["sessions"], c["tests"]) == (1, 12, 12, 24)


def test_writers_recording_a_pre_test_at_the_same_moment_make_one_pre_session(db_url, monkeypatch):
    """The database keeps one visit a day and one pre a visit, even without the writers taking turns first."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import posture.store.records as records

    monkeypatch.setattr(records, "serialise_on", lambda db, key: None)     # only the constraints are left
    engine = open_database(db_url)
    tests = [bend(60.0), bend(62.0, seed=1)]
    for k in range(10):
        start = threading.Barrier(2)

        def write(test):
            start.wait()
            return record_tests(engine, f"RACE-{k}", "pre", [test], visit_date=date(2026, 3, 2))

        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(write, tests)
        assert first == second
    c = counts(engine)
    assert (c["clients"], c["visits"], c["sessions"], c["tests"]) == (10, 10, 10, 20)


def test_a_test_joining_the_days_pre_keeps_its_own_camera_and_what_was_said_with_it(engine):
    """Two recordings from two cameras saved into one pre session: each test keeps its profile (its curve is levelled
    with its own roll); the later save's pain and notes are kept, not dropped."""
    from posture.calibration import CameraProfile
    from posture.store.records import stored_tests

    cam_a = CameraProfile(name="cam-a", image_size=(480, 640), roll_deg=9.0)
    cam_b = CameraProfile(name="cam-b", image_size=(480, 640), roll_deg=1.0)
    first = record_tests(engine, "AB-1", "pre", [bend(55.0)], visit_date=date(2026, 3, 2), pain=6, notes="stiff",
                         profile=cam_a)
    again = record_tests(engine, "AB-1", "pre", [bend(57.0, seed=1)], visit_date=date(2026, 3, 2), pain=4,
                         notes="after a walk", profile=cam_b)
    session = load_session(engine, first)
    assert again == first and [t.roll_deg for t in stored_tests(session)] == [9.0, 1.0]
    assert session.pain == 6
    assert session.notes == "stiff\nafter a walk\nPain 4/10 when forward bend was measured."


def test_the_database_itself_refuses_a_second_pre_or_a_second_visit_on_a_day(engine):
    from sqlalchemy.exc import IntegrityError

    sid = record_tests(engine, "AB-1", "pre", [bend(60.0)], visit_date=date(2026, 3, 2))
    visit_id = load_session(engine, sid).visit_id
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO sessions (visit_id, label, notes, recorded_at, software_version, source) "
                          "VALUES (:v, 'pre', '', '2026-03-02 10:00:00', 'x', 'video')"), {"v": visit_id})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO visits (client_id, visit_date, notes) SELECT client_id, visit_date, '' "
                          "FROM visits WHERE id = :v"), {"v": visit_id})
    record_tests(engine, "AB-1", "follow-up", [bend(61.0)], visit_date=date(2026, 3, 2))     # follow-ups: many
    record_tests(engine, "AB-1", "follow-up", [bend(62.0)], visit_date=date(2026, 3, 2))
    assert [s.label for s in visit_sessions(engine, visit_id)] == ["pre", "follow-up", "follow-up"]


def test_a_full_disk_saves_nothing_and_says_so(tmp_path):
    path = tmp_path / "full.db"
    engine = open_database(path)
    record_tests(engine, "AB-1", "pre", [bend(60.0)])
    before = counts(engine)
    with sqlite3.connect(path) as raw:
        pages = raw.execute("PRAGMA page_count").fetchone()[0]

    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _cap(dbapi, _):                      # the file may not grow: SQLite reports a full disk
        dbapi.execute(f"PRAGMA max_page_count={pages + 2}")

    engine.dispose()
    big = bend(60.0)
    with pytest.raises(StorageError, match="disk is full: nothing was saved"):
        record_tests(engine, "AB-1", "post", [big] * 40)
    assert counts(engine) == before


def test_a_locked_database_times_out_with_a_clear_message(tmp_path, monkeypatch):
    path = tmp_path / "busy.db"
    engine = open_database(path)
    monkeypatch.setattr("posture.store.db.BUSY_TIMEOUT_MS", 300)
    impatient = open_database(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")        # another program holds the write lock
    try:
        with pytest.raises(StorageError, match="busy.*nothing was saved"):
            record_tests(impatient, "AB-1", "pre", [bend(60.0)])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert counts(engine)["sessions"] == 0


def test_unopenable_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match="cannot be opened"):
        open_database(bad)
    assert bad.read_bytes().startswith(b"this is not a database")


# Home-check bundles

@pytest.fixture
def paired(engine):
    """A therapist database with a paired client, and a patient's database holding one home check."""
    add_client(engine, "HOME-1")
    code = pair_client(engine, "HOME-1")
    return engine, code


def home_bundle(tmp_path, code: str) -> bytes:
    home = open_database(tmp_path / "patient.db")
    sid = record_tests(home, "me", "home check", [bend(66.0)], visit_date=date(2026, 4, 1), pain=3)
    return bundle_session(load_session(home, sid), code)


def test_valid_bundle_is_imported_under_the_paired_client(paired, tmp_path):
    engine, code = paired
    data = home_bundle(tmp_path, code.lower().replace("-", " "))     # the code as a patient might type it
    sid = import_bundle(engine, data)
    s = load_session(engine, sid)
    assert (s.visit.client.pseudonym, s.label, s.pain, s.source) == ("HOME-1", "home check", 3, "home bundle")
    flex = next(m for m in s.tests[0].measurements if m.name == "trunk_flexion")
    assert flex.value == pytest.approx(true_flexion(66.0), abs=1.5)
    assert series_from_bytes(s.tests[0].landmarks).image.shape[1] == 33
    with pytest.raises(BundleError, match="imported before"):
        import_bundle(engine, data)
    assert counts(engine)["sessions"] == 1


@pytest.mark.parametrize("damage, message", [
    (lambda d: d[: len(d) // 2], "not readable JSON"),
    (lambda d: b"\x89PNG\r\n\x1a\n" + d, "not readable JSON"),
    (lambda d: d.replace(b'"posture-home-bundle/1"', b'"something-else/1"'), "not a home-check bundle"),
])
def test_malformed_bundle_is_refused(paired, tmp_path, damage, message):
    engine, code = paired
    with pytest.raises(BundleError, match=message):
        import_bundle(engine, damage(home_bundle(tmp_path, code)))
    assert counts(engine)["sessions"] == 0


def test_tampered_bundle_is_refused(paired, tmp_path):
    engine, code = paired
    doc = json.loads(home_bundle(tmp_path, code))
    flex = next(m for m in doc["payload"]["session"]["tests"][0]["measurements"] if m["name"] == "trunk_flexion")
    flex["value"] += 20.0                             # a better-looking result
    with pytest.raises(BundleError, match="changed after the patient exported it"):
        import_bundle(engine, json.dumps(doc).encode())
    assert counts(engine)["sessions"] == 0


def test_bundle_signed_with_an_unknown_code_is_refused(paired, tmp_path):
    engine, _ = paired
    with pytest.raises(BundleError, match="No client is paired"):
        import_bundle(engine, home_bundle(tmp_path, new_signing_key()))


def test_signed_but_malformed_payload_is_refused(paired, tmp_path):
    engine, code = paired
    doc = json.loads(home_bundle(tmp_path, code))
    doc["payload"]["session"]["pain"] = 42            # re-signed with the right code, but out of range
    doc["signature"] = sign(doc["payload"], code)
    with pytest.raises(BundleError, match="malformed"):
        import_bundle(engine, json.dumps(doc).encode())
    assert counts(engine)["sessions"] == 0


def test_visit_report_pdf_shows_the_table_values(engine, tmp_path):
    import pypdfium2 as pdfium

    day = date(2026, 3, 2)
    record_tests(engine, "AB-1", "pre", [bend(52.0)], visit_date=date(2026, 2, 23))
    pre = record_tests(engine, "AB-1", "pre", [bend(55.0)], visit_date=day, pain=6)
    post = record_tests(engine, "AB-1", "post", [bend(75.0, seed=1)], visit_date=day, pain=3)
    sessions = visit_sessions(engine, load_session(engine, pre).visit_id)
    pdf = comparison_pdf(comparison(*visit_pair(sessions), client_sessions(engine, "AB-1")))
    out = ARTIFACTS / "report"
    out.mkdir(parents=True, exist_ok=True)
    (out / "visit.pdf").write_bytes(pdf)

    doc = pdfium.PdfDocument(pdf)
    words = " ".join(page.get_textpage().get_text_range() for page in doc)
    flex = {s: next(m.value for m in load_session(engine, s).tests[0].measurements if m.name == "trunk_flexion")
            for s in (pre, post)}
    assert "Before and after: AB-1" in words and "2026-03-02" in words
    assert f"{flex[pre]:.1f}" in words and f"{flex[post]:.1f}" in words
    shown = round(flex[post], 1) - round(flex[pre], 1)                # the change of the numbers on the page
    assert f"{shown:+.1f}" in words and "real improvement" in words
    for k, page in enumerate(doc):
        image = page.render(scale=1.5).to_pil()
        image.save(out / f"visit-page{k + 1}.png")
        assert (np.asarray(image.convert("L")) < 128).mean() > 0.002     # something is drawn on every page
    doc.close()


def fonts_drawn(textpage) -> set[str]:
    """The fonts a PDF page's characters are drawn in (without a subset's tag)."""
    import ctypes

    import pypdfium2.raw as raw

    name, flags, fonts = ctypes.create_string_buffer(256), ctypes.c_int(), set()
    for k in range(textpage.count_chars()):
        raw.FPDFText_GetFontInfo(textpage.raw, k, name, 256, ctypes.byref(flags))
        fonts.add(name.value.decode().split("+")[-1])
    return fonts


NAMES = {"Arabic": "محمد علي", "Hebrew": "שלום כהן", "Chinese": "王小明", "Japanese": "山田 はなこ",
         "Korean": "김민준", "accented Greek": "Ἀθηνᾶ Ωμέγα", "full-width Latin": "ＡＢ１２",
         "Latin": "Zoë-Ann O'Neil"}


@pytest.mark.parametrize("script", NAMES)
def test_the_report_says_whose_it_is_in_every_script_a_pseudonym_may_have(db_url, tmp_path, capsys, script):
    """Each character printed from a font that has it, Arabic joined (the page's picture is kept to look at); a
    right-to-left name is drawn right to left, so its words come out of the PDF last first, each word as written."""
    import pypdfium2 as pdfium

    from conftest import run_cli

    from posture.report_fonts import unprintable

    name, engine = NAMES[script], open_database(db_url)
    if unprintable(name):                                # Debian's fallback fonts: dev.sh installs them as root
        pytest.skip(f"the report's font for {script} is not installed here")
    day = date(2026, 3, 2)
    pre = record_tests(engine, name, "pre", [bend(55.0)], visit_date=day)
    record_tests(engine, name, "post", [bend(75.0, seed=1)], visit_date=day)
    visit = load_session(engine, pre).visit_id
    assert run_cli(capsys, "sessions", "--db", db_url, "report", str(visit), "--out", str(tmp_path / "r.pdf"))[0] == 0
    doc = pdfium.PdfDocument(tmp_path / "r.pdf")     # the command line's report, the app's PDF by the same function
    first = doc[0].get_textpage().get_text_range().splitlines()[0]
    right_to_left = script in ("Arabic", "Hebrew")
    assert first == "Before and after: " + (" ".join(name.split(" ")[::-1]) if right_to_left else name)
    assert fonts_drawn(doc[0].get_textpage()) <= {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique",
                                                  "DroidSansFallback", "NanumGothic"}   # none left to one lacking it
    out = ARTIFACTS / "report"
    out.mkdir(parents=True, exist_ok=True)
    doc[0].render(scale=1.5).to_pil().crop((0, 0, 900, 160)).save(out / f"pseudonym-{script.replace(' ', '-')}.png")
    doc.close()


def test_a_new_pseudonym_the_report_cannot_print_is_refused_and_an_old_one_still_reports(engine):
    with pytest.raises(PostureError, match="The report cannot print 'กขค' of this pseudonym"):
        add_client(engine, "กขค")                          # Thai: no report font has it
    with writing(engine) as db:                            # a client stored before the rule keeps working
        db.add(Client(pseudonym="กขค", conditions=[], notes=""))
    record_tests(engine, "กขค", "pre", [bend(55.0)], visit_date=date(2026, 3, 2))
    assert len(client_sessions(engine, "กขค")) == 1
