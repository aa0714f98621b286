"""The therapist's visit: batteries, the client's height, the comparison shown and printed, trends over visits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from matplotlib.dates import num2date

from conftest import bend, true_flexion
from posture.change import Change, headline, summary
from posture.charts import trend_figure
from posture.errors import PostureError
from posture.measures.registry import default_mdc95
from posture.store.db import open_database
from posture.store.records import add_client, client_sessions, load_session, record_tests
from posture.store.report import comparison, trend_points
from posture.store.visits import (FULL_ASSESSMENT, add_test, battery, begin_session, client_height, protocols,
                                  save_protocol, set_height, visit_session)

DAY1, DAY2 = date(2026, 3, 2), date(2026, 3, 16)


@pytest.fixture
def engine(tmp_path):
    return open_database(tmp_path / "clinic.db")


def run_visit(engine, day: date, pre_peak: float, post_peak: float, seed: int = 0) -> tuple[int, int]:
    """A visit with a one-test battery (forward bend) before and after; the two session ids."""
    ids = []
    for lab, peak, pain in (("pre", pre_peak, 6), ("post", post_peak, 3)):
        sid = begin_session(engine, "AB-1", lab, ("forward-bend",), day, pain=pain)
        add_test(engine, sid, *bend(peak, seed))
        ids.append(sid)
    return ids[0], ids[1]


def test_a_battery_runs_in_order_and_the_post_session_is_its_own(engine):
    add_client(engine, "AB-1", height_cm=172)
    sid = begin_session(engine, "AB-1", "pre", ("posture-frontal", "forward-bend"), DAY1, pain=5)
    assert battery(load_session(engine, sid)).next_test == "posture-frontal"
    add_test(engine, sid, *bend(55.0))                      # measured out of order: the battery still knows
    state = battery(load_session(engine, sid))
    assert state.done == ("forward-bend",) and state.next_test == "posture-frontal" and not state.complete
    skipping = battery(load_session(engine, sid), {"posture-frontal"})
    assert skipping.todo == () and skipping.next_test is None and skipping.complete
    assert battery(load_session(engine, sid), {"posture-frontal", "forward-bend"}).done == ("forward-bend",)
    with pytest.raises(PostureError, match="has its pre assessment already"):
        begin_session(engine, "AB-1", "pre", ("forward-bend",), DAY1)
    assert visit_session(engine, "AB-1", DAY1, "pre").id == sid and visit_session(engine, "AB-1", DAY1, "post") is None


def test_a_test_recorded_by_mistake_is_deleted_and_measured_again(engine):
    from posture.store.visits import delete_test

    add_client(engine, "AB-1")
    sid = begin_session(engine, "AB-1", "pre", ("forward-bend", "side-bend"), DAY1)
    add_test(engine, sid, *bend(40.0))
    wrong = load_session(engine, sid).tests[0]
    assert battery(load_session(engine, sid)).next_test == "side-bend"
    assert delete_test(engine, sid, wrong.id) == "forward-bend"
    session = load_session(engine, sid)
    assert session.tests == [] and battery(session).next_test == "forward-bend"       # waits to be measured again
    with pytest.raises(PostureError, match="not in this session any more"):
        delete_test(engine, sid, wrong.id)                                          # a second tab's stale button
    add_test(engine, sid, *bend(60.0, 1))                                            # redone
    (redone,) = load_session(engine, sid).tests
    flexion = next(m.value for m in redone.measurements if m.name == "trunk_flexion")
    assert redone.test == "forward-bend" and flexion == pytest.approx(true_flexion(60.0), abs=3.0)   # the new one
    other = begin_session(engine, "AB-1", "post", ("forward-bend",), DAY1)
    with pytest.raises(PostureError, match="not in this session"):
        delete_test(engine, other, redone.id)                                        # only the session's own test
    assert len(load_session(engine, sid).tests) == 1


def test_the_report_names_the_clinic_the_therapist_the_height_and_the_visit_notes(engine):
    import pypdfium2 as pdfium

    from posture.store.clinic import clinic_name, set_clinic_name
    from posture.store.report import comparison_pdf
    from posture.store.visits import set_visit_notes

    add_client(engine, "AB-1", height_cm=172)
    pre, post = run_visit(engine, DAY1, 50.0, 65.0)
    assert clinic_name(engine) == ""
    set_clinic_name(engine, "  Praxis am Markt ")
    set_visit_notes(engine, "AB-1", DAY1, "Lumbar paraspinals, 40 min.\nFelt looser.")
    with pytest.raises(PostureError, match="no visit of"):
        set_visit_notes(engine, "AB-1", DAY2, "nothing yet")
    c = comparison(load_session(engine, pre), load_session(engine, post), client_sessions(engine, "AB-1"),
                   clinic_name(engine), "Anna Berg")
    assert c.details == ("Clinic: Praxis am Markt", "Therapist: Anna Berg",
                         "Height: 172 cm (as recorded for the client now)",
                         f"Notes of the visit of {DAY1}: Lumbar paraspinals, 40 min.\nFelt looser.")
    doc = pdfium.PdfDocument(comparison_pdf(c))
    words = " ".join(" ".join(page.get_textpage().get_text_range() for page in doc).split())
    doc.close()
    for said in ("Clinic: Praxis am Markt", "Therapist: Anna Berg", "Height: 172 cm", "Lumbar paraspinals, 40 min."):
        assert said in words


def test_a_repeated_test_keeps_both_records_and_the_later_one_is_compared(engine):
    add_client(engine, "AB-1")
    pre = begin_session(engine, "AB-1", "pre", ("forward-bend",), DAY1)
    add_test(engine, pre, *bend(40.0))
    add_test(engine, pre, *bend(55.0, 1))                    # done again: nothing is lost
    post = begin_session(engine, "AB-1", "post", ("forward-bend",), DAY1)
    add_test(engine, post, *bend(55.0, 2))
    before, after = load_session(engine, pre), load_session(engine, post)
    assert len(before.tests) == 2
    row = next(r for r in comparison(before, after, [before, after]).rows if r["Measurement"] == "Trunk flexion")
    assert row["Verdict"] == "no real change"               # 55 against 55, not 40 against 55


@pytest.mark.parametrize("height", [0.0, 79.0, 251.0, float("nan"), float("inf")])
def test_an_implausible_height_is_refused(engine, height):
    add_client(engine, "AB-1")
    with pytest.raises(PostureError, match="not plausible"):
        set_height(engine, "AB-1", height)
    assert client_height(engine, "AB-1") is None


def test_batteries_can_be_saved_by_name(engine):
    save_protocol(engine, "Low back", ["forward-bend", "side-bend"])
    save_protocol(engine, "Hips", ["side-bend"])
    save_protocol(engine, "Hips", ["rotation", "side-bend"])                      # saved again: replaced
    assert list(protocols(engine).items()) == [
        (FULL_ASSESSMENT, ("posture-frontal", "posture-sagittal", "forward-bend", "side-bend", "rotation")),
        ("Hips", ("rotation", "side-bend")), ("Low back", ("forward-bend", "side-bend"))]
    for name, tests in (("Twice", ["side-bend", "side-bend"]), ("Unknown", ["cartwheel"]), ("", ["side-bend"]),
                        (FULL_ASSESSMENT, ["side-bend"]), ("Empty", [])):
        with pytest.raises(PostureError):
            save_protocol(engine, name, tests)


def test_the_summary_puts_real_changes_first_in_plain_words():
    real = Change("forward-bend", "trunk_flexion", "deg", 55.0, 67.0, 8.0, "default")
    steady = Change("forward-bend", "hip_flexion", "deg", 60.0, 62.0, 8.0, "default")
    assert headline(real) == "Forward bend, trunk flexion: 12.0 degrees more (55.0 to 67.0), a real improvement."
    assert summary([real, steady], 6, 3) == [
        headline(real), "The other measurement stayed within what the test varies by itself: no real change.",
        "Pain 6/10 before and 3/10 after."]


def test_a_change_is_the_difference_of_the_numbers_shown_beside_it():
    """41.14 -> 41.26 showed "+0.1" beside 41.1 and 41.3; 3.24 -> 3.26 showed "0.0" beside 3.2 and 3.3."""
    from posture.store.report import change_row

    rows = [change_row(Change("side-bend", "side_bend_left", "deg", b, a, 5.0, "typical")) for b, a in
            ((41.14, 41.26), (3.24, 3.26), (10.04, 15.06))]
    assert [(r["Before"], r["After"], r["Change"]) for r in rows] == [
        ("41.1", "41.3", "+0.2"), ("3.2", "3.3", "+0.1"), ("10.0", "15.1", "+5.1")]
    assert [r["Verdict"] for r in rows] == ["no real change", "no real change", "real improvement"]


def test_one_mdc95_for_a_value_named_for_where_it_comes_from():
    """A single test's table showed its trials' own MDC95 (0.2 to 2.9) and the comparison the typical one (5.0, 8.0):
    now both show the one a change must exceed, and say which it is."""
    from posture.change import Reading, compare
    from posture.export import measurement_rows
    from posture.measures.common import Measurement, TestResult
    from posture.store.report import change_row

    def session(trials: tuple[float, ...]) -> TestResult:
        m = Measurement("side_bend_left", sum(trials) / len(trials), "deg", 0.9, trials=trials,
                        spread=float(np.std(trials, ddof=1)), uncertainty=2.5)
        return TestResult("side-bend", "frontal", [m])

    typical = default_mdc95("side_bend_left", "deg")
    steady, shaky = session((30.0, 30.5, 31.0)), session((20.0, 30.0, 40.0))
    assert measurement_rows(steady)[0]["MDC95"] == f"{typical:.1f} (typical)"
    own = 1.96 * 2 ** 0.5 * 10.0                              # MDC95 = 1.96 x sqrt(2) x SD of the trials
    assert measurement_rows(shaky)[0]["MDC95"] == f"{own:.1f} (trials)"

    def reading(r: TestResult) -> Reading:
        m = r.measurements[0]
        return Reading(r.test, m.name, m.value, m.unit, m.trials, m.spread, m.uncertainty)

    assert change_row(compare([reading(steady)], [reading(steady)])[0])["MDC95"] == f"{typical:.1f} (typical)"
    assert change_row(compare([reading(shaky)], [reading(shaky)])[0])["MDC95"] == f"{own:.1f} (trials)"


def test_the_comparison_matches_tests_and_says_the_missing_scale_once(engine):
    add_client(engine, "AB-1")
    pre, post = (load_session(engine, i) for i in run_visit(engine, DAY1, 55.0, 75.0))
    c = comparison(pre, post, [pre, post])
    flex = next(r for r in c.rows if r["Measurement"] == "Trunk flexion")
    assert float(flex["Change"]) == pytest.approx(true_flexion(75.0) - true_flexion(55.0), abs=1.5)
    assert flex["Verdict"] == "real improvement" and c.summary[0].startswith("Forward bend, trunk flexion:")
    assert len(c.notes) == 1 and "height" in c.notes[0]        # fingertip-to-floor unscaled: said once
    assert [name for name, _ in c.curves] == ["Forward bend"] and len(c.peaks) == 2
    assert c.trends == ()                                      # one visit is no trend


def test_trends_need_two_visits_and_have_date_and_mdc_axes(engine):
    add_client(engine, "AB-1")
    run_visit(engine, DAY1, 55.0, 75.0)
    run_visit(engine, DAY2, 56.0, 76.0, seed=3)
    pre = begin_session(engine, "AB-1", "pre", ("forward-bend", "side-bend"), date(2026, 3, 30))
    add_test(engine, pre, *bend(57.0, 4))
    history = client_sessions(engine, "AB-1")
    points = trend_points(history)
    assert ("forward-bend", "trunk_flexion", "deg") in points
    assert ("forward-bend", "knee_flexion_at_peak", "deg") in points
    assert not any(test == "side-bend" for test, _, _ in points)          # never measured: no trend
    assert not any(unit == "cm" for _, _, unit in points)                  # no value on any visit: no trend

    knee = points[("forward-bend", "knee_flexion_at_peak", "deg")]
    ax = trend_figure("Knee", "degrees", knee, default_mdc95("knee_flexion_at_peak", "deg")).axes[0]
    lo, hi = (num2date(x).date() for x in ax.get_xlim())                  # dates as dates, around the visits
    assert lo < DAY1 and hi > date(2026, 3, 30) and (hi - lo).days < 60
    values = [v for pts in knee.values() for _, v in pts]
    y0, y1 = ax.get_ylim()
    assert y1 - y0 >= default_mdc95("knee_flexion_at_peak", "deg")          # never zoomed below the MDC
    assert y0 <= min(values) and y1 >= max(values)


def standing(seed: int):
    """A standing-posture test from the front (2 s still, arms hanging), and its landmarks."""
    from conftest import FPS
    from posture.measures import analyse
    from posture.synthetic.camera import frontal_camera
    from posture.synthetic.scene import landmark_series, still_poses
    from posture.synthetic.skeleton import Pose

    series = landmark_series(still_poses(Pose(arms="gravity"), FPS, 3.0), frontal_camera(), FPS, noise_px=1.0,
                             rng=np.random.default_rng(seed))
    return analyse(series, "posture-frontal"), series


def test_a_one_visit_measurement_draws_no_trend(engine):
    add_client(engine, "AB-1")
    run_visit(engine, DAY1, 55.0, 75.0)
    sid = begin_session(engine, "AB-1", "pre", ("forward-bend", "posture-frontal"), DAY2)
    add_test(engine, sid, *bend(56.0, 3))
    add_test(engine, sid, *standing(4))                                    # posture: this visit only
    history = client_sessions(engine, "AB-1")
    tests = {test for test, _, _ in trend_points(history)}
    assert tests == {"forward-bend"}
    assert all(not title.startswith("Standing posture") for title, _ in comparison(*history[-2:], history).trends)


def test_the_summary_says_what_was_not_compared_and_why():
    no_mdc = Change("posture-sagittal", "plumb_knee", "% ear height", 1.0, 3.0, None, "default")
    once = Change("forward-bend", "fingertip_to_floor", "cm", None, 20.0, 4.5, "default")
    never = Change("side-bend", "fingertip_travel_left", "cm", None, None, 3.0, "default")
    assert summary([never], None, None) == ["Nothing was measured both times, so nothing is compared."]
    assert summary([no_mdc, once, never], None, None) == [
        "1 measurement has no known MDC, so no verdict: plumb knee.",
        "1 measurement was measured only once, so not compared: fingertip to floor."]


def test_a_home_check_not_adopted_is_compared_but_never_judged(engine):
    """55 degrees in the clinic, 75 measured on the patient's device: a real change by the MDC, yet no verdict (on the
    page, which shows these rows, and in the PDF) until the therapist adopts the home check."""
    from posture.change import NOT_ADOPTED
    from posture.store.records import record_tests
    from posture.store.report import comparison_pdf, session_title
    from posture.store.visits import adopt_home_check

    pre = record_tests(engine, "AB-1", "pre", [bend(55.0)], visit_date=DAY1)
    home = record_tests(engine, "AB-1", "home check", [bend(75.0, 1)], visit_date=DAY2, source="home")
    before, after = load_session(engine, pre), load_session(engine, home)
    c = comparison(before, after, [before, after])
    measured = [r for r in c.rows if r["Before"] != "–" and r["After"] != "–"]
    assert measured and {r["Verdict"] for r in measured} == {NOT_ADOPTED}
    assert "measured on the patient's device" in c.after and "not adopted" in c.summary[0]
    assert not any("real" in line for line in c.summary)
    import pypdfium2

    text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(comparison_pdf(c)))
    assert "patient's device, not" in text and "real improvement" not in text
    adopt_home_check(engine, home, "follow-up")
    after = load_session(engine, home)
    adopted = comparison(before, after, [before, after])
    flexion = next(r for r in adopted.rows if r["Measurement"] == "Trunk flexion")
    assert flexion["Verdict"] == "real improvement" and "patient's device" not in session_title(after)


def test_a_rotation_done_another_way_is_listed_but_never_judged():
    """Seated with a bar against standing with the arms hanging is a change of method: no verdict, and the summary
    says why. A rotation stored before protocols were recognised had its arms hanging, so it still compares."""
    from posture.change import Reading, compare, summary, verdict

    def turn(value: float, protocol: str) -> Reading:
        return Reading("rotation", "rotation_left", value, "deg", protocol=protocol)

    (apart,) = compare([turn(30.0, "arms hanging, standing")], [turn(45.0, "a bar across the shoulders, seated")])
    assert not apart.real and verdict(apart) == "no verdict: done different ways"
    said = summary([apart], None, None)
    assert any("done a different way each time" in line and "rotation left" in line for line in said)
    (old,) = compare([turn(30.0, "")], [turn(45.0, "arms hanging, seated")])
    assert old.real and verdict(old) == "real improvement"


def test_a_measurement_whose_plus_minus_is_wider_than_a_real_change_never_calls_one():
    """Head tilt read 7 degrees either way on the renders, against a default MDC95 of 3: a 10-degree difference is
    not called a real change, and the summary says the measurement is too rough to show one."""
    from posture.change import Reading, compare, summary, verdict

    before = Reading("posture-frontal", "head_tilt", 1.0, "deg", uncertainty=7.0)
    after = Reading("posture-frontal", "head_tilt", 11.0, "deg", uncertainty=7.0)
    (change,) = compare([before], [after])
    assert change.mdc == 3.0 and abs(change.difference) > change.mdc
    assert not change.real and verdict(change) == "no verdict: ± wider than MDC95"
    assert ("Head tilt cannot show a real change from one camera: its ± is wider than the change that would be "
            "real.") in summary([change], None, None)
    narrow = compare([replace(before, uncertainty=2.0)], [replace(after, uncertainty=2.0)])[0]
    assert narrow.real


def test_a_therapist_is_told_of_home_checks_waiting_and_sees_them_go_once_adopted(engine):
    from posture.store.visits import adopt_home_check, waiting_home_checks

    add_client(engine, "AB-1")
    add_client(engine, "CD-2")
    assert waiting_home_checks(engine) == {}
    for client, day in (("AB-1", DAY1), ("AB-1", DAY2), ("CD-2", DAY1)):
        record_tests(engine, client, "home check", [bend(50.0)], visit_date=day)
    assert waiting_home_checks(engine) == {"AB-1": 2, "CD-2": 1}
    first = next(s for s in client_sessions(engine, "AB-1") if s.unadopted)
    adopt_home_check(engine, first.id, "follow-up")
    assert waiting_home_checks(engine) == {"AB-1": 1, "CD-2": 1}
