"""Every page's logic, run headless with Streamlit's AppTest on a real SQLite file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app_pages.common import DATABASE_DOWN
from conftest import FPS, ROOT, bend, true_flexion
from posture import settings
from posture.store.db import open_database
from posture.store.access import (FREE_TRIES, WRONG_LOGIN, WRONG_TOKEN, has_therapist, log_in, new_home_code,
                                  revoke_home_codes, set_password)
from posture.store.records import add_client, client_sessions, load_test, record_tests
from posture.synthetic.camera import sagittal_camera
from posture.synthetic.scene import forward_bend_poses, landmark_series

APP = str(ROOT / "app.py")


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "clinic.db"
    monkeypatch.setenv("POSTURE_DB", str(path))
    monkeypatch.setenv("POSTURE_CALIBRATION_DIR", str(tmp_path / "calibration"))
    return path


def app(page: str | None = None, *, therapist: str | None = "Anna", code: str | None = None,
        where: str | None = None) -> AppTest:
    """The app as a logged-in therapist (the server-side session says so, as a login leaves it), or opened with a
    patient's code, or by nobody (therapist=None); `where` picks the live check's camera path."""
    at = AppTest.from_file(APP, default_timeout=120)
    if code is not None:
        at.query_params["code"] = code
    elif therapist is not None:
        at.session_state["therapist"] = therapist
    if where is not None:
        at.session_state["live-where"] = where
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def visit(db):
    """One client with a pre and a post session on the same day: 55 then 75 degrees of flexion."""
    engine = open_database(db)
    record_tests(engine, "AB-1", "pre", [bend(55.0)], visit_date=date(2026, 3, 2), pain=6)
    record_tests(engine, "AB-1", "post", [bend(75.0, 1)], visit_date=date(2026, 3, 2), pain=3)
    return engine


def add_client_on(at: AppTest, key: str, pseudonym: str, height: float = 0.0) -> None:
    """Fill the page's new-client form and press Add client."""
    at.text_input(key=f"{key}-new").input(pseudonym)
    at.number_input(key=f"{key}-height").set_value(height)
    next(b for b in at.button if b.label == "Add client").click().run()
    assert not at.exception and at.selectbox(key=f"{key}-client").value == pseudonym


def test_first_start_with_an_empty_database_offers_the_demo(db):
    at = app()
    assert at.button[0].label.startswith("Load the demo client")
    assert db.exists()                          # created and migrated on first start


@pytest.mark.parametrize("page", [None, "visit", "clients", "compare"])
def test_a_database_that_cannot_be_opened_is_one_sentence_on_every_page(db, monkeypatch, page):
    monkeypatch.setenv("POSTURE_DB", "foo://x")
    at = app(page)
    assert not at.exception
    assert [e.value for e in at.error] == ["foo://x is not a database posture can use: give a file path, or a URL "
                                           "such as postgresql+psycopg://user@host/db."]


def test_a_patients_code_opens_only_their_home_check_in_plain_words(db):
    engine = open_database(db)
    add_client(engine, "PT-7")
    at = app(code=new_home_code(engine, "PT-7").lower())          # as typed: any case
    assert at.title[0].value == "Your home check"
    assert "whole body" in at.markdown[0].value
    assert any("Home check for PT-7" in c.value for c in at.sidebar.caption)
    assert not [b for b in at.button if b.label == "Log out"]


def test_my_results_shows_the_patients_own_values_in_plain_words_with_their_give_or_take(visit):
    from posture.export import whole

    at = app("my_results", code=new_home_code(visit, "AB-1"))
    said = " ".join(m.value for m in at.markdown)
    flexions = [f"Bending forward: {whole(t.get('trunk_flexion').value)} degrees, give or take"
                for s in client_sessions(visit, "AB-1") for t in (load_test(s.tests[0])[0],)]
    assert len(flexions) == 2 and all(f in said for f in flexions), said
    assert not at.table and "MDC" not in said
    assert "before treatment" in said and "after treatment" in said          # the patient's words, not the clinic's
    assert not any(term in said for term in ("Trunk flexion", ": pre", ": post", "Plumb"))


def test_a_withdrawn_or_unknown_code_opens_nothing_and_says_why(db):
    engine = open_database(db)
    add_client(engine, "PT-8")
    code = new_home_code(engine, "PT-8")
    revoke_home_codes(engine, "PT-8")
    for given, words in ((code, "withdrawn this code"), ("ABCD-EFGH-JKMN", "not valid")):
        at = app(code=given)
        assert at.title[0].value == "posture" and any(words in e.value for e in at.error)
        assert "code" not in at.query_params                  # the page no longer holds it


def test_nobody_logged_in_sees_the_login_page_alone(db):
    engine = open_database(db)
    set_password(engine, "Anna", "a long enough password")
    at = app(therapist=None)
    assert at.title[0].value == "posture"
    assert {b.label for b in at.button} == {"Open my home check", "Log in"}
    at.switch_page("app_pages/clients.py").run()              # not a page of this session: the login page again
    assert [t.value for t in at.title] == ["posture"] and not at.dataframe
    at = app(therapist=None)
    at.text_input[1].input("Anna")
    at.text_input[2].input("wrong password!")
    next(b for b in at.button if b.label == "Log in").click().run()
    assert [e.value for e in at.error] == [WRONG_LOGIN]
    at.text_input[2].input("a long enough password")
    next(b for b in at.button if b.label == "Log in").click().run()
    assert at.session_state["therapist"] == "Anna" and at.title[0].value == "posture"
    assert [b for b in at.button if b.label == "Load the demo client"]


def test_the_login_form_locks_after_five_wrong_passwords_and_says_the_same_whoever_the_name(db):
    """Through the form, as the tester tried: the sixth wrong password said "Too many wrong passwords" only for a
    name that exists; now every refusal is one sentence, and the locked account refuses even its right password."""
    set_password(open_database(db), "Anna", "a long enough password")

    def log_in_as(name: str, password: str) -> AppTest:
        at = app(therapist=None)
        at.text_input[1].input(name)
        at.text_input[2].input(password)
        next(b for b in at.button if b.label == "Log in").click().run()
        return at

    for name in ("Anna", "Nobody"):
        said = [[e.value for e in log_in_as(name, f"wrong password {k}").error] for k in range(FREE_TRIES + 1)]
        assert said == [[WRONG_LOGIN]] * (FREE_TRIES + 1)
    locked = log_in_as("Anna", "a long enough password")
    assert [e.value for e in locked.error] == [WRONG_LOGIN] and "therapist" not in locked.session_state


def test_the_first_account_needs_the_set_up_token_the_server_wrote(db):
    """Where a request seems to come from decides nothing (a forwarder on the server makes any request look local):
    the first account takes the token the server printed and wrote owner-only beside the database."""
    at = app(therapist=None)
    token_file = settings.setup_token_file(db)
    assert token_file.stat().st_mode & 0o777 == 0o600
    token = token_file.read_text().strip()
    assert len(token) >= 24

    def create(given: str, password: str = "a long enough password") -> list[str]:
        fields = {t.label: t for t in at.text_input}
        fields["Set-up token"].input(given)
        fields["Your name"].input("Anna")
        fields["Password (at least 10 characters)"].input(password)
        fields["The password again"].input(password)
        next(b for b in at.button if b.label == "Create the account").click().run()
        return [e.value for e in at.error]

    assert create("") == [WRONG_TOKEN] and create(token[:-1] + "x") == [WRONG_TOKEN]
    assert create(token, "short") == ["Choose a password of at least 10 characters."]
    assert not has_therapist(open_database(db)) and "therapist" not in at.session_state
    assert create(f"  {token} ") == []
    assert at.session_state["therapist"] == "Anna" and log_in(open_database(db), "Anna", "a long enough password")
    assert not token_file.exists()                       # used up: it makes no second account
    other = app(therapist=None)
    assert not [t for t in other.text_input if t.label == "Set-up token"]


class Stream:
    """Stands in for the browser's WebRTC stream, which AppTest has no browser for (the e2e test has one)."""

    def __init__(self, playing: bool):
        self.state = type("State", (), {"playing": playing})()


@pytest.fixture
def camera(monkeypatch):
    """The webcam component replaced by a stream that is stopped or playing (also where the live panel holds it,
    once an earlier test has imported the panel)."""
    state = {"playing": False}
    for holder in ("streamlit_webrtc", "app_pages.live_panel"):
        monkeypatch.setattr(f"{holder}.webrtc_streamer", lambda **kw: Stream(state["playing"]))
    return state


def test_live_page_waits_for_start(db, camera):
    at = app("live")
    assert at.title[0].value == "Live assessment"
    assert at.selectbox(key="live-test").value == "forward-bend"
    assert any("allow camera access" in c.value for c in at.caption)


def test_live_page_saves_a_finished_check(db, camera):
    from posture.live_camera import LiveRun
    from posture.measures.forward_bend import corrected_flexion
    from posture.synthetic.scene import still_poses
    from posture.synthetic.skeleton import Pose

    at = app("live", where="On the server")
    add_client_on(at, "live", "GH-4")
    at.selectbox(key="live-label").select("post").run()
    run = LiveRun("forward-bend")              # the camera thread's work, done here on posed landmarks
    s = landmark_series(still_poses(Pose(arms="gravity"), FPS, 1.5) + forward_bend_poses(65.0, FPS),
                        sagittal_camera(), FPS, noise_px=1.0, rng=np.random.default_rng(3))
    for k in range(len(s)):
        run.feed(s.t[k], s.image[k], s.visibility[k], s.world[k], s.width, s.height)
    at.session_state["run-live"] = run
    camera["playing"] = True
    at.run()
    assert not at.exception
    assert any("Saved in session 1 (post) for GH-4" in i.value for i in at.info)
    (saved,) = client_sessions(open_database(db), "GH-4")
    flex = next(m.value for m in saved.tests[0].measurements if m.name == "trunk_flexion")
    # the live path takes the pose model's deep-bend bias off, as every other door does (these landmarks stand in
    # for the camera's)
    assert saved.label == "post" and saved.source == "live"
    assert flex == pytest.approx(corrected_flexion(true_flexion(65.0)), abs=3.0)
    at.run()                                   # a rerun does not save it twice
    assert len(client_sessions(open_database(db), "GH-4")) == 1


def test_analyse_page_offers_recognition_and_the_samples(db):
    at = app("analyse")
    test = at.selectbox(key="analyse-test-forward_bend_side")
    assert test.value == "forward-bend"                 # the first sample's own test
    assert "Recognise the test automatically" in test.options


@pytest.mark.slow
def test_analyse_a_sample_and_save_it(db):
    at = app("analyse")
    add_client_on(at, "analyse", "CD-2", 171.0)
    at.selectbox(key="analyse-sample").select(Path(ROOT) / "sample_videos" / "posture_front.mp4").run()
    at.selectbox(key="analyse-test-posture_front").set_value("auto").run()      # let the tool recognise it
    next(b for b in at.button if b.label == "Analyse").click().run()
    assert not at.exception and not at.error
    assert any(i.value.startswith("Recognised as standing posture, from the front: the tool saw a front view")
               for i in at.info)                                   # what it saw, and that it was the tool's choice
    assert "Shoulder tilt" in list(at.table[0].value["Measurement"])
    save = next(b for b in at.button if b.label == "Save")
    assert save.disabled                                           # saved only once the user confirms the test
    at.checkbox(key="analyse-confirm-test").check().run()
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.error
    (s,) = client_sessions(open_database(db), "CD-2")
    assert s.tests[0].test == "posture-frontal"
    shift = next(m for m in s.tests[0].measurements if m.name == "lateral_shift")
    assert shift.unit == "cm" and shift.value is not None          # the client's height gave the scale


def test_clients_page_adds_a_client_and_shows_history(visit):
    at = app("clients")
    assert list(at.dataframe[0].value["Label"]) == ["pre", "post"]
    at.text_input[0].input("EF-3").run()
    at.button[0].click().run()                 # the form's Add
    assert any("Client EF-3 added" in s.value for s in at.success)
    assert at.selectbox(key="history-client").options == ["AB-1", "EF-3"]


def test_clients_page_keeps_home_checks_apart_until_adopted(visit):
    record_tests(visit, "AB-1", "home check", [bend(70.0, 2)], visit_date=date(2026, 3, 2), pain=2)
    at = app("clients")
    clinic, home = (list(d.value["Label"]) for d in at.dataframe)
    assert (clinic, home) == (["pre", "post"], ["home check"])
    assert any(h.value == "Home checks from the patient" for h in at.subheader)
    shown = [t.value for t in at.table]                          # its numbers, before it is adopted
    assert any("Trunk flexion" in list(t["Measurement"]) for t in shown)
    start = app()
    assert any("New home checks from patients" in w.value and "AB-1 (1)" in w.value.replace("\\", "")
               for w in start.warning)                                # Markdown-escaped on the page
    at.selectbox[-1].set_value("post")
    next(b for b in at.button if b.label == "Adopt").click().run()
    assert any("has a post session already" in e.value for e in at.error)
    at.selectbox[-1].set_value("follow-up")
    next(b for b in at.button if b.label == "Adopt").click().run()
    assert not at.exception and [s.label for s in client_sessions(visit, "AB-1")] == ["pre", "post", "follow-up"]
    assert any("adopted as follow-up" in s.value for s in at.success)           # said once it is done
    assert not any("New home checks" in w.value for w in app().warning)
    at = app("clients")
    assert len(at.dataframe) == 1 and list(at.dataframe[0].value["Label"]) == ["pre", "post", "follow-up"]


def test_a_home_check_link_comes_with_a_copy_button_and_a_qr_code_of_itself(visit):
    import cv2

    from posture.store.codes import qr_png

    at = app("clients")
    next(b for b in at.button if b.label == "New home-check link").click().run()
    (link,) = [c.value for c in at.code]                        # st.code: the copy button is Streamlit's own
    assert "/?code=" in link and not at.exception
    picture = cv2.imdecode(np.frombuffer(qr_png(link), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert cv2.QRCodeDetector().detectAndDecode(picture)[0] == link      # a phone's camera reads the link back


def test_compare_page_flags_the_real_change(visit):
    at = app("compare")
    table = at.table[0].value
    flex = table[table["Measurement"] == "Trunk flexion"].iloc[0]
    assert flex["Verdict"] == "real improvement"
    assert float(flex["Change"]) == pytest.approx(true_flexion(75.0) - true_flexion(55.0), abs=1.5)
    assert any("a real improvement" in m.value for m in at.markdown)


@pytest.mark.parametrize("home_checks", [1, 2])
def test_compare_page_with_a_pre_and_home_checks_on_one_day_offers_the_pickers(db, home_checks):
    """A pre and a home check (or two home checks) on one day: no pair to default to, so the pickers show the
    client's last two sessions, and comparing them works."""
    engine = open_database(db)
    if home_checks == 1:
        record_tests(engine, "AB-1", "pre", [bend(55.0)], visit_date=date(2026, 3, 2), pain=6)
    for k in range(home_checks):
        record_tests(engine, "AB-1", "home check", [bend(70.0 + k, 2 + k)], visit_date=date(2026, 3, 2), pain=2)
    at = app("compare")
    assert not at.exception
    ids = [s.id for s in client_sessions(engine, "AB-1")]
    before, after = (next(s for s in at.selectbox if s.label == name) for name in ("Before", "After"))
    assert (before.value.id, after.value.id) == (ids[0], ids[1])
    flex = at.table[0].value.set_index("Measurement").loc["Trunk flexion"]
    assert float(flex["After"]) > float(flex["Before"])


def test_calibration_page_picks_a_profile(db, tmp_path):
    from posture.calibration import CameraProfile, save_profile

    save_profile(CameraProfile(name="clinic-cam", image_size=(640, 480), roll_deg=2.0), tmp_path / "calibration")
    at = app("calibration")
    at.selectbox[0].select("clinic-cam").run()
    assert at.session_state["profile"] == "clinic-cam"


def test_demo_client_has_two_visits_that_compare_and_trend(db):
    from posture.demo import BATTERY, PEAKS

    at = app()
    at.button[0].click().run()
    assert not at.exception and not at.warning
    assert any("Demo client loaded" in s.value for s in at.success)
    sessions = client_sessions(open_database(db), "Demo")
    assert [(s.visit.visit_date == date.today(), s.label) for s in sessions] == [
        (False, "pre"), (False, "post"), (True, "pre"), (True, "post")]
    assert all(sorted(t.test for t in s.tests) == sorted(BATTERY) for s in sessions)
    assert "is loaded" in app().info[0].value          # the next start says so instead of offering it again

    at = app("compare")                                 # today's visit, pre against post, with trends
    flex = at.table[0].value.set_index("Measurement").loc["Trunk flexion"]
    (pre, _, _), (post, _, _) = PEAKS[1]
    assert float(flex["Change"]) == pytest.approx(true_flexion(post) - true_flexion(pre), abs=1.0)
    assert flex["Verdict"] == "real improvement"
    assert "Over visits" in [h.value for h in at.subheader] and len(at.get("image")) > 10


def test_a_therapist_name_is_shown_as_text_never_as_markdown(db):
    """A name holding a Markdown image made every page fetch it from another host (the hostile tester)."""
    name = "![x](http://example.com/pixel.png) **Anna**"
    at = app(therapist=name)
    shown = [c.value for c in at.sidebar.caption if c.value.startswith("Logged in as")]
    assert shown == ["Logged in as \\!\\[x\\]\\(http\\://example\\.com/pixel\\.png\\) \\*\\*Anna\\*\\*."]


def test_a_database_that_cannot_be_reached_is_one_sentence_without_its_address_for_a_visitor(monkeypatch):
    """PostgreSQL stopped: a new visitor's login page showed the database's host and port (the hostile tester)."""
    from app_pages.common import DATABASE_DOWN

    monkeypatch.setenv("POSTURE_DB", "postgresql+psycopg://posture@127.0.0.1:9/clinic")     # nothing listens on 9
    at = app(therapist=None)
    assert [e.value for e in at.error] == [DATABASE_DOWN]
    shown = [e.value for kind in ("error", "markdown", "caption", "warning", "info") for e in getattr(at, kind)]
    assert not at.exception and not any("127.0.0.1" in text or "clinic" in text.lower() and "9" in text
                                        for text in shown)
    at = app(therapist="Anna")                                 # the therapist is told where, without a password
    assert at.error and "127.0.0.1:9" in at.error[0].value and not at.exception


def test_a_patients_code_leaves_the_address_bar_at_once(db):
    """It stayed in the address (and the browser's history) until another page was opened (the hostile tester)."""
    engine = open_database(db)
    add_client(engine, "AB-1")
    at = app(code=new_home_code(engine, "AB-1"))
    assert "code" not in at.query_params and {p for p in at.session_state["patient"]} and not at.exception
    at.run()                                                   # the next run still knows the patient, from the session
    assert at.session_state["patient"] == "AB-1" and "code" not in at.query_params
    typed = app(therapist=None)                                # typed on the login page: never put in the address
    typed.text_input[0].input(new_home_code(engine, "AB-1").lower())
    next(b for b in typed.button if b.label == "Open my home check").click().run()
    assert typed.session_state["patient"] == "AB-1" and "code" not in typed.query_params
    assert typed.title[0].value == "Your home check"


def test_a_database_that_fails_mid_page_is_one_sentence_never_its_sql(db, monkeypatch):
    """PostgreSQL stopped while the therapist worked: the Clients page showed an OperationalError with its SQL."""
    import sqlalchemy.exc

    import app_pages.common
    from app_pages.common import DATABASE_DOWN

    def stopped(*_):
        raise sqlalchemy.exc.OperationalError("SELECT clients.pseudonym FROM clients", {}, Exception("server closed"))

    monkeypatch.setattr(app_pages.common, "list_clients", stopped)
    at = app("clients")
    assert [e.value for e in at.error] == [DATABASE_DOWN] and not at.exception


def test_saving_a_height_while_the_database_is_down_is_one_sentence(visit, monkeypatch):
    """PostgreSQL stopped: saving a height was a traceback."""
    import sqlalchemy.exc

    import posture.store.visits            # where the page takes set_height from at each run (a page is a script)

    def stopped(*_):
        raise sqlalchemy.exc.OperationalError("UPDATE clients SET height_cm=...", {}, Exception("server closed"))

    at = app("clients")
    monkeypatch.setattr(posture.store.visits, "set_height", stopped)
    at.number_input(key="height-AB-1").set_value(172.0)
    next(b for b in at.button if b.label == "Save the height").click().run()
    assert not at.exception and [e.value for e in at.error] == [DATABASE_DOWN]


def test_a_full_disk_is_one_sentence_on_every_page_that_writes(small_disk, monkeypatch):
    """A new home-check link, the offline signing key and a wrong password each ended in a StorageError traceback;
    each is now one sentence (nothing half-written), and a login whose try cannot be counted is refused."""
    disk, fill = small_disk
    db = disk / "clinic.db"
    monkeypatch.setenv("POSTURE_DB", str(db))
    engine = open_database(db)
    record_tests(engine, "AB-1", "pre", [bend(55.0)], visit_date=date(2026, 3, 2))
    set_password(engine, "Anna", "a long enough password")
    app("clients")                                   # the server's engine, opened before the disk fills
    fill()
    for button in ("New home-check link", "Signing key for offline home-check files"):
        at = app("clients")
        next(b for b in at.button if b.label == button).click().run()
        assert not at.exception and len(at.error) == 1 and "nothing was saved" in at.error[0].value, at.error
        assert "Traceback" not in at.error[0].value and "/" not in at.error[0].value
    at = app(therapist=None)
    fields = {t.label: t for t in at.text_input}
    fields["Name"].input("Anna")
    fields["Password"].input("wrong password!")
    next(b for b in at.button if b.label == "Log in").click().run()
    assert not at.exception and "therapist" not in at.session_state
    assert [e.value for e in at.error] == [DATABASE_DOWN]          # a visitor learns nothing of the server
    assert not client_sessions(open_database(db), "AB-1")[0].visit.client.signing_key
