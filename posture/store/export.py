"""A session or a client's history as plain data: JSON and CSV."""

from __future__ import annotations

import csv
import io
import json

from posture.store.compare import Reading
from posture.store.models import Session

CSV_COLUMNS = ["client", "visit_date", "session_id", "label", "pain", "recorded_at", "test", "measurement",
               "value", "unit", "quality", "trials", "spread", "reason"]


def readings(session: Session) -> list[Reading]:
    return [Reading(t.test, m.name, m.value, m.unit, tuple(m.trials), m.spread)
            for t in session.tests for m in t.measurements]


def session_dict(session: Session) -> dict:
    """Everything measured in a session, without the landmark blobs."""
    return {
        "session_id": session.id, "client": session.visit.client.pseudonym,
        "visit_date": session.visit.visit_date.isoformat(), "label": session.label, "pain": session.pain,
        "notes": session.notes, "recorded_at": session.recorded_at.isoformat(timespec="seconds"),
        "software_version": session.software_version, "source": session.source,
        "calibration": session.calibration,
        "tests": [{"test": t.test, "view": t.view, "detected_share": t.detected_share, "notes": t.notes,
                   "trial_frames": t.trial_frames,
                   "measurements": [{"name": m.name, "value": m.value, "unit": m.unit, "quality": m.quality,
                                     "reason": m.reason, "flags": m.flags, "trials": m.trials, "spread": m.spread,
                                     "maximum": m.maximum} for m in t.measurements]}
                  for t in session.tests],
    }


def sessions_json(sessions: list[Session]) -> str:
    return json.dumps([session_dict(s) for s in sessions], indent=2)


def sessions_csv(sessions: list[Session]) -> str:
    """One row per measurement of every session."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    for s in sessions:
        for t in s.tests:
            for m in t.measurements:
                w.writerow([s.visit.client.pseudonym, s.visit.visit_date.isoformat(), s.id, s.label,
                            "" if s.pain is None else s.pain, s.recorded_at.isoformat(timespec="seconds"), t.test,
                            m.name, "" if m.value is None else round(m.value, 3), m.unit, round(m.quality, 3),
                            " ".join(f"{v:.3f}" for v in m.trials),
                            "" if m.spread is None else round(m.spread, 3), m.reason])
    return out.getvalue()
