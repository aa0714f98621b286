"""The therapist's visit: a battery of tests before treatment, the same battery after, and the client's height.

A visit holds one "pre" and one "post" session. Each is opened with the
battery it will run (the protocol), and the tests are added to it one by one
as they are measured, live or from recordings, so that the comparison pairs
the same tests. A test measured twice in a session keeps both records; the
later one is the one compared (nothing is lost).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from posture import limits
from posture.calibration import CameraProfile, check_height
from posture.errors import PostureError
from posture.landmarks import LandmarkSeries
from posture.measures import TESTS, TestResult
from posture.store.db import reading, serialise_on, writing
from posture.store.models import ADOPTABLE, Client, Label, Protocol, RecordedTest, Session, Visit
from posture.store.records import check_session_fields, find_client, load_session, record_tests, software_version

# The battery offered before any is saved: every test, posture first (the body at rest), then the movements.
FULL_ASSESSMENT = "Full assessment"
BUILT_IN = {FULL_ASSESSMENT: ("posture-frontal", "posture-sagittal", "forward-bend", "side-bend", "rotation")}


def set_height(engine: Engine, pseudonym: str, height_cm: float | None) -> None:
    """Record the client's standing height (None: unknown), used for centimetres in every later test."""
    height_cm = check_height(height_cm)
    with writing(engine) as db:
        client = find_client(db, pseudonym)
        if client is None:
            raise PostureError(f"There is no client called '{pseudonym}'.")
        client.height_cm = height_cm


def client_height(engine: Engine, pseudonym: str) -> float | None:
    """The client's standing height in cm (None when unknown or no such client)."""
    with reading(engine) as db:
        client = find_client(db, pseudonym)
        return client.height_cm if client is not None else None


def check_protocol(tests: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """A battery: known tests, each once, at least one."""
    unknown = [t for t in tests if t not in TESTS]
    if unknown:
        raise PostureError(f"'{unknown[0]}' is not a test: use one of {', '.join(TESTS)}.")
    if not tests or len(set(tests)) != len(tests):
        raise PostureError("A battery needs at least one test, each test once.")
    return tuple(tests)


def save_protocol(engine: Engine, name: str, tests: list[str] | tuple[str, ...]) -> None:
    """Save (or replace) a named battery of tests."""
    tests, name = check_protocol(tests), limits.text(name, "A battery's name", limits.LABEL_CHARS)
    if not name or name in BUILT_IN:
        raise PostureError("Give the battery a name of its own.")
    with writing(engine) as db:
        serialise_on(db, f"protocol {name}")
        saved = db.scalar(select(Protocol).where(Protocol.name == name))
        if saved is None:
            db.add(Protocol(name=name, tests=list(tests)))
        else:
            saved.tests = list(tests)


def protocols(engine: Engine) -> dict[str, tuple[str, ...]]:
    """Every battery by name: the built-in one first, then the saved ones alphabetically."""
    with reading(engine) as db:
        saved = {p.name: tuple(p.tests) for p in db.scalars(select(Protocol).order_by(Protocol.name))}
    return BUILT_IN | saved


def visit_session(engine: Engine, pseudonym: str, visit_date: date, label: str) -> Session | None:
    """The client's pre or post session of that day, with its tests (None when not begun)."""
    with reading(engine) as db:
        sid = db.scalar(select(Session.id).join(Visit).join(Client)
                        .where(Client.pseudonym == pseudonym, Visit.visit_date == visit_date, Session.label == label)
                        .order_by(Session.id))
    return None if sid is None else load_session(engine, sid)


def visit_state(engine: Engine, pseudonym: str, visit_date: date) -> tuple:
    """Where the client's visit of that day stands, cheap to ask every few seconds: its notes, and each session's
    label and id with its tests' ids. Equal states mean nothing was saved, deleted or noted in between."""
    with reading(engine) as db:
        notes = db.scalar(select(Visit.notes).join(Client).where(Client.pseudonym == pseudonym,
                                                                 Visit.visit_date == visit_date))
        rows = db.execute(select(Session.label, Session.id, RecordedTest.id).join(Visit).join(Client)
                          .outerjoin(RecordedTest, RecordedTest.session_id == Session.id)
                          .where(Client.pseudonym == pseudonym, Visit.visit_date == visit_date)
                          .order_by(Session.id, RecordedTest.id)).all()
    state: dict[tuple[str, int], list[int]] = {}
    for label, sid, tid in rows:
        state.setdefault((label, sid), []).extend([tid] if tid is not None else [])
    return (notes, *((label, sid, tuple(tests)) for (label, sid), tests in state.items()))


def begin_session(engine: Engine, pseudonym: str, label: str, protocol: tuple[str, ...], visit_date: date,
                  pain: int | None = None, notes: str = "") -> int:
    """Open the visit's pre or post session with its battery; the post session must run the pre's battery."""
    pain, notes = check_session_fields(label, pain, visit_date, notes)
    protocol = check_protocol(protocol)
    if not Label(label).in_visit:
        raise PostureError(f"A visit has a pre and a post assessment, not '{label}'.")
    begun = PostureError(f"The visit of {visit_date} has its {label} assessment already: continue it.")
    try:
        with writing(engine) as db:
            serialise_on(db, pseudonym)
            client = find_client(db, pseudonym)
            if client is None:
                raise PostureError(f"There is no client called '{pseudonym}'.")
            visit = next((v for v in client.visits if v.visit_date == visit_date), None) or Visit(
                client=client, visit_date=visit_date, notes="")
            if any(s.label == label for s in visit.sessions):
                raise begun
            session = Session(visit=visit, label=label, pain=pain, notes=notes, software_version=software_version(),
                              source="visit", protocol=list(protocol), tests=[])
            db.add(session)
            db.flush()
            return session.id
    except IntegrityError as e:          # begun at the same moment elsewhere: the database keeps one
        raise begun from e


def add_test(engine: Engine, session_id: int, result: TestResult, series: LandmarkSeries | None,
             profile: CameraProfile | None = None) -> int:
    """Add one measured test (with the camera profile it was measured with) to a visit's pre or post session, named
    by its id (the Visit page, the demo): the same writer as every other (records.record_tests); a repeat is kept
    beside the earlier one."""
    session = load_session(engine, session_id)
    if not Label(session.label).in_visit:
        raise PostureError(f"Session {session_id} is not a visit's pre or post assessment.")
    return record_tests(engine, session.visit.client.pseudonym, session.label, [(result, series)],
                        visit_date=session.visit.visit_date, profile=profile)


def delete_test(engine: Engine, session_id: int, test_id: int) -> str:
    """Delete one test recorded by mistake from a session (its measurements, landmarks and any kept recording with
    it), so that it can be measured again; the test's name. Only the session's own test is deleted, and a patient's
    home check is never changed here. A test a batch stored is imported again by the next run of that batch."""
    with writing(engine) as db:
        owner = db.scalar(select(Client.pseudonym).join(Visit).join(Session).where(Session.id == session_id))
        if owner is not None:
            serialise_on(db, owner)              # two tabs deleting at once: one deletes, the other is told
        session = db.get(Session, session_id)
        record = next((t for t in session.tests if t.id == test_id), None) if session is not None else None
        if record is None:
            raise PostureError("That test is not in this session any more: the page shows what is stored now.")
        if session.unadopted:
            raise PostureError("A patient's home check is kept as it was measured: adopt it, or leave it out.")
        test, video = record.test, record.video_path
        db.delete(record)
    if video:                                    # a recording kept with it (asked for) goes with it
        Path(video).unlink(missing_ok=True)
    return test


def set_visit_notes(engine: Engine, pseudonym: str, visit_date: date, notes: str) -> None:
    """The therapist's notes on one visit (what was treated, how the patient felt), shown on its report."""
    notes = limits.text(notes, "The visit's notes", limits.NOTE_CHARS, allow_newlines=True)
    with writing(engine) as db:
        serialise_on(db, pseudonym)
        visit = db.scalar(select(Visit).join(Client).where(Client.pseudonym == pseudonym,
                                                           Visit.visit_date == visit_date))
        if visit is None:
            raise PostureError(f"There is no visit of {visit_date} for '{pseudonym}': begin it first.")
        visit.notes = notes


def adopt_home_check(engine: Engine, session_id: int, label: str = Label.FOLLOW_UP) -> None:
    """The therapist takes a patient's home check into the clinical record under `label`; it never takes the place
    of a session that day already has (a pre or post slot that is filled is refused)."""
    if label not in ADOPTABLE:
        raise PostureError(f"A home check can be adopted as pre, post or follow-up, not '{label}'.")
    with writing(engine) as db:
        session = db.get(Session, session_id)
        if session is None or not session.unadopted:
            raise PostureError(f"Session {session_id} is not a home check waiting to be adopted.")
        serialise_on(db, session.visit.client.pseudonym)
        if Label(label).in_visit and any(s.label == label for s in session.visit.sessions):
            raise PostureError(f"The visit of {session.visit.visit_date} has a {label} session already: adopt the "
                               "home check as a follow-up instead.")
        session.label = label
        session.notes = (session.notes + "\n" if session.notes else "") + f"Home check, adopted as {label}."


def waiting_home_checks(engine: Engine) -> dict[str, int]:
    """Each client with home checks not yet adopted, and how many: what a therapist should look at."""
    with reading(engine) as db:
        return dict(db.execute(select(Client.pseudonym, func.count(Session.id)).select_from(Session).join(Visit)
                               .join(Client).where(Session.label == Label.HOME_CHECK).group_by(Client.pseudonym)
                               .order_by(Client.pseudonym)).all())


def comparable_pair(sessions: list[Session]) -> tuple[Session, Session] | None:
    """The two sessions a comparison shows unless the therapist picks others: of the latest visit with two clinic
    sessions holding tests, its pre and post, else its first and last; None when no visit has two. A patient's home
    check is never one of them until the therapist adopts it. The Compare page, the command line and the PDF use it.
    """
    visits: dict[int, list[Session]] = {}
    for s in sessions:
        if s.tests and not s.unadopted:
            visits.setdefault(s.visit_id, []).append(s)
    paired = [v for v in visits.values() if len(v) >= 2]
    if not paired:
        return None
    visit = max(paired, key=lambda v: (v[0].visit.visit_date, v[0].visit_id))
    pre = next((s for s in visit if s.label == Label.PRE), None)
    post = next((s for s in visit if s.label == Label.POST), None)
    return (pre, post) if pre and post else (visit[0], visit[-1])


def visit_pair(sessions: list[Session]) -> tuple[Session, Session]:
    """A visit's comparable pair (comparable_pair), or PostureError when it has fewer than two clinic sessions."""
    pair = comparable_pair(sessions)
    if pair is None:
        raise PostureError("A comparison needs two sessions with tests: this visit has fewer.")
    return pair


@dataclass(frozen=True)
class Battery:
    """Where a session stands in its battery: the tests done (in battery order), those skipped, what is left."""

    planned: tuple[str, ...]
    done: tuple[str, ...]
    skipped: frozenset[str] = frozenset()

    @property
    def todo(self) -> tuple[str, ...]:
        return tuple(t for t in self.planned if t not in self.done and t not in self.skipped)

    @property
    def next_test(self) -> str | None:
        return next(iter(self.todo), None)

    @property
    def complete(self) -> bool:
        """Every test done or skipped, and at least one measured."""
        return not self.todo and bool(self.done)


def battery(session: Session, skipped: set[str] | frozenset[str] = frozenset()) -> Battery:
    """The session's battery, which of its tests have a stored result, and those the therapist skipped."""
    measured = {t.test for t in session.tests}
    planned = tuple(session.protocol or ()) or tuple(t for t in TESTS if t in measured)   # begun elsewhere: as done
    return Battery(planned, tuple(t for t in planned if t in measured), frozenset(skipped))

