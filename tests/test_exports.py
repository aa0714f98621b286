"""Every CSV and JSON export carries one measurement row: flags (knees bent), reasons, uncertainty and both MDC95s."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from conftest import FPS
from posture.cli import main
from posture.export import ROW_COLUMNS, result_csv, result_dict, result_from_dict
from posture.analysis import analyse_landmarks
from posture.measures.uncertainty import UNITS as UNCERTAINTY_UNITS
from posture.store.db import open_database
from posture.store.export import sessions_csv, sessions_json
from posture.store.records import client_sessions, load_test, record_tests
from posture.synthetic.camera import frontal_camera, sagittal_camera
from posture.synthetic.scene import forward_bend_poses, landmark_series, rotation_poses


@pytest.fixture(scope="module")
def flagged():
    """A forward bend with the knees bent 30 degrees (flagged) and a rotation with the pelvis turning (pelvis withheld)."""
    bend = landmark_series(forward_bend_poses(70.0, FPS, knee_deg=30.0), sagittal_camera(), FPS)
    turn = landmark_series(rotation_poses(40.0, FPS, pelvis_share=0.5), frontal_camera(), FPS)
    out = [(analyse_landmarks(bend, "forward-bend").result, bend), (analyse_landmarks(turn, "rotation").result, turn)]
    assert "knees bent" in out[0][0].get("trunk_flexion").flags[0]
    assert "not measured" in out[1][0].get("pelvis_yaw_left").reason
    assert out[1][0].get("pelvis_yaw_left").withheld == "not-measurable"            # the code beside the words
    return out


def expected(result):
    """name -> (flags, own MDC95, default MDC95, the analysis's +/-) as every export must carry them."""
    from posture.measures.registry import default_mdc95

    return {m.name: ("; ".join(m.flags), m.mdc95, default_mdc95(m.name, m.unit), m.uncertainty)
            for m in result.measurements}


def check_csv_rows(rows: list[dict], results) -> None:
    want = {k: v for r in results for k, v in expected(r).items()}
    assert {r["measurement"] for r in rows} == set(want)
    for row in rows:
        flags, own, default, plus_minus = want[row["measurement"]]
        assert row["flags"] == flags
        assert row["uncertainty"] == ("" if plus_minus is None else pytest.approx(plus_minus, abs=1e-3))
        # a shown value in degrees or cm carries a +/-; a withheld one none
        assert (plus_minus is not None) == (row["value"] not in ("", None) and row["unit"] in UNCERTAINTY_UNITS)
        assert row["mdc95"] == ("" if own is None else pytest.approx(own, abs=1e-3))
        assert row["mdc95_default"] == ("" if default is None else pytest.approx(default, abs=1e-3))
    flagged_names = {name for name, (flags, *_) in want.items() if flags}
    assert {r["measurement"] for r in rows if r["flags"]} == flagged_names
    assert all(r["mdc95_default"] != "" for r in rows)
    assert any(r["uncertainty"] != "" for r in rows)
    bends = [r for r in rows if r["measurement"] == "trunk_flexion"]
    assert all(r["mdc95"] != "" for r in bends)          # three trials give a test its own MDC95


def read_csv(text: str) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(text)))
    for r in rows:
        for k in ("mdc95", "mdc95_default", "uncertainty"):
            r[k] = float(r[k]) if r[k] else ""
    return rows


def check_json_measurements(measurements: list[dict], results) -> None:
    want = {k: v for r in results for k, v in expected(r).items()}
    assert {m["name"] for m in measurements} == set(want)
    for m in measurements:
        flags, own, default, plus_minus = want[m["name"]]
        assert "; ".join(m["flags"]) == flags and m["mdc95"] == own and m["mdc95_default"] == default
        assert m["uncertainty"] == plus_minus


def test_result_csv_and_json(flagged):
    assert any(m.flags for m in flagged[0][0].measurements)      # the bend's flags are there to be carried
    for result, _ in flagged:
        rows = read_csv(result_csv(result))
        assert list(rows[0]) == ["test", "view", *ROW_COLUMNS]
        check_csv_rows(rows, [result])
        data = json.loads(json.dumps(result_dict(result)))
        check_json_measurements(data["measurements"], [result])
        assert result_from_dict(data) == result


def test_analyze_on_the_command_line_as_csv_and_json(flagged, tmp_path, capsys):
    result, series = flagged[0]
    series.save(tmp_path / "bend.npz")
    assert main(["analyze", str(tmp_path / "bend.npz"), "--test", "forward-bend", "--csv"]) == 0
    check_csv_rows(read_csv(capsys.readouterr().out), [result])
    assert main(["analyze", str(tmp_path / "bend.npz"), "--test", "forward-bend", "--json"]) == 0
    check_json_measurements(json.loads(capsys.readouterr().out)["measurements"], [result])


def test_stored_sessions_as_csv_and_json(flagged, tmp_path, capsys):
    engine = open_database(f"sqlite:///{tmp_path / 'clinic.db'}")
    record_tests(engine, "AB-1", "pre", flagged, visit_date=date(2026, 3, 2))
    sessions = client_sessions(engine, "AB-1")
    results = [r for r, _ in flagged]
    check_csv_rows(read_csv(sessions_csv(sessions)), results)
    (doc,) = json.loads(sessions_json(sessions))
    check_json_measurements([m for t in doc["tests"] for m in t["measurements"]], results)
    # The command line's export is the same table.
    assert main(["sessions", "--db", f"sqlite:///{tmp_path / 'clinic.db'}", "export", "--client", "AB-1",
                 "--format", "csv"]) == 0
    check_csv_rows(read_csv(capsys.readouterr().out), results)
    # Stored results come back as the domain types they were saved from.
    for (result, series), record in zip(flagged, sessions[0].tests):
        again, landmarks = load_test(record)
        assert again == result and len(landmarks) == len(series)


def test_batch_table_rows(flagged):
    from posture.batch import TABLE_COLUMNS, table_rows

    results = [r for r, _ in flagged]
    records = [{"job": {"video": f"v{k}.mp4", "client": "", "session": "", "test": "auto"}, "sha256": "x",
                "status": "done", "reason": "", "frames": 10, "seconds": 1.0,
                "result": json.loads(json.dumps(result_dict(r)))} for k, r in enumerate(results)]
    rows = [row for rec in records for row in table_rows(rec)]
    assert set(ROW_COLUMNS) <= set(TABLE_COLUMNS) and all(set(r) <= set(TABLE_COLUMNS) for r in rows)
    check_csv_rows([r | {k: "" if r[k] is None else r[k] for k in ("mdc95", "mdc95_default", "uncertainty")} for r in rows], results)


def test_a_patient_reads_each_value_rounded_with_its_give_or_take_and_no_bare_numbers(flagged):
    from dataclasses import replace

    from posture.export import plain_words, whole

    bend, turn = flagged[0][0], flagged[1][0]
    flexion = bend.get("trunk_flexion")
    assert flexion.flags                   # knees bent: left for the therapist to explain
    assert "Bending forward: measured; your therapist will go through it with you." in plain_words(bend)
    plain = replace(bend, measurements=[replace(flexion, flags=())])
    u = flexion.uncertainty
    assert f"Bending forward: {whole(flexion.value)} degrees, give or take {whole(u)}." in plain_words(plain)
    assert "Hips turning along, to the left: not measured this time." in plain_words(turn)
    # A value with no measured uncertainty (a unit the renders did not measure: the analysis states none) is not shown.
    other_unit = replace(bend, measurements=[replace(flexion, unit="% hip width", flags=(), uncertainty=None)])
    (line,) = plain_words(other_unit)
    assert f"{flexion.value:.0f}" not in line and "your therapist" in line


def test_a_patients_numbers_round_as_people_round_them_and_agree_with_their_unit(flagged):
    """4.5 read as 4 and 5.5 as 6 (Python rounds halves to even); "1 degrees"."""
    from dataclasses import replace

    from posture.export import plain_words, whole

    assert [whole(x) for x in (4.5, 5.5, 2.5, 0.49, -4.5, 7.0)] == [5, 6, 3, 0, -5, 7]
    bend = flagged[0][0]
    flexion = replace(bend.get("trunk_flexion"), flags=())
    u = flexion.uncertainty
    said = {v: plain_words(replace(bend, measurements=[replace(flexion, value=v)]))[0] for v in (40.5, 1.2, -0.6)}
    assert said == {40.5: f"Bending forward: 41 degrees, give or take {whole(u)}.",
                    1.2: f"Bending forward: 1 degree, give or take {whole(u)}.",
                    -0.6: f"Bending forward: -1 degree, give or take {whole(u)}."}
