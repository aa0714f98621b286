"""The journeys as a therapist lives them, in Debian's headless Chromium against the real app: the client and visit
kept through Back, reload and page trips; two tabs on one visit agreeing; a test recorded by mistake deleted and
measured again; logging out in one tab logging out the other; a rotation on "recognise automatically" never saved
as a guess. Screenshots of each step land in artifacts/screenshots/journeys-*.png.
"""

from __future__ import annotations

from datetime import date

import pytest

from conftest import log_in, sample
from posture.store.db import open_database
from posture.store.records import client_sessions
from posture.store.visits import save_protocol
from test_e2e import SHOTS, choose, new_client, open_browser, playwright, server, shot, wait_for_text  # noqa: F401,F811  (fixtures)

pytestmark = pytest.mark.slow
WATCH_S = 5            # app_pages/visit.WATCH_S and access.LOGIN_CHECK_S: how soon an open tab sees another's change


def on(page, link: str) -> None:
    """Go to a page by its link in the sidebar, as a person does."""
    page.get_by_role("link", name=link).click()
    page.wait_for_timeout(1_500)


def record_from(page, video: str, done: str) -> None:
    """Measure the visit's next test from one of the sample recordings."""
    page.get_by_text("A recording", exact=True).click()
    page.locator("input[type=file]").set_input_files(str(sample(video)[0]))
    page.get_by_role("button", name="Analyse").click()
    wait_for_text(page, done, timeout_s=240)


def chosen_client(page) -> str:
    """The client the page's picker shows (its combobox holds the choice as its value)."""
    page.wait_for_timeout(1_000)
    return page.get_by_role("combobox", name="Client").first.input_value()


def stored_tests(db, client: str) -> list[str]:
    return [t.test for s in client_sessions(open_database(db), client) for t in s.tests]


def test_a_visit_is_kept_through_page_trips_back_and_reload_and_two_tabs_agree(server, playwright):
    url, db = server
    save_protocol(open_database(db), "Journey two", ["posture-frontal", "side-bend"])
    browser, _ = open_browser(playwright)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})      # its tabs share the login cookie
    tab1 = context.new_page()
    try:
        log_in(tab1, url, "visit")
        new_client(tab1, "visit", "J-1", 168)
        choose(tab1, "Battery of tests", "Journey two")
        tab1.get_by_role("button", name="Begin the pre assessment").click()
        record_from(tab1, "posture_front", "1 of 2 tests done")
        assert "client=J-1" in tab1.url and f"visit={date.today().isoformat()}" in tab1.url
        shot(tab1, "journeys-1-visit-begun")

        for link in ("Clients and history", "Compare", "Analyse a video"):      # a trip through three pages
            on(tab1, link)
            assert chosen_client(tab1) == "J-1", link
        on(tab1, "Visit")
        wait_for_text(tab1, "1 of 2 tests done", timeout_s=30)
        assert chosen_client(tab1) == "J-1"
        tab1.go_back()                                                         # Back, to Analyse a video
        tab1.wait_for_timeout(2_000)
        assert chosen_client(tab1) == "J-1"
        tab1.go_forward()
        tab1.reload()                                                          # still logged in, same client
        wait_for_text(tab1, "1 of 2 tests done", timeout_s=60)
        assert chosen_client(tab1) == "J-1" and tab1.get_by_role("button", name="Log out").count()
        assert "Page not found" not in tab1.inner_text("body")
        shot(tab1, "journeys-2-after-reload")

        tab2 = context.new_page()                                              # a second tab: the same login
        tab2.goto(tab1.url)
        wait_for_text(tab2, "1 of 2 tests done", timeout_s=60)
        assert not tab2.get_by_label("Password", exact=True).count()
        record_from(tab2, "side_bend_front", "2 of 2 tests done")
        wait_for_text(tab1, "2 of 2 tests done", timeout_s=6 * WATCH_S)        # tab 1 redraws by itself
        assert "Next: Side bend" not in tab1.inner_text("body")
        shot(tab1, "journeys-3-tab-one-after-tab-two-saved")
        assert stored_tests(db, "J-1") == ["posture-frontal", "side-bend"]     # no duplicate

        tab1.get_by_text("Result: Side bend").click()                          # recorded by mistake: delete, redo
        tab1.get_by_role("button", name="Delete this side bend to measure it again").click()
        tab1.get_by_role("button", name="Yes, delete it").click()
        wait_for_text(tab1, "1 of 2 tests done", timeout_s=30)
        wait_for_text(tab1, "Next: Side bend", timeout_s=30)
        assert stored_tests(db, "J-1") == ["posture-frontal"]
        shot(tab1, "journeys-4-deleted")
        record_from(tab1, "side_bend_front", "2 of 2 tests done")
        assert stored_tests(db, "J-1") == ["posture-frontal", "side-bend"]

        tab2.bring_to_front()
        tab2.get_by_role("button", name="Log out").click()                     # logging out in one tab ...
        tab2.get_by_role("button", name="Log in").wait_for(timeout=30_000)
        tab1.get_by_role("button", name="Log in").wait_for(timeout=6 * WATCH_S * 1000)   # ... logs out the other
        assert "J-1" not in tab1.inner_text("body")
        shot(tab1, "journeys-5-logged-out-by-the-other-tab")
        tab1.reload()                                                          # and a reload does not log back in
        tab1.get_by_role("button", name="Log in").wait_for(timeout=60_000)
    finally:
        browser.close()


def test_a_rotation_on_auto_is_recognised_and_saved_only_once_confirmed(server, playwright):
    url, db = server
    browser, page = open_browser(playwright)
    try:
        log_in(page, url, "analyse")
        new_client(page, "analyse", "J-ROT")
        page.get_by_text("Upload a recording").click()
        page.locator("input[type=file]").set_input_files(str(sample("rotation_front")[0]))
        choose(page, "Test", "Recognise")
        page.get_by_role("button", name="Analyse").click()
        said = wait_for_text(page, "Recognised as trunk rotation", "Not sure which test this is", timeout_s=240)
        shot(page, "journeys-6-rotation-recognised")
        save = page.get_by_role("button", name="Save")
        assert save.is_disabled()                                   # not before the therapist confirms
        if said.startswith("Recognised"):
            page.get_by_text("Yes, the recording shows trunk rotation").click()
        else:
            page.get_by_text("Trunk rotation", exact=True).click()
        page.wait_for_timeout(1_500)
        page.get_by_role("button", name="Save").click()
        wait_for_text(page, "Saved in session", timeout_s=30)
    finally:
        browser.close()
    assert stored_tests(db, "J-ROT") == ["rotation"]


def test_a_portrait_camera_is_measured_whole_on_a_phone(server, playwright, tmp_path):
    """A phone held upright (a 640 x 854 camera): the patient's home check on a phone's screen (390 x 844) shows the
    whole picture during the check and measures on the device."""
    from posture.store.access import new_home_code
    from posture.store.records import add_client
    from test_e2e import BROWSER_POSE, CHROMIUM, QUIET, measured
    from videos import to_y4m

    url, db = server
    y4m = to_y4m(sample("forward_bend_side")[0], tmp_path / "portrait.y4m", width=640, height=854)
    add_client(open_database(db), "J-PHONE")
    code = new_home_code(open_database(db), "J-PHONE")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        *QUIET, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}"])
    try:
        phone = browser.new_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
        phone.goto(f"{url}/?code={code}")
        wait_for_text(phone, "Your home check", timeout_s=60)
        assert phone.get_by_role("link", name="My results").first.is_visible()      # one tap away, no menu
        choose(phone, "Test", "Forward bend")
        wait_for_text(phone, "Stand still", "Bend forward", "hold that position", timeout_s=120)
        phone.wait_for_timeout(2_000)
        picture = phone.locator(BROWSER_POSE).first.bounding_box()
        assert picture["y"] >= 0 and picture["y"] + picture["height"] <= 844, picture     # whole, above the fold
        words = phone.locator("[role='status']").first.bounding_box()
        assert words["y"] >= picture["y"] + picture["height"] - 1 and words["y"] < 844   # under it, on screen
        phone.screenshot(path=str(SHOTS / "journeys-7-phone-check-running.png"))
        said = measured(phone, "your therapist sees this result now")     # Try again below this machine's floor
        phone.screenshot(path=str(SHOTS / "journeys-8-phone-check-done.png"), full_page=True)
        assert said == "your therapist sees this result now", phone.inner_text("body")[-600:]

    finally:
        browser.close()
    assert stored_tests(db, "J-PHONE") == ["forward-bend"]
    # The server's path with this camera is not tested here: in CI it refused "the feet are out of the picture in
    # 100% of the frames" (issue 33 stays open for it), though it measured on a quiet machine.
