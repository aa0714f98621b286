"""Saving and reading sessions: one transaction per save, so a crash leaves nothing half-written."""

from __future__ import annotations

import hashlib
import io
from dataclasses import asdict, dataclass, replace
from datetime import date

import numpy as np
from sqlalchemy import Engine, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from posture import limits, report_fonts
from posture.calibration import CameraProfile, check_height
from posture.errors import PostureError
from posture.landmarks import LandmarkSeries
from posture.measures import TESTS, Measurement, TestResult
from posture.measures.common import Withheld
from posture.store.db import reading, serialise_on, writing
from posture.store.models import SESSION_LABELS, Client, Label, MeasurementRecord, RecordedTest, Session, Visit

SENT_BEFORE = "This check was sent before and is stored already: start a new check to measure again."


def software_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"posture {version('posture')}"
    except PackageNotFoundError:
        return "posture (unpackaged)"


def series_bytes(series: LandmarkSeries) -> bytes:
    """The landmark series as a compressed .npz, in float32 (a tenth of a pixel is plenty)."""
    buf = io.BytesIO()
    replace(series, image=series.image.astype(np.float32), visibility=series.visibility.astype(np.float32),
            world=series.world.astype(np.float32)).save(buf)
    return buf.getvalue()


def series_from_bytes(blob: bytes) -> LandmarkSeries:
    return LandmarkSeries.load(io.BytesIO(blob))


def test_record(result: TestResult, series: LandmarkSeries | bytes | None) -> RecordedTest:
    """A test result (and its landmarks, as a series or already packed) as rows."""
    return RecordedTest(
        test=result.test, view=result.view, detected_share=result.detected_share, notes=list(result.notes),
        trial_frames=[list(map(int, f)) for f in result.trial_frames], camera_angle_deg=result.camera_angle_deg,
        protocol=result.protocol,
        landmarks=series if series is None or isinstance(series, bytes) else series_bytes(series),
        measurements=[MeasurementRecord(name=m.name, value=m.value, unit=m.unit, quality=m.quality, reason=m.reason,
                                        flags=list(m.flags), trials=list(m.trials), spread=m.spread,
                                        maximum=m.maximum, withheld=m.withheld, uncertainty=m.uncertainty)
                      for m in result.measurements])


def stored_result(record: RecordedTest) -> TestResult:
    """A stored test's result (its landmarks left packed)."""
    return TestResult(
        test=record.test, view=record.view, detected_share=record.detected_share, notes=tuple(record.notes),
        trial_frames=tuple(tuple(int(i) for i in f) for f in record.trial_frames),
        camera_angle_deg=record.camera_angle_deg, protocol=record.protocol or "",
        measurements=tuple(Measurement(m.name, m.value, m.unit, m.quality, m.reason, tuple(m.flags), tuple(m.trials),
                                       m.spread, m.maximum, Withheld(m.withheld) if m.withheld else None,
                                       m.uncertainty)
                           for m in record.measurements))


def load_test(record: RecordedTest) -> tuple[TestResult, LandmarkSeries | None]:
    """The inverse of test_record: a stored test as its result and its landmarks (None when none were kept)."""
    return stored_result(record), series_from_bytes(record.landmarks) if record.landmarks else None


@dataclass(frozen=True)
class StoredTest:
    """One test of a stored session back in domain types, with the camera roll it was measured against."""

    result: TestResult
    series: LandmarkSeries | None
    roll_deg: float = 0.0

    def angle_curve(self) -> np.ndarray | None:
        """The test's primary angle per frame (degrees, against the true vertical), None without landmarks."""
        if self.series is None:
            return None
        return TESTS[self.result.test].primary_angle(self.series, roll=self.roll_deg)


def test_roll(record: RecordedTest) -> float:
    """The camera roll of the profile a session was measured with (0 when uncalibrated)."""
    return float((record.calibration or {}).get("roll_deg") or 0.0)


def stored_tests(session: Session) -> list[StoredTest]:
    """Every test of a session with its landmarks decoded."""
    return [StoredTest(*load_test(t), test_roll(t)) for t in session.tests]


def check_session_fields(label: str, pain: int | None, visit_date: date, notes: str) -> tuple[int | None, str]:
    """The pain score and notes as stored, after the label, pain, date and notes are checked (PostureError)."""
    if label not in SESSION_LABELS:
        raise PostureError(f"'{limits.terminal_safe(str(label))[:40]}' is not a session label: use one of "
                           f"{', '.join(SESSION_LABELS)}.")
    limits.visit_date(visit_date)
    return limits.pain_score(pain), limits.text(notes, "The notes", limits.NOTE_CHARS, allow_newlines=True)


def find_client(db, pseudonym: str) -> Client | None:
    return db.scalar(select(Client).where(Client.pseudonym == pseudonym))


def new_pseudonym(pseudonym: str) -> str:
    """A new client's pseudonym: limits.pseudonym, and every character printable in the report, which must say
    whose it is (a client stored before this rule keeps their pseudonym)."""
    pseudonym = limits.pseudonym(pseudonym)
    if missing := report_fonts.unprintable(pseudonym):
        raise PostureError(f"The report cannot print '{missing}' of this pseudonym, so it would not say whose it "
                           f"is: use {report_fonts.SCRIPTS} letters.")
    return pseudonym


def storable_pseudonym(engine: Engine, pseudonym: str) -> str:
    """The pseudonym a save would store under, checked before an analysis: a stored client's as it is, a new one by
    new_pseudonym (PostureError otherwise)."""
    checked = limits.pseudonym(pseudonym)
    with reading(engine) as db:
        known = find_client(db, checked) is not None
    return checked if known else new_pseudonym(checked)


def add_client(engine: Engine, pseudonym: str, birth_year: int | None = None, conditions: tuple[str, ...] = (),
               notes: str = "", height_cm: float | None = None) -> int:
    """A new client; the pseudonym must be unused."""
    height_cm = check_height(height_cm)
    pseudonym = new_pseudonym(pseudonym)
    notes = limits.text(notes, "The notes", limits.NOTE_CHARS, allow_newlines=True)
    conditions = tuple(limits.text(c, "A condition", limits.LABEL_CHARS) for c in conditions)
    if birth_year is not None:
        birth_year = int(limits.number(birth_year, "The year of birth", 1900, date.today().year))
    with writing(engine) as db:
        serialise_on(db, pseudonym)
        if find_client(db, pseudonym):
            raise PostureError(f"A client called '{pseudonym}' already exists.")
        client = Client(pseudonym=pseudonym, birth_year=birth_year, conditions=list(conditions), notes=notes,
                        height_cm=height_cm)
        db.add(client)
        db.flush()
        return client.id


def record_tests(engine: Engine, pseudonym: str, label: str,
                 tests: list[tuple[TestResult, LandmarkSeries | bytes | None]],
                 visit_date: date | None = None, pain: int | None = None, notes: str = "",
                 profile: CameraProfile | None = None, source: str = "video", video_path: str | None = None,
                 bundle_id: str | None = None, batch_key: str | None = None, device_run: str | None = None) -> int:
    """Store measured tests for a client, the one way the app, the command line and the batch do; the session's id.

    The client and the day's visit are made when needed. A pre or post test joins that day's pre or post session
    (made by the first test; its pain, notes and profile are the first's), so a visit recorded test by test holds one
    of each; a home check or follow-up is a session of its own. Two writers at the same moment cannot make two: the
    database holds one visit per day and one pre and one post per visit, and the loser of a race adds to the
    winner's. bundle_id (a home check) and batch_key (a batch row) are unique: stored once. batch_key and video_path
    (a kept recording) belong to one test, so they come with one test only. A check measured on a patient's device
    (`device_run`, the run its browser named) is stored once: PostureError (SENT_BEFORE) for the same run, or the
    very same landmarks, sent again.
    """
    if (batch_key or video_path) and len(tests) != 1:
        raise ValueError("batch_key and video_path name the recording of one test.")
    visit_date = visit_date or date.today()
    pain, notes = check_session_fields(label, pain, visit_date, notes)
    pseudonym = limits.pseudonym(pseudonym)
    for attempt in range(2):
        records = [test_record(r, s) for r, s in tests]
        records[0].batch_key, records[0].video_path = batch_key, video_path
        for record in records:
            record.calibration = asdict(profile) if profile else None
        try:
            return _record(engine, pseudonym, Label(label), records, visit_date, pain, notes, source, bundle_id,
                           _device_keys(device_run, tests))
        except IntegrityError:
            # Another writer made the visit or the slot since this transaction looked: add to theirs. A repeated
            # bundle or batch row fails again, and its caller says so.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _device_keys(run: str | None, tests: list[tuple[TestResult, LandmarkSeries | bytes | None]]
                 ) -> tuple[str, str | None] | None:
    """A device's check: its run and a SHA-256 of its landmarks (None for any other recording, and no digest for a
    check without landmarks)."""
    if run is None:
        return None
    series = [s for _, s in tests if isinstance(s, LandmarkSeries)]
    if not series:
        return run, None
    digest = hashlib.sha256()
    for s in series:
        digest.update(np.ascontiguousarray(s.image).tobytes() + np.ascontiguousarray(s.world).tobytes())
    return run, digest.hexdigest()


def _record(engine: Engine, pseudonym: str, label: Label, records: list[RecordedTest], visit_date: date,
            pain: int | None, notes: str, source: str, bundle_id: str | None,
            device: tuple[str, str | None] | None = None) -> int:
    """One transaction of record_tests: find or make the client, visit and session, then add the tests."""
    with writing(engine) as db:
        if device and db.scalar(select(Session.id).where(or_(Session.device_run == device[0],
                                                             Session.device_digest == device[1]))):
            raise PostureError(SENT_BEFORE)
        serialise_on(db, pseudonym)
        client = find_client(db, pseudonym) or Client(pseudonym=new_pseudonym(pseudonym), conditions=[], notes="")
        visit = next((v for v in client.visits if v.visit_date == visit_date), None) if client.id else None
        if visit is None:
            visit = Visit(client=client, visit_date=visit_date, notes="")
        session = next((s for s in visit.sessions if s.label == label), None) if label.in_visit else None
        if session is None:
            session = Session(visit=visit, label=label.value, pain=pain, notes=notes,
                              software_version=software_version(), source=source, bundle_id=bundle_id,
                              device_run=device and device[0], device_digest=device and device[1])
            db.add(session)
        else:
            _join(session, records, pain, notes)
        for record in records:          # added one by one: the session's earlier tests (and landmarks) stay unread
            record.session = session
        db.add_all(records)
        db.flush()
        return session.id


def _join(session: Session, records: list[RecordedTest], pain: int | None, notes: str) -> None:
    """Tests joining a session begun earlier: their notes are added to its notes, and their pain score taken when
    it has none, else kept in the notes when it differs (nothing said at a save is lost)."""
    said = [notes] if notes else []
    if pain is not None and session.pain is None:
        session.pain = pain
    elif pain is not None and pain != session.pain:
        tests = ", ".join(TESTS[r.test].title.lower() for r in records)
        said.append(f"Pain {pain}/10 when {tests} was measured.")
    if said:
        session.notes = "\n".join([session.notes, *said] if session.notes else said)


FULL = (selectinload(Session.tests).selectinload(RecordedTest.measurements),
        selectinload(Session.visit).selectinload(Visit.client))


def load_session(engine: Engine, session_id: int) -> Session:
    """A session with its visit, client, tests and measurements loaded."""
    with reading(engine) as db:
        session = db.scalar(select(Session).where(Session.id == session_id).options(*FULL))
        if session is None:
            raise PostureError(f"There is no session {session_id}: `posture sessions list` shows them.")
        return session


def client_sessions(engine: Engine, pseudonym: str) -> list[Session]:
    """Every session of a client, oldest first."""
    with reading(engine) as db:
        if find_client(db, pseudonym) is None:
            raise PostureError(f"There is no client called '{pseudonym}'.")
        return list(db.scalars(select(Session).join(Visit).join(Client).where(Client.pseudonym == pseudonym)
                               .order_by(Visit.visit_date, Session.recorded_at, Session.id).options(*FULL)))


def list_clients(engine: Engine) -> list[Client]:
    with reading(engine) as db:
        return list(db.scalars(select(Client).order_by(Client.pseudonym)
                               .options(selectinload(Client.visits).selectinload(Visit.sessions))))


def visit_sessions(engine: Engine, visit_id: int) -> list[Session]:
    with reading(engine) as db:
        found = list(db.scalars(select(Session).where(Session.visit_id == visit_id)
                                .order_by(Session.recorded_at, Session.id).options(*FULL)))
    if not found:
        raise PostureError(f"There is no visit {visit_id} with sessions.")
    return found


def pair_client(engine: Engine, pseudonym: str) -> str:
    """A new signing key for the client's offline home-check files (replacing any earlier one), to hand to the
    patient. Not a home-check link's access code (store/access.py)."""
    from posture.store.bundle import new_signing_key

    code = new_signing_key()
    with writing(engine) as db:
        client = find_client(db, pseudonym)
        if client is None:
            raise PostureError(f"There is no client called '{pseudonym}'.")
        client.signing_key = code
    return code


def import_bundle(engine: Engine, data: bytes) -> int:
    """Validate a home-check bundle and store its session under the paired client; the new session id."""
    from posture.store.bundle import BundleError, key_id, parse_payload, read_bundle, verify

    doc = read_bundle(data)
    with reading(engine) as db:
        paired = [c for c in db.scalars(select(Client).where(Client.signing_key.is_not(None)))
                  if key_id(c.signing_key) == doc["key_id"]]
        if not paired:
            raise BundleError("No client is paired with the code this bundle was signed with: pair the client "
                              "(`posture sessions pair`) and give the patient the code first.")
        client = paired[0]
        fields, tests = parse_payload(verify(doc, client.signing_key))
        done = db.scalar(select(Session.id).where(Session.bundle_id == fields["bundle_id"]))
        if done is not None:
            raise BundleError(f"This home check was imported before, as session {done}.")
    try:
        return record_tests(engine, client.pseudonym, fields["label"], tests, visit_date=fields["visit_date"],
                            pain=fields["pain"], notes=fields["notes"], source="home bundle",
                            bundle_id=fields["bundle_id"])
    except IntegrityError as e:          # the same bundle imported at the same moment elsewhere: that one counts
        raise BundleError("This home check was imported at the same moment by someone else: it is stored once.") \
            from e
