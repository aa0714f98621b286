"""A hostile tester's findings (issue 17), replayed: private by default, and the database's doors.

Real processes on real SQLite files (PostgreSQL where it runs), the `posture` command as a user runs it, and the
real Streamlit server seen through Debian's headless Chromium, every request it makes intercepted.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import socketserver
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from app_pages.access import UPLOAD_FILES
from conftest import (LINKS, ROOT, bend, bend_series, log_in, new_postgres_database, one_sentence,
                      run_cli, sample, therapist_account, wait_for_app)
from pg import free_port
from posture.privacy import sweep_stale_uploads, upload_folder, upload_root
from posture.errors import FileError
from posture.store.db import StorageError, alembic_config, migrate, open_database, safe_url, schema_revision
from posture.store.access import new_home_code
from posture.store.records import add_client, client_sessions, record_tests

CONFIG = ROOT / ".streamlit" / "config.toml"
WRITER = [sys.executable, str(ROOT / "tests" / "writer.py")]
CHROMIUM = "/usr/bin/chromium"
QUIET = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
PASSWORD = "s3cret-pw"
NEWER = "0999"                     # a schema revision this code has never heard of
DEAD_PID = "999999999"             # above any Linux pid_max: never a running process


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def head() -> str:
    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()


@pytest.fixture
def loose_umask():
    """The common umask 022, under which files are world-readable unless posture itself makes them private."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


# Owner-only files

@pytest.mark.slow              # real MediaPipe on a sample video, for --keep-video
def test_everything_the_command_writes_is_readable_by_its_owner_only(tmp_path, monkeypatch, capsys, loose_umask):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POSTURE_DB", raising=False)
    folder_mode = mode(tmp_path)
    for name, peak in (("pre", 55.0), ("post", 75.0)):
        bend_series(peak, seed=int(peak)).save(tmp_path / f"{name}.npz")
        assert run_cli(capsys, "analyze", f"{name}.npz", "--test", "forward-bend", "--quiet", "--save", "AB-1",
                   "--label", name, "--visit-date", "2026-03-02", "--save-landmarks", f"lm-{name}.npz")[0] == 0
    video, _ = sample("posture_front")
    code, _, err = run_cli(capsys, "analyze", str(video), "--test", "posture-frontal", "--quiet", "--save", "AB-1",
                       "--keep-video", "--video-dir", "data/videos")
    assert code == 0, err
    assert run_cli(capsys, "sessions", "export", "--client", "AB-1", "--format", "csv", "--out", "ab1.csv")[0] == 0
    assert run_cli(capsys, "sessions", "report", "1", "--out", "visit.pdf")[0] == 0
    code_word = run_cli(capsys, "sessions", "pair", "AB-1")[1].split(": ")[1].split()[0]
    assert run_cli(capsys, "sessions", "export-home", "1", "--code", code_word, "--out", "check.json")[0] == 0

    (kept,) = (tmp_path / "data" / "videos").iterdir()
    files = ["data/posture.db", "data/posture.db.lock", "lm-pre.npz", "lm-post.npz", "ab1.csv", "visit.pdf",
             "check.json", kept]
    assert {str(f): oct(mode(tmp_path / f)) for f in files} == {str(f): "0o600" for f in files}
    assert {d: oct(mode(tmp_path / d)) for d in ("data", "data/videos")} == {"data": "0o700", "data/videos": "0o700"}
    assert mode(tmp_path) == folder_mode              # a folder the user already had is left as it was
    assert os.umask(0o022) == 0o022                  # the command's umask ends with the command


def test_a_new_database_and_its_journal_are_owner_only(tmp_path, loose_umask):
    path = tmp_path / "new" / "folder" / "clinic.db"
    engine = open_database(path)
    with engine.connect() as conn:           # an open connection: the write-ahead log holds data too
        record_tests(engine, "AB-1", "pre", [bend(60.0)])
        conn.execute(text("SELECT count(*) FROM sessions")).scalar()
        wal = path.with_name("clinic.db-wal")
        assert wal.exists() and mode(wal) == 0o600
    assert (mode(path), mode(path.parent)) == (0o600, 0o700)


# The password of a database URL

def closed_postgres_url() -> str:
    return f"postgresql+psycopg://posture:{PASSWORD}@127.0.0.1:{free_port()}/clinic"


def test_safe_url_hides_only_the_password():
    assert safe_url(f"postgresql+psycopg://posture:{PASSWORD}@db.example:5432/clinic") == \
        "postgresql+psycopg://posture:***@db.example:5432/clinic"
    assert safe_url(f"postgresql://posture:{PASSWORD}@db:port/clinic") == "postgresql://posture:***@db:port/clinic"
    assert safe_url("data/posture.db") == "data/posture.db"


@pytest.mark.parametrize("how", ["--db", "$POSTURE_DB"])
def test_a_database_error_never_prints_the_password(how, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    url = closed_postgres_url()
    if how == "--db":
        code, out, err = run_cli(capsys, "sessions", "--db", url, "list")
    else:
        monkeypatch.setenv("POSTURE_DB", url)
        code, out, err = run_cli(capsys, "sessions", "list")
    sentence = one_sentence(err)
    assert code == 1 and PASSWORD not in out + err
    assert sentence.startswith(f"The database at {url.replace(PASSWORD, '***')} cannot be opened")


@pytest.mark.parametrize("server", ["running", "unreachable"])
def test_the_sidebar_never_shows_the_password(server, request, monkeypatch, tmp_path):
    if server == "running":                      # a new database; the server trusts loopback, the password is ignored
        url = new_postgres_database(request.getfixturevalue("postgres")).replace("postgres@",
                                                                                 f"postgres:{PASSWORD}@")
    else:
        url = closed_postgres_url()
    monkeypatch.setenv("POSTURE_DB", url)
    monkeypatch.setenv("POSTURE_CALIBRATION_DIR", str(tmp_path / "calibration"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["therapist"] = "Anna"         # the database is shown to a therapist who logged in
    at.run()
    shown = [e.value for kind in ("caption", "markdown", "title", "info", "error", "warning", "exception")
             for e in at.get(kind)]
    assert f"Database: {url.replace(PASSWORD, '***')}" in [c.value for c in at.sidebar.caption]
    assert not [s for s in shown if PASSWORD in str(s)]
    if server == "running":
        assert not at.exception and at.button[0].label.startswith("Load the demo client")


# Uploads left by a killed analysis

def test_an_upload_left_by_a_killed_analysis_goes_at_the_next_start(tmp_path):
    held = ("import sys, time\nfrom posture.privacy import upload_folder\nwith upload_folder() as f:\n"
            "    (f / 'clip.mp4').write_bytes(b'client video' * 1000)\n    print(f, flush=True)\n    time.sleep(120)\n")
    analysis = subprocess.Popen([sys.executable, "-c", held], stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "TMPDIR": str(tmp_path)})
    folder = Path(analysis.stdout.readline().strip())
    analysis.send_signal(signal.SIGKILL)
    analysis.wait()
    assert (folder / "clip.mp4").exists()                 # what the tester found: the video stays behind
    assert folder.parent == upload_root(tmp_path) and mode(folder.parent) == 0o700 and mode(folder) == 0o700

    with upload_folder(tmp_path) as ours:                 # a running analysis of this process is left alone
        assert sweep_stale_uploads(tmp_path) == [folder]
        assert not folder.exists() and ours.exists()
    assert not ours.exists() and list(upload_root(tmp_path).iterdir()) == []


def test_the_upload_folder_is_refused_when_it_is_a_link(tmp_path):
    elsewhere = tmp_path / "someone-elses"
    elsewhere.mkdir()
    (tmp_path / f"posture-uploads-{os.getuid()}").symlink_to(elsewhere)
    with pytest.raises(FileError, match="not a folder of this user"):
        upload_root(tmp_path)


# The app's configuration

def test_the_config_binds_to_this_computer_and_turns_off_the_ip_lookup():
    config = tomllib.loads(CONFIG.read_text())
    assert config["server"]["address"] == "127.0.0.1" and config["server"]["headless"] is True
    assert config["browser"]["gatherUsageStats"] is False and config["browser"]["serverAddress"] == "127.0.0.1"
    # Read back by Streamlit itself, started from another folder: the file beside app.py applies.
    probe = ("import sys\nfrom streamlit import config\nconfig._main_script_path = sys.argv[1]\n"
             "config.get_config_options(force_reparse=True)\n"
             "print(config.get_option('server.address'), config.get_option('browser.gatherUsageStats'),"
             " config.is_manually_set('browser.serverAddress'), config.get_option('server.headless'))\n")
    out = subprocess.run([sys.executable, "-c", probe, str(ROOT / "app.py")], cwd="/", capture_output=True,
                         text=True, timeout=60, check=True).stdout.split()
    assert out == ["127.0.0.1", "False", "True", "True"]


# The real server in a real browser

class Trap(socketserver.ThreadingTCPServer):
    """A would-be HTTP proxy on the loopback that only records who tried to reach the outside through it."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.seen: list[str] = []
        trap = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                trap.seen.append(self.request.recv(400).decode("latin-1"))

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def env(self) -> dict[str, str]:
        proxy = f"http://127.0.0.1:{self.server_address[1]}"
        return {"HTTP_PROXY": proxy, "HTTPS_PROXY": proxy, "http_proxy": proxy, "https_proxy": proxy,
                "NO_PROXY": "", "no_proxy": ""}


@pytest.fixture(scope="module")
def trap():
    t = Trap()
    yield t
    t.shutdown()


@pytest.fixture(scope="module")
def server(tmp_path_factory, trap):
    """`streamlit run app.py` from another folder, with nothing but the project's config; yields (url, tmp, log).

    A stale upload (of a process that no longer runs) and a live one (this test's) wait in its temp folder.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (bash dev.sh test installs it as root)")
    tmp = tmp_path_factory.mktemp("app")
    uploads = upload_root(tmp)
    for name in (f"{DEAD_PID}-killed", f"{os.getpid()}-running"):
        (uploads / name).mkdir()
        (uploads / name / "clip.mp4").write_bytes(b"client video")
    port = free_port()
    env = {**os.environ, **trap.env(), "TMPDIR": str(tmp), "POSTURE_DB": str(tmp / "clinic.db"),
           "POSTURE_CALIBRATION_DIR": str(tmp / "calibration")}
    log = tmp / "app.log"
    therapist_account(tmp / "clinic.db")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                             str(port)], cwd=tmp, env=env, start_new_session=True, stdout=open(log, "w"),
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for_app(url, log)
    yield url, tmp, log
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


PAGES = {"": "posture", "visit": "Visit", "live": "Live assessment", "analyse": "Analyse a video",
         "clients": "Clients and history", "compare": "Compare", "calibration": "Calibration"}   # path: heading


def outside(url: str, ours: str) -> bool:
    """Whether a request leaves the app: anything but data:/blob:/about: and the app's own host and port."""
    parts, app = urlsplit(url), urlsplit(ours)
    if parts.scheme in ("data", "blob", "about"):
        return False
    return parts.hostname not in ("127.0.0.1", "localhost") or parts.port != app.port


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=QUIET)
        yield chromium
        chromium.close()


@pytest.mark.slow
def test_every_page_loads_only_from_the_app_itself(server, browser):
    url, tmp, _ = server
    db = tmp / "clinic.db"
    add_client(open_database(db), "PT-PRIV")
    requests, sockets, icons = [], [], []
    with browser.new_context(viewport={"width": 1280, "height": 1000}) as context:
        context.on("request", lambda r: requests.append(r.url))
        context.route("**/*", lambda route: route.abort() if outside(route.request.url, url) else route.continue_())
        page = context.new_page()
        page.on("websocket", lambda ws: sockets.append(ws.url))

        def visit(path: str, title: str) -> None:
            page.get_by_role("link", name=LINKS[path]).click()
            page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=60_000)
            page.wait_for_timeout(2_000)            # images, charts and components after the heading
            icons.append(page.evaluate("document.querySelector(\"link[rel*='icon']\").href"))

        log_in(page, url)
        page.get_by_role("button", name="Load the demo client").click()
        page.get_by_text("Demo client loaded").wait_for(timeout=120_000)     # every page then has data to show
        for path, title in PAGES.items():
            visit(path, title)
            assert page.get_by_text("Deploy", exact=True).count() == 0      # no offer of Streamlit's cloud
        code = new_home_code(open_database(db), "PT-PRIV")                  # the patient's view, by their link
        page.goto(f"{url}/?code={code}")
        page.get_by_role("heading", name="Your home check", exact=True).wait_for(timeout=60_000)
        page.wait_for_timeout(5_000)                                         # the pose model loads on the device
        page.get_by_role("link", name="My results").first.click()
        page.get_by_role("heading", name="My results", exact=True).wait_for(timeout=60_000)

    assert len(requests) > 20 and sockets, "the pages did not load"
    assert [r for r in requests if outside(r, url)] == []
    assert [s for s in sockets if outside(s, url)] == []
    assert [i for i in icons if outside(i, url)] == []          # the tab icon too (it used to be fonts.gstatic.com)


def test_the_trap_catches_streamlits_external_ip_lookup():
    """The check below can fail: Streamlit's own lookup, made on purpose, is seen by a trap like the server's."""
    control = Trap()
    try:
        subprocess.run([sys.executable, "-c", "from streamlit import net_util; net_util.get_external_ip()"],
                       env={**os.environ, **control.env()}, timeout=60, capture_output=True)
        assert any("checkip.amazonaws.com" in s for s in control.seen)
    finally:
        control.shutdown()


@pytest.mark.slow
def test_the_server_asked_nothing_of_the_outside(server, trap):
    url, _, log = server
    urllib.request.urlopen(url, timeout=10).read()
    time.sleep(1.0)
    printed = log.read_text()
    assert f"URL: {url}" in printed and "External URL" not in printed and "Network URL" not in printed
    assert "Did not auto detect external IP" not in printed
    assert [s for s in trap.seen if "checkip" in s or "amazonaws" in s or "streamlit" in s.lower()] == []


@pytest.mark.slow
def test_the_server_listens_on_this_computer_only(server):
    """Bound to 127.0.0.1 alone, the server answers on no other address, so it is not on this machine's network
    either; 127.0.0.2 itself answers (a listener there is reached), so its refusal is the server's own binding. The
    test stays on the loopback range."""
    url, _, _ = server
    port = urlsplit(url).port
    with socket.socket() as control:
        control.bind(("127.0.0.2", 0))
        control.listen()
        socket.create_connection(("127.0.0.2", control.getsockname()[1]), timeout=5).close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", port), timeout=5)


def session_ids(frame) -> list[str]:
    """The session id in one of the app's websocket messages to the browser (its first, new_session, has it)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if isinstance(frame, str):
        return []
    msg = ForwardMsg.FromString(frame)
    return [msg.new_session.initialize.session_id] if msg.WhichOneof("type") == "new_session" else []


@pytest.mark.slow
def test_the_upload_endpoint_takes_files_only_from_a_therapists_session(server, browser):
    """Through the same doors as the tester: the session id from the app's own websocket, then Streamlit's upload
    endpoint called directly, with the XSRF token its page sets, as any visitor's browser can."""
    url, tmp, _ = server
    add_client(open_database(tmp / "clinic.db"), "PT-UP")
    code = new_home_code(open_database(tmp / "clinic.db"), "PT-UP")
    with browser.new_context() as context:
        page, sessions = context.new_page(), []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: sessions.extend(session_ids(f))))

        def put(name: str, size: int = 1000) -> int:
            xsrf = next(c["value"] for c in context.cookies() if c["name"] == "_streamlit_xsrf")
            return page.request.put(f"{url}/_stcore/upload_file/{sessions[-1]}/{name}", headers={"X-Xsrftoken": xsrf},
                                    multipart={"file": {"name": "clip.mp4", "mimeType": "video/mp4",
                                                        "buffer": b"x" * size}}).status

        page.goto(url)
        page.get_by_role("heading", name="posture", exact=True).wait_for(timeout=60_000)
        assert put("visitor") == 400                     # neither logged in nor opened with a code: no open session
                                                         # for an upload, said before the body is read
        page.goto(f"{url}/?code={code}")
        page.get_by_text("Home check for PT-UP").wait_for(timeout=60_000)
        assert put("patient") == 400                     # a patient's pages take no upload
        assert page.get_by_text("Deploy", exact=True).count() == 0      # nor offer Streamlit's cloud
        log_in(page, url)
        assert put("therapist") == 204
        assert [put(f"picture-{k}", 10) for k in range(UPLOAD_FILES - 1)] == [204] * (UPLOAD_FILES - 1)
        assert put("one-too-many", 10) == 413
        page.get_by_role("button", name="Log out").click()
        page.get_by_role("button", name="Log in").wait_for(timeout=60_000)
        assert put("after-log-out") == 400


@pytest.mark.slow
def test_the_app_removed_the_upload_of_a_killed_analysis_at_start(server, browser):
    url, tmp, _ = server
    with browser.new_context() as context:       # the sweep runs with the first page's script
        page = context.new_page()
        page.goto(url)
        page.get_by_role("heading", name="posture", exact=True).wait_for(timeout=60_000)
    assert sorted(p.name for p in upload_root(tmp).iterdir()) == [f"{os.getpid()}-running"]


# The database's doors

OPENER = r"""
import sys
from posture.store.db import open_database
from posture.store.records import add_client
print("ready", flush=True)
for line in sys.stdin:
    path, name = line.split()
    try:
        add_client(open_database(path), name)
        print("ok", flush=True)
    except Exception as e:
        print(f"{e.__class__.__name__}: {e}".replace("\n", " "), flush=True)
"""


def test_four_processes_opening_a_fresh_file_at_once_all_succeed(tmp_path):
    """7 rounds; each gives the 4 waiting processes a new file at the same moment (it failed in 4 of 7)."""
    openers = [subprocess.Popen([sys.executable, "-c", OPENER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True) for _ in range(4)]
    try:
        assert [o.stdout.readline().strip() for o in openers] == ["ready"] * 4
        for round_ in range(7):
            db = tmp_path / f"round{round_}.db"
            for k, o in enumerate(openers):
                o.stdin.write(f"{db} C{k}\n")
                o.stdin.flush()
            assert [o.stdout.readline().strip() for o in openers] == ["ok"] * 4, f"round {round_}"
            with sqlite3.connect(db) as raw:
                assert raw.execute("SELECT count(*) FROM clients").fetchone()[0] == 4
    finally:
        for o in openers:
            o.stdin.close()
            o.wait(timeout=60)


def test_four_writers_of_25_sessions_on_a_fresh_file_give_exactly_100(tmp_path):
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    writers = [subprocess.Popen([*WRITER, url, f"W{k}", "25"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True) for k in range(4)]
    errors = [w.communicate(timeout=300)[1] for w in writers]
    assert [w.returncode for w in writers] == [0] * 4, errors
    assert sum(len(client_sessions(open_database(url), f"W{k}")) for k in range(4)) == 100


SETUP = r"""
import sys
from posture.store.db import open_database
print("ready", flush=True)
open_database(sys.stdin.readline().strip())
print("done", flush=True)
"""


def test_a_process_killed_during_the_first_set_up_leaves_a_database_that_opens(tmp_path):
    rng, cut_short = np.random.default_rng(), 0
    for batch in range(3):
        openers = [subprocess.Popen([sys.executable, "-c", SETUP], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    text=True) for _ in range(4)]
        for k, opener in enumerate(openers):
            assert opener.stdout.readline().strip() == "ready"
            db = tmp_path / f"b{batch}-{k}.db"
            opener.stdin.write(f"{db}\n")
            opener.stdin.flush()
            time.sleep(rng.uniform(0.0, 0.05))           # the set-up takes some 20-40 ms
            opener.send_signal(signal.SIGKILL)
            opener.wait()
            if db.with_name(f"{db.name}.lock").exists():
                with sqlite3.connect(db) as raw:
                    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                    version = raw.execute("SELECT version_num FROM alembic_version").fetchone() \
                        if "alembic_version" in tables else None
                cut_short += version != (head(),)
            engine = open_database(db)
            assert schema_revision(engine) == head()
            record_tests(engine, "AB-1", "pre", [bend(60.0)])
            assert len(client_sessions(engine, "AB-1")) == 1
            assert not list(tmp_path.glob(f"{db.name}.backup-*"))      # nothing to lose, nothing copied
    assert cut_short, "no kill landed inside a set-up: the test did not test it"


def test_a_process_killed_while_saving_leaves_a_consistent_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    open_database(url)
    writer = subprocess.Popen([*WRITER, url, "KILLED", "200", "6"], stdout=subprocess.PIPE, text=True)
    for _ in range(3):
        assert writer.stdout.readline(), "the writer died on its own"
    time.sleep(np.random.default_rng().uniform(0.05, 0.25))
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    with sqlite3.connect(tmp_path / "clinic.db") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        sessions, tests = (raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("sessions", "tests"))
    assert sessions >= 3 and tests == 6 * sessions


HOLDER = r"""
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO clients (pseudonym, conditions, notes, created_at) VALUES ('HOLDER', '[]', '', '2026-01-01')")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
"""


@pytest.mark.parametrize("held_s, outcome", [(0.8, "saved"), (30.0, "busy")])
def test_a_held_write_lock_is_waited_for_then_said(held_s, outcome, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("posture.store.db.BUSY_TIMEOUT_MS", 2_500)
    db = tmp_path / "clinic.db"
    open_database(db)
    bend(60.0)[1].save(tmp_path / "pre.npz")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(held_s)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        code, _, err = run_cli(capsys, "analyze", "pre.npz", "--test", "forward-bend", "--quiet", "--save", "AB-1",
                           "--db", str(db))
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    if outcome == "saved":
        assert code == 0 and "Saved as session 1" in err and 0.3 < waited < 2.5
    else:
        assert code == 1 and waited >= 2.0
        assert one_sentence(err) == ("The database is busy (another program is writing to it): nothing was saved; "
                                     "try again in a moment.")


def test_a_read_only_a_non_sqlite_and_a_full_database_each_give_a_sentence(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    add_client(open_database(tmp_path / "clinic.db"), "AB-1")
    read_only = f"sqlite:///file:{tmp_path / 'clinic.db'}?mode=ro&uri=true"
    code, out, err = run_cli(capsys, "sessions", "--db", read_only, "add-client", "CD-2")
    assert code == 1 and one_sentence(err) == ("Nothing was saved: the database refused the write "
                                               "(attempt to write a readonly database).")
    (tmp_path / "notes.db").write_bytes(b"shopping list: milk, eggs\n" * 200)
    code, out, err = run_cli(capsys, "sessions", "--db", "notes.db", "list")
    assert code == 1 and "cannot be opened" in one_sentence(err) and "file is not a database" in err
    assert (tmp_path / "notes.db").read_bytes().startswith(b"shopping list")

    engine = open_database(tmp_path / "clinic.db")
    with sqlite3.connect(tmp_path / "clinic.db") as raw:
        pages = raw.execute("PRAGMA page_count").fetchone()[0]
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _cap(dbapi, _):                      # the file may not grow: SQLite reports a full disk
        dbapi.execute(f"PRAGMA max_page_count={pages + 2}")

    engine.dispose()
    with pytest.raises(StorageError, match=r"^The disk is full: nothing was saved\. Free some space and try again\.$"):
        record_tests(engine, "AB-1", "post", [bend(60.0)] * 40)


def newer(url: str) -> None:
    engine = open_database(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": NEWER})
    engine.dispose()


def test_a_database_of_a_newer_posture_is_refused_with_one_sentence(db_url):
    newer(db_url)
    with pytest.raises(StorageError) as refused:
        open_database(db_url)
    assert str(refused.value) == f"This database was written by a newer posture (schema {NEWER}); update posture " \
                                 "to open it."
    assert schema_revision(open_database(db_url, upgrade=False)) == NEWER            # left as it was


def test_the_command_refuses_a_newer_database_in_a_sentence(tmp_path):
    db = tmp_path / "clinic.db"
    newer(str(db))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    done = subprocess.run([sys.executable, "-m", "posture.cli", "sessions", "--db", str(db), "list"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and one_sentence(done.stderr) == (
        f"This database was written by a newer posture (schema {NEWER}); update posture to open it.")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before           # no backup, nothing changed


def old_database(url: str) -> None:
    """A database as posture wrote it at schema 0003, with one client."""
    engine = open_database(url, upgrade=False)
    migrate(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO clients (id, pseudonym, birth_year, conditions, notes, created_at) "
                          "VALUES (901, 'OLD-1', 1960, '[]', '', '2026-01-05')"))
    engine.dispose()


def test_an_older_database_is_backed_up_then_migrated(tmp_path, loose_umask, caplog):
    db = tmp_path / "clinic.db"
    old_database(str(db))
    os.chmod(db, 0o644)                              # as an older posture left it
    engine = open_database(db)
    assert schema_revision(engine) == head()
    (backup,) = tmp_path.glob("clinic.db.backup-*")
    assert backup.name == f"clinic.db.backup-0003-{date.today().isoformat()}" and mode(backup) == 0o600
    assert f"Backed up {db} to {backup}" in caplog.text
    with sqlite3.connect(backup) as raw:             # the copy is the database as it was, whole
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone() == ("0003",)
        assert raw.execute("SELECT pseudonym FROM clients").fetchall() == [("OLD-1",)]
    assert not backup.with_name(f"{backup.name}-wal").exists()      # one self-contained file
    record_tests(engine, "OLD-1", "pre", [bend(60.0)])
    assert [s.label for s in client_sessions(engine, "OLD-1")] == ["pre"]
    open_database(db)                                # at the newest schema: no second copy
    assert len(list(tmp_path.glob("clinic.db.backup-*"))) == 1


def test_an_older_postgresql_database_is_migrated_in_place(postgres):
    """No copy: docs/privacy.md asks the operator to back up a PostgreSQL database before upgrading posture."""
    db_url = new_postgres_database(postgres)
    old_database(db_url)
    engine = open_database(db_url)
    assert schema_revision(engine) == head() and client_sessions(engine, "OLD-1") == []


@pytest.mark.parametrize("db, words", [
    ("foo://x", "foo://x is not a database posture can use: give a file path, or a URL such as "
                "postgresql+psycopg://user@host/db."),
    (f"postgresql://posture:{PASSWORD}@db:port/clinic", "postgresql://posture:***@db:port/clinic is not a database"),
    ("a-file/clinic.db", "The folder a-file for the database cannot be made (a file of that name is in the way)"),
    ("a-file/sub/clinic.db", "The folder a-file/sub for the database cannot be made (Not a directory)"),
])
def test_a_bad_database_address_is_one_sentence(db, words, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    done = subprocess.run([sys.executable, "-m", "posture.cli", "sessions", "--db", db, "list"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    assert one_sentence(done.stderr).startswith(words) and PASSWORD not in done.stderr
    assert re.fullmatch(r"error: [^\n]+\.\n", done.stderr)


def test_an_upload_into_a_full_temp_folder_is_one_sentence_and_leaves_nothing(small_disk):
    """An upload with a full temp folder was an uncaught OSError: the upload's folder is made, the disk fills."""
    from posture.privacy import TEMP_FULL, keep_upload

    disk, fill = small_disk
    with pytest.raises(FileError) as refused:
        with upload_folder(disk) as folder:
            fill()
            keep_upload(folder, "clip.mp4", b"client video" * 100_000)
    assert str(refused.value) == TEMP_FULL
    assert list(upload_root(disk).iterdir()) == []                  # the half-written upload is gone


@pytest.mark.slow
def test_an_uploaded_files_name_is_shown_as_the_characters_it_holds(server, browser, tmp_path):
    """Its name was Markdown in the result's caption: bold, a link, an image of the name's choosing."""
    from conftest import sample

    url, _, _ = server
    name = "**bold** _x_ [link](elsewhere) ![img](track.png).mp4"
    video = tmp_path / name
    video.write_bytes(sample("posture_front")[0].read_bytes())
    with browser.new_context(viewport={"width": 1280, "height": 1000}) as context:
        page = context.new_page()
        log_in(page, url, "analyse")
        page.get_by_text("Upload a recording").click()
        page.locator("input[type=file]").set_input_files(str(video))
        page.get_by_role("button", name="Analyse").click()
        caption = page.get_by_test_id("stCaptionContainer").filter(has_text="From ").first
        caption.wait_for(timeout=180_000)
        assert caption.inner_text().strip() == f"From {name}"
        assert caption.locator("strong, em, a, img").count() == 0


@pytest.mark.slow
def test_an_upload_when_the_temp_folder_is_full_is_one_sentence_on_the_page(server, browser):
    """The tester's upload with a full temp folder was an uncaught OSError: here the server's upload folder is a real
    file system, filled to the last byte while the server runs."""
    from conftest import fill_to_the_last_byte, sample
    from posture.privacy import TEMP_FULL

    url, tmp, _ = server
    uploads = upload_root(tmp)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(uploads)],
                      capture_output=True).returncode:
        pytest.skip("mounting a small file system needs root")
    try:
        with browser.new_context(viewport={"width": 1280, "height": 1000}) as context:
            page = context.new_page()
            log_in(page, url, "analyse")        # the server's first page sweeps its upload folder: fill it after
            fill_to_the_last_byte(uploads)
            page.get_by_text("Upload a recording").click()
            page.locator("input[type=file]").set_input_files(str(sample("posture_front")[0]))
            page.get_by_role("button", name="Analyse").click()
            page.get_by_text("temporary folder is full").wait_for(timeout=120_000)
            body = page.inner_text("body")
            assert TEMP_FULL in body and "Traceback" not in body and "OSError" not in body
    finally:
        subprocess.run(["umount", "-l", str(uploads)], check=True)
