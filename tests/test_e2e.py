"""End to end: the real app (the README's run command) in Debian's headless Chromium, driven by Playwright.

A fake camera plays a sample video into the live check over WebRTC; uploads go
through the analyse page; results are read back from the app's SQLite file.
Screenshots of every page land in artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import (ARTIFACTS, DEVICE_PATH_ANY_SPEED, LINKS, ROOT, THERAPIST, log_in, sample, therapist_account,
                      wait_for_app)
from pg import free_port
from posture.measures.uncertainty import plus_minus as plus_minus_of
from posture.pipeline import analyse_video
from posture.store.db import open_database
from posture.store.records import client_sessions
from videos import still_video, to_y4m

pytestmark = pytest.mark.slow
SHOTS = ARTIFACTS / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a closed network (no background fetches) and a headless machine without a GPU.
QUIET = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
# The live check on forward_bend_side must read what the offline analysis of the same file reads, trunk and knee
# (the trunk carries MediaPipe's known +5.5 degree bias on this sample, docs/accuracy.md), within 1.5 degrees for
# the fake camera's rescaled frames and its dropped or repeated frames.
FLEXION_TOLERANCE = 1.5
BROWSER_POSE = "iframe[src*='browser_pose']"     # the pose model on the device (app_pages/browser_pose)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`bash dev.sh app` on a free port with its own database; yields (url, database path)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (bash dev.sh test installs it as root)")
    tmp = tmp_path_factory.mktemp("app")
    port = free_port()
    env = {**os.environ, "PORT": str(port), "POSTURE_DB": str(tmp / "clinic.db"),
           "POSTURE_CALIBRATION_DIR": str(tmp / "calibration"), **DEVICE_PATH_ANY_SPEED}
    therapist_account(tmp / "clinic.db")
    proc = subprocess.Popen(["bash", "dev.sh", "app"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=open(tmp / "app.log", "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for_app(url, tmp / "app.log")
    yield url, tmp / "clinic.db"
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def camera_video(tmp_path_factory) -> Path:
    video, _ = sample("forward_bend_side")
    return to_y4m(video, tmp_path_factory.mktemp("camera") / "bend.y4m")


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def open_browser(playwright, *flags: str):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*QUIET, *flags])
    return browser, browser.new_page(viewport={"width": 1280, "height": 1000})


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def wait_for_text(page, *texts: str, timeout_s: float = 180.0) -> str:
    """Poll the page until one of the texts shows; return it."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        body = page.inner_text("body")
        for t in texts:
            if t in body:
                return t
        time.sleep(1.0)
    raise AssertionError(f"none of {texts} appeared; the page shows: {page.inner_text('body')[-1500:]}")


def choose(page, label: str, option: str) -> None:
    """Pick an option of a select box by typing it (Streamlit's select boxes filter as you type)."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    page.keyboard.press("Enter")
    time.sleep(1.0)


def new_client(page, key: str, pseudonym: str, height_cm: float = 0.0) -> None:
    """Choose "New client ..." (when clients exist already), fill in the pseudonym and height, press Add client."""
    field = page.get_by_label("Pseudonym of the new client")
    if not field.count():
        choose(page, "Client", "New client")
    field.fill(pseudonym)
    page.get_by_label("Height in cm (0 if unknown)").fill(f"{height_cm:g}")
    page.get_by_role("button", name="Add client").click()
    wait_for_text(page, "Height " if height_cm else "Height unknown", timeout_s=30)


def measurement(db: Path, client: str, name: str) -> float:
    (s,) = client_sessions(open_database(db), client)
    return next(m.value for t in s.tests for m in t.measurements if m.name == name)


FRAME_RATE_FLOOR = "frames a second during the movement"       # clock.check_frame_rate's refusal


def measured(page, done: str, tries: int = 3) -> str:
    """What the live check ended with: `done`, or its refusal. A refusal for too few frames a second during the
    movement is met as a therapist meets it, with Try again: this machine's headless Chromium runs the pose model at
    about 12 frames a second (artifacts/live_paths.json), near the analysis's 10-fps floor, and a busy moment dips
    under it. Any other refusal, or the floor every time, is the answer, with its reason (the line that says it)."""
    for attempt in range(tries):
        said = wait_for_text(page, done, "could not be measured", timeout_s=180)
        if said == done:
            return said
        if FRAME_RATE_FLOOR not in page.inner_text("body") or attempt == tries - 1:
            return next((line for line in page.inner_text("body").splitlines() if said in line), said)
        page.get_by_role("button", name="Try again").click()
        end = time.monotonic() + 60
        while "could not be measured" in page.inner_text("body") and time.monotonic() < end:
            time.sleep(1.0)                                           # the refusal gone: the check runs afresh
    return said


def test_guided_forward_bend_with_a_fake_camera(server, camera_video, playwright):
    url, db = server
    browser, page = open_browser(playwright, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                                 f"--use-file-for-fake-video-capture={camera_video}")
    try:
        log_in(page, url, "live")
        new_client(page, "live", "E2E-LIVE")          # the pose model on this device (the default) starts by itself
        wait_for_text(page, "Stand still", "Bend forward", "hold that position", timeout_s=90)
        shot(page, "live-running")
        assert measured(page, "Saved in session") == "Saved in session"
        shot(page, "live-done")
    finally:
        browser.close()
    video, _ = sample("forward_bend_side")
    (s,) = client_sessions(open_database(db), "E2E-LIVE")
    assert s.source == "live" and len(s.tests[0].trial_frames) == 3
    flex = measurement(db, "E2E-LIVE", "trunk_flexion")
    offline = analyse_video(video, "forward-bend").result
    assert flex == pytest.approx(offline.get("trunk_flexion").value, abs=FLEXION_TOLERANCE)
    knee = measurement(db, "E2E-LIVE", "knee_flexion_at_peak")          # 4.8 offline, 0.2 built into the body
    assert knee == pytest.approx(offline.get("knee_flexion_at_peak").value, abs=FLEXION_TOLERANCE)


def upload(page, url: str, path: Path, client: str = "") -> None:
    log_in(page, url, "analyse")
    if client:
        new_client(page, "analyse", client)
    page.get_by_text("Upload a recording").click()
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Analyse").click()


def test_upload_on_the_analyse_page_and_save(server, playwright):
    url, db = server
    video, truth = sample("posture_front")
    browser, page = open_browser(playwright)
    try:
        upload(page, url, video, client="E2E-UPLOAD")
        wait_for_text(page, "Shoulder tilt")
        row = page.locator("table tr", has_text="Shoulder tilt").first.inner_text().split("\t")
        shown, plus_minus = row[1].strip().split(" ± ")          # every shown number carries its uncertainty
        assert float(shown) == pytest.approx(truth["expected"]["shoulder_tilt"], abs=3.0)
        assert float(plus_minus) == plus_minus_of("shoulder_tilt", "deg")
        assert "Standing posture, from the front" in page.inner_text("body")   # recognised from view and stillness
        assert page.get_by_role("button", name="Save").is_disabled()          # not until the test is confirmed
        page.get_by_text("Yes, the recording shows standing posture, from the front").click()
        page.wait_for_timeout(1_500)
        page.get_by_role("button", name="Save").click()
        wait_for_text(page, "Saved in session")
        shot(page, "analyse")
    finally:
        browser.close()
    assert measurement(db, "E2E-UPLOAD", "shoulder_tilt") == pytest.approx(float(shown), abs=0.05)


def fake_camera(playwright, tmp: Path, sample_name: str):
    """A browser whose camera plays one of the sample videos."""
    video, _ = sample(sample_name)
    y4m = tmp / f"{sample_name}.y4m"
    if not y4m.exists():
        to_y4m(video, y4m)
    return open_browser(playwright, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                        f"--use-file-for-fake-video-capture={y4m}")


def set_pain(page, value: int) -> None:
    """The pain slider (the page's only one) moved from 0 to `value` with the keyboard."""
    slider = page.get_by_role("slider").first
    slider.focus()
    for _ in range(value):
        page.keyboard.press("ArrowRight")
    time.sleep(0.5)


PRE_BATTERY = (("posture-frontal", "posture_front", "Standing posture, from the front"),
               ("side-bend", "side_bend_front", "Side bend"), ("forward-bend", "forward_bend_side", "Forward bend"))


def test_a_whole_visit_pre_live_post_from_recordings_then_the_pdf(server, playwright, tmp_path):
    """New client with a height; the pre battery of three tests live through the fake camera (the browser is opened
    again with each test's video, and the visit picks up where it was); the post battery from recordings; the
    comparison on screen and its PDF hold the same numbers."""
    import pypdfium2 as pdfium

    from posture.store.visits import save_protocol

    from posture.store.clinic import set_clinic_name

    url, db = server
    save_protocol(open_database(db), "E2E three", [t for t, _, _ in PRE_BATTERY])   # saved at an earlier visit
    set_clinic_name(open_database(db), "E2E Massage Clinic")                       # as set on the Start page
    for k, (test, video, title) in enumerate(PRE_BATTERY):
        browser, page = fake_camera(playwright, tmp_path, video)
        try:
            page.set_viewport_size({"width": 1400, "height": 900})
            log_in(page, url, "visit")
            if k == 0:
                new_client(page, "visit", "E2E-VISIT", 172)
                choose(page, "Battery of tests", "E2E three")
                set_pain(page, 5)
                shot(page, "visit-1-new-client-and-battery")
                page.get_by_role("button", name="Begin the pre assessment").click()
            else:
                choose(page, "Client", "E2E-VISIT")
            wait_for_text(page, f"Next: {title}", timeout_s=60)
            wait_for_text(page, "Stand still", "hold that position", timeout_s=90)
            time.sleep(1.0)
            camera = page.locator(BROWSER_POSE).first.bounding_box()
            assert camera["y"] >= 0 and camera["y"] + camera["height"] <= 900, camera     # the whole picture shows
            page.screenshot(path=str(SHOTS / f"visit-2-pre-{test}-running-screen.png"))   # what the patient sees
            shot(page, f"visit-2-pre-{test}-running")
            assert measured(page, f"{k + 1} of 3 tests done") == f"{k + 1} of 3 tests done"
            shot(page, f"visit-3-pre-{test}-done")
        finally:
            browser.close()

    browser, page = open_browser(playwright)
    try:
        page.set_viewport_size({"width": 1400, "height": 900})
        log_in(page, url, "visit")
        choose(page, "Client", "E2E-VISIT")
        wait_for_text(page, "Begin the post assessment")
        set_pain(page, 2)
        page.get_by_role("button", name="Begin the post assessment").click()
        for k, (test, video, title) in enumerate(PRE_BATTERY):
            wait_for_text(page, f"Next: {title}", timeout_s=60)
            page.get_by_text("A recording", exact=True).click()
            page.locator("input[type=file]").set_input_files(str(sample(video)[0]))
            page.get_by_role("button", name="Analyse").click()
            wait_for_text(page, f"{k + 1} of 3 tests done", timeout_s=180)
        wait_for_text(page, "3. Before and after", timeout_s=60)
        time.sleep(2.0)
        shot(page, "visit-4-comparison")
        screen = page.inner_text("body")
        table = page.locator("table").last                     # the comparison (a test's own result is above it)
        rows = [[c.strip() for c in r.inner_text().split("\t")] for r in table.locator("tbody tr").all()]
        with page.expect_download() as download:
            page.get_by_role("button", name="PDF report").click()
        pdf = Path(download.value.path()).read_bytes()
    finally:
        browser.close()

    out = ARTIFACTS / "report"
    out.mkdir(parents=True, exist_ok=True)
    (out / "visit-e2e.pdf").write_bytes(pdf)
    doc = pdfium.PdfDocument(pdf)
    text = " ".join(page.get_textpage().get_text_range() for page in doc)
    for k, p in enumerate(doc):
        p.render(scale=1.4).to_pil().save(out / f"visit-e2e-page{k + 1}.png")
    doc.close()
    words = " ".join(text.split())

    sessions = client_sessions(open_database(db), "E2E-VISIT")
    assert [(s.label, s.source, s.pain, sorted(t.test for t in s.tests)) for s in sessions] == [
        ("pre", "visit", 5, sorted(t for t, _, _ in PRE_BATTERY)), ("post", "visit", 2, sorted(t for t, _, _ in PRE_BATTERY))]
    assert len(rows) >= 10 and all(len(r) >= 9 for r in rows)
    judged = [r for r in rows if r[-1] in ("no real change", "real improvement", "real worsening")]
    too_rough = [r for r in rows if r[-1] == "no verdict: ± wider than MDC95"]      # said, not judged
    assert len(judged) + len(too_rough) >= 8 and len(judged) >= 4   # before and after, matched test by test
    for r in rows:                                            # every row of the screen is a row of the PDF
        assert " ".join(r) in words, r
    assert "Pain 5/10 before and 2/10 after." in screen and "Pain 5/10 before and 2/10 after." in words
    for said in ("Clinic: E2E Massage Clinic", f"Therapist: {THERAPIST}", "Height: 172 cm"):     # who, where, whom
        assert said in screen and said in words, said
    lateral = next(m for t in sessions[0].tests for m in t.measurements if m.name == "lateral_shift")
    assert lateral.unit == "cm"                               # the client's height, used live



@pytest.mark.parametrize("case, message", [("not a video", "is not a video this tool can read"),
                                           ("nobody in view", "No person was found")])
def test_bad_uploads_get_a_message_and_the_app_keeps_working(server, playwright, tmp_path, case, message):
    url, _ = server
    if case == "not a video":
        bad = tmp_path / "holiday.mp4"
        bad.write_text("these are notes, not a video")
    else:
        bad = still_video(tmp_path / "empty_room.mp4", people=())
    browser, page = open_browser(playwright)
    try:
        upload(page, url, bad)
        wait_for_text(page, message, timeout_s=90)
        shot(page, f"analyse-{case.replace(' ', '-')}")
        page.get_by_role("link", name="Clients and history").click()
        wait_for_text(page, "Add a client")
    finally:
        browser.close()


def test_camera_denied_shows_a_message_and_the_app_keeps_working(server, playwright):
    url, _ = server
    browser, page = open_browser(playwright, "--use-fake-device-for-media-stream")   # a camera, but no permission
    try:
        log_in(page, url, "live")                           # on this device: the component says it, in our words
        wait_for_text(page, "The camera could not be opened: allow camera access", timeout_s=90)
        page.get_by_text("On the server", exact=True).click()
        frame = page.frame_locator("iframe[title*='webrtc']").first
        frame.get_by_role("button", name="Start").click(timeout=60_000)
        frame.get_by_text("Permission denied").wait_for(timeout=30_000)
        assert "allow camera access" in page.inner_text("body")        # what to do about it, in our words
        shot(page, "live-camera-denied")
        page.get_by_role("link", name="Start").click()
        wait_for_text(page, "posture")
    finally:
        browser.close()


def test_lens_calibration_from_uploaded_board_pictures(server, playwright, tmp_path):
    import cv2

    from test_calibration import views

    pictures = []
    for k, img in enumerate(views()):
        pictures.append(str(tmp_path / f"board{k}.png"))
        cv2.imwrite(pictures[-1], img)
    url, _ = server
    browser, page = open_browser(playwright)
    try:
        log_in(page, url, "calibration")
        page.get_by_label("Square size, mm").fill("25")
        page.keyboard.press("Enter")
        page.locator("input[type=file]").first.set_input_files(pictures)
        page.get_by_role("button", name="Calibrate the lens").click()
        wait_for_text(page, "reprojection error", "could not", timeout_s=120)
        shot(page, "calibration-done")
        assert "Saved 'clinic-webcam': the board was found sharp in 10 of 10 pictures" in page.inner_text("body")
    finally:
        browser.close()


def test_screenshots_of_every_page(server, playwright):
    from datetime import date

    from conftest import bend
    from posture.store.records import record_tests

    url, db = server
    engine = open_database(db)                  # a visit with a real change, for the Compare page
    record_tests(engine, "AA-SHOT", "pre", [bend(55.0)], visit_date=date(2026, 3, 2), pain=6)
    record_tests(engine, "AA-SHOT", "post", [bend(75.0, 1)], visit_date=date(2026, 3, 2), pain=3)
    browser, page = open_browser(playwright)
    try:
        log_in(page, url)
        for path, title in (("", "posture"), ("clients", "Clients and history"), ("compare", "PDF report"),
                            ("calibration", "Calibration")):
            page.get_by_role("link", name=LINKS[path]).click()
            wait_for_text(page, title)
            time.sleep(1.5)
            shot(page, path or "start")
    finally:
        browser.close()
