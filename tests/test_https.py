"""The app served over HTTPS to another device, as a clinic serves it to a phone or a patient at home.

The test makes a self-signed certificate, starts the real server with Streamlit's own TLS options
(docs/clinic_server.md) on a loopback address the browser knows by a clinic's host name (HOST, mapped in
Chromium's resolver: the test talks to nothing outside 127.0.0.0/8), and drives Debian's Chromium with a fake camera:
a patient opens their link and does the home check with the pose model on their device; the therapist logs in and
finds it under the right client. Every request is recorded: none may leave the app's host. The frames per second
the model processes and the server's CPU per live client are measured, for this path and for the server's WebRTC
path, and written to artifacts/live_paths.json (docs/speed.md's table comes from there).
"""

from __future__ import annotations

import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import (ARTIFACTS, DEVICE_PATH_ANY_SPEED, PASSWORD, ROOT, THERAPIST, bend, log_in, sample,
                      wait_for_app)
from posture.pipeline import analyse_video
from posture import settings
from posture.store.db import open_database
from posture.store.records import add_client, client_sessions, record_tests
from test_e2e import BROWSER_POSE, CHROMIUM, FLEXION_TOLERANCE, QUIET, SHOTS, choose, new_client, wait_for_text
from pg import free_port
from videos import to_y4m

pytestmark = pytest.mark.slow
HOST, ADDRESS = "clinic.test", "127.0.0.2"      # the clinic server's name, and where the browser finds it


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=posture test",
                    "-addext", f"subjectAltName=DNS:{HOST},IP:{ADDRESS}"], check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def https(tmp_path_factory):
    """The app over https at HOST (ADDRESS); yields (url, db, server pid, server's console log)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (bash dev.sh test installs it as root)")
    tmp = tmp_path_factory.mktemp("https")
    cert, key = self_signed(tmp)
    port = free_port()
    env = {**os.environ, "POSTURE_DB": str(tmp / "clinic.db"), "POSTURE_CALIBRATION_DIR": str(tmp / "calibration"),
           **DEVICE_PATH_ANY_SPEED}
    log = tmp / "app.log"
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                             str(port), "--server.address", ADDRESS, "--server.sslCertFile", str(cert),
                             "--server.sslKeyFile", str(key)], cwd=ROOT, env=env, start_new_session=True,
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)
    wait_for_app(f"https://{ADDRESS}:{port}", log,                       # its certificate, checked
                 context=ssl.create_default_context(cafile=str(cert)))
    yield f"https://{HOST}:{port}", tmp / "clinic.db", proc.pid, log
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:          # a WebRTC connection can hold the server's shutdown
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """Chromium whose camera plays the forward-bend sample at 30 frames per second (each frame twice), so that
    the camera never limits what the model can process."""
    from playwright.sync_api import sync_playwright

    video, _ = sample("forward_bend_side")
    y4m = to_y4m(video, tmp_path_factory.mktemp("camera") / "bend30.y4m", repeat=2)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            *QUIET, f"--host-resolver-rules=MAP {HOST} {ADDRESS}", "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={y4m}"])
        yield browser
        browser.close()


class Requests:
    """Every request and WebSocket of a browser context, to check that all go to the app's own host."""

    def __init__(self):
        self.urls: list[str] = []

    def watch(self, context):
        context.on("request", lambda r: self.urls.append(r.url))
        context.on("page", lambda page: page.on("websocket", lambda ws: self.urls.append(ws.url)))
        return context

    def elsewhere(self, *hosts: str) -> list[str]:
        return [u for u in self.urls if urlsplit(u).netloc not in hosts and not u.startswith(("data:", "blob:"))]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of the server process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cores(pid: int, seconds: float) -> float:
    """The server's CPU over the next `seconds`, in cores."""
    start, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - start) / (time.monotonic() - t0)


def stored_fps(db: Path, client: str) -> float:
    """Frames that reached the check per second of the check, from the stored recording."""
    from posture.store.records import load_test

    session = client_sessions(open_database(db), client)[-1]
    series = load_test(session.tests[0])[1]
    return (len(series) - 1) / (series.t[-1] - series.t[0])


def test_a_patients_home_check_over_https_lands_with_the_therapist(https, chromium):
    url, db, pid, console = https
    host = urlsplit(url).netloc
    seen, figures = Requests(), {}
    SHOTS.mkdir(parents=True, exist_ok=True)

    # 1. First start: the account is made from any device with the set-up token the server printed on its console.
    with seen.watch(chromium.new_context(ignore_https_errors=True)) as context:
        page = context.new_page()
        page.goto(url)
        wait_for_text(page, "set-up token the server printed", timeout_s=60)
        token = settings.setup_token_file(db).read_text().strip()
        assert token in console.read_text()
        page.get_by_label("Set-up token").fill(token)
        page.get_by_label("Your name").fill(THERAPIST)
        page.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
        page.get_by_label("The password again").fill(PASSWORD)
        page.get_by_role("button", name="Create the account").click()
        page.get_by_role("button", name="Log out").wait_for(timeout=60_000)

    # 2. The therapist, on another device, adds the client and makes their link; another client has a result.
    record_tests(open_database(db), "PT-OTHER", "pre", [bend(60.0)], pain=7, notes="other client's notes")
    add_client(open_database(db), "PT-HOME")            # (adding a client in the browser: test_e2e)
    therapist = seen.watch(chromium.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 1000}))
    desk = therapist.new_page()
    log_in(desk, url)
    desk.get_by_role("link", name="Clients and history").click()
    choose(desk, "Client", "PT-HOME")
    wait_for_text(desk, "Home checks by link")
    desk.get_by_role("button", name="New home-check link").click()
    wait_for_text(desk, "/?code=")
    link = re.search(r"https://\S+/\?code=[A-Z0-9-]+", desk.inner_text("body"))
    assert link and link.group(0).startswith(url)

    # 3. The patient opens the link on their device and follows the check; the model runs there.
    with seen.watch(chromium.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 1000})) as ctx:
        page = ctx.new_page()
        page.goto(link.group(0))
        wait_for_text(page, "Your home check", timeout_s=60)
        assert "code=" not in page.url                      # the code left the address bar at once
        links = {a.inner_text().strip().splitlines()[-1]
                 for a in page.locator("[data-testid='stSidebarNav'] a").all()}
        assert links == {"Home check", "My results"}
        assert not page.locator(BROWSER_POSE).count()          # no camera before the patient chooses the test
        choose(page, "Test", "Forward bend")
        wait_for_text(page, "Bend forward", timeout_s=120)
        figures["device_server_cores"] = server_cores(pid, 8.0)
        model = next(f for f in page.frames if "browser_pose" in f.url)
        figures["device_fps"], figures["device_ms_per_frame"] = model.evaluate(
            "[window.posturePose.fps, window.posturePose.ms]")
        page.locator(BROWSER_POSE).first.screenshot(path=str(SHOTS / "home-check-https-camera.png"))
        assert wait_for_text(page, "your therapist sees this result now", "could not be measured",
                             timeout_s=240) == "your therapist sees this result now"
        wait_for_text(page, "Bending forward: ")            # in plain words, with the give or take
        assert "give or take" in page.inner_text("body") and "MDC95" not in page.inner_text("body")
        page.screenshot(path=str(SHOTS / "home-check-https-done.png"), full_page=True)
        # Only their own results, whatever page they ask for.
        page.get_by_role("link", name="My results").first.click()
        wait_for_text(page, "Forward bend")
        page.goto(f"{url}/clients?code={link.group(0).rsplit('=', 1)[1]}")
        wait_for_text(page, "Your home check", timeout_s=60)
        assert "PT-OTHER" not in page.inner_text("body") and "other client" not in page.inner_text("body")

    # 4. The therapist sees it under the right client.
    desk.get_by_role("link", name="Clients and history").click()
    choose(desk, "Client", "PT-HOME")
    wait_for_text(desk, "Home checks from the patient")
    therapist.close()

    (home,) = client_sessions(open_database(db), "PT-HOME")
    assert (home.label, home.source, len(home.tests)) == ("home check", "home", 1)
    assert [s.label for s in client_sessions(open_database(db), "PT-OTHER")] == ["pre"]
    flex = next(m.value for m in home.tests[0].measurements if m.name == "trunk_flexion")
    offline = analyse_video(sample("forward_bend_side")[0], "forward-bend").result.get("trunk_flexion").value
    assert flex == pytest.approx(offline, abs=FLEXION_TOLERANCE)
    figures["device_stored_fps"] = stored_fps(db, "PT-HOME")

    # 5. The server's own path, measured the same way, on the therapist's device.
    with seen.watch(chromium.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 1000})) as ctx:
        page = ctx.new_page()
        log_in(page, url)
        page.get_by_role("link", name="Live assessment").click()
        new_client(page, "live", "PT-SERVER")
        page.get_by_text("On the server", exact=True).click()
        page.frame_locator("iframe[title*='webrtc']").first.get_by_role("button", name="Start").click(timeout=60_000)
        wait_for_text(page, "Bend forward", timeout_s=120)
        figures["server_path_server_cores"] = server_cores(pid, 8.0)
        assert wait_for_text(page, "Saved in session", "could not be measured", timeout_s=240) == "Saved in session"
    figures["server_path_stored_fps"] = stored_fps(db, "PT-SERVER")

    figures["date"] = time.strftime("%Y-%m-%d")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "live_paths.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures))
    assert seen.elsewhere(host) == [], "a request left the app's host"
    # How fast the model and the server ran is recorded above (artifacts/live_paths.json), not asserted: the suite
    # checks that each path works; speed belongs to benchmarks (docs/speed.md).


def test_without_a_login_or_with_a_code_the_therapist_pages_stay_shut(https, chromium):
    url, db, _, _ = https
    engine = open_database(db)
    add_client(engine, "PT-SHUT")
    from posture.store.access import new_home_code

    code = new_home_code(engine, "PT-SHUT")
    with chromium.new_context(ignore_https_errors=True) as context:
        page = context.new_page()
        for path in ("clients", "compare", "visit", "analyse", ""):
            page.goto(f"{url}/{path}")
            wait_for_text(page, "Log in", timeout_s=60)
            body = page.inner_text("body")
            assert "Clients and history" not in body and "PT-OTHER" not in body and "Load the demo" not in body
        page.goto(f"{url}/compare?code={code}")                # a patient asking for a therapist page
        wait_for_text(page, "Your home check", timeout_s=60)
        assert "Compare" not in page.inner_text("body") and "PT-OTHER" not in page.inner_text("body")
