"""A session or a client's history as plain data: JSON and CSV, one measurement row each (posture.export)."""

from __future__ import annotations

import json

from posture.export import ROW_COLUMNS, MeasurementRow, csv_text
from posture import change
from posture.store.models import Session
from posture.store.records import stored_result

CSV_COLUMNS = ["client", "visit_date", "session_id", "label", "pain", "recorded_at", "test", *ROW_COLUMNS]


def readings(session: Session) -> list[change.Reading]:
    """Every measurement of a stored session, as the comparison needs them."""
    return change.readings([stored_result(t) for t in session.tests])


def session_dict(session: Session) -> dict:
    """Everything measured in a session, without the landmark blobs."""
    return {
        "session_id": session.id, "client": session.visit.client.pseudonym,
        "visit_date": session.visit.visit_date.isoformat(), "label": session.label, "pain": session.pain,
        "notes": session.notes, "recorded_at": session.recorded_at.isoformat(timespec="seconds"),
        "software_version": session.software_version, "source": session.source,
        "tests": [{"test": r.test, "view": r.view, "detected_share": r.detected_share, "notes": list(r.notes),
                   "trial_frames": [list(f) for f in r.trial_frames], "camera_angle_deg": r.camera_angle_deg,
                   "protocol": r.protocol, "calibration": record.calibration,
                   "measurements": [MeasurementRow(m).as_json() for m in r.measurements]}
                  for record, r in ((t, stored_result(t)) for t in session.tests)],
    }


def sessions_json(sessions: list[Session]) -> str:
    return json.dumps([session_dict(s) for s in sessions], indent=2)


def _session_columns(s: Session) -> dict:
    return {"client": s.visit.client.pseudonym, "visit_date": s.visit.visit_date.isoformat(), "session_id": s.id,
            "label": s.label, "pain": "" if s.pain is None else s.pain,
            "recorded_at": s.recorded_at.isoformat(timespec="seconds")}


def sessions_csv(sessions: list[Session]) -> str:
    """One row per measurement of every session."""
    return csv_text(CSV_COLUMNS, [_session_columns(s) | {"test": r.test} | MeasurementRow(m).as_csv()
                                  for s in sessions for r in map(stored_result, s.tests) for m in r.measurements])
