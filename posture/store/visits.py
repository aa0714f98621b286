"""The therapist's visit: a battery of tests before treatment, the same battery after, and the client's height.

A visit holds one "pre" and one "post" session. Each is opened with the
battery it will run (the protocol), and the tests are added to it one by one
as they are measured, live or from recordings, so that the comparison pairs
the same tests. A test measured twice in a session keeps both records; the
later one is the one compared (nothing is lost).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import Engine, select

from posture import limits
from posture.calibration import CameraProfile, check_height
from posture.errors import PostureError
from posture.landmarks import LandmarkSeries
from posture.measures import TESTS, TestResult
from posture.store.db import reading, serialise_on, writing
from posture.store.models import Client, Protocol, Session, Visit
from posture.store.records import (check_session_fields, find_client, load_session, save_session, software_version,
                                   test_record)

# The battery offered before any is saved: every test, posture first (the body at rest), then the movements.
FULL_ASSESSMENT = "Full assessment"
BUILT_IN = {FULL_ASSESSMENT: ("posture-frontal", "posture-sagittal", "forward-bend", "side-bend", "rotation")}
VISIT_LABELS = ("pre", "post")
HOME_CHECK = "home check"


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


def begin_session(engine: Engine, pseudonym: str, label: str, protocol: tuple[str, ...], visit_date: date,
                  pain: int | None = None, profile: CameraProfile | None = None, notes: str = "") -> int:
    """Open the visit's pre or post session with its battery; the post session must run the pre's battery."""
    pain, notes = check_session_fields(label, pain, visit_date, notes)
    protocol = check_protocol(protocol)
    if label not in VISIT_LABELS:
        raise PostureError(f"A visit has a pre and a post assessment, not '{label}'.")
    with writing(engine) as db:
        serialise_on(db, pseudonym)
        client = find_client(db, pseudonym)
        if client is None:
            raise PostureError(f"There is no client called '{pseudonym}'.")
        visit = next((v for v in client.visits if v.visit_date == visit_date), None) or Visit(
            client=client, visit_date=visit_date, notes="")
        if any(s.label == label for s in visit.sessions):
            raise PostureError(f"The visit of {visit_date} has its {label} assessment already: continue it.")
        session = Session(visit=visit, label=label, pain=pain, notes=notes, software_version=software_version(),
                          calibration=asdict(profile) if profile else None, source="visit",
                          protocol=list(protocol), tests=[])
        db.add(session)
        db.flush()
        return session.id


def add_test(engine: Engine, session_id: int, result: TestResult, series: LandmarkSeries | None) -> None:
    """Add one measured test to an open session (a repeat is kept beside the earlier one)."""
    with writing(engine) as db:
        session = db.get(Session, session_id)
        if session is None:
            raise PostureError(f"There is no session {session_id}.")
        session.tests.append(test_record(result, series))


def record_test(engine: Engine, pseudonym: str, label: str, result: TestResult, series: LandmarkSeries | None,
                visit_date: date | None = None, pain: int | None = None, notes: str = "",
                profile: CameraProfile | None = None, source: str = "video") -> int:
    """Add one test to the day's pre or post session of the client (made when there is none yet); other labels
    (home check, follow-up) get a session of their own. The session's id."""
    visit_date = visit_date or date.today()
    open_session = visit_session(engine, pseudonym, visit_date, label) if label in VISIT_LABELS else None
    if open_session is None:
        return save_session(engine, pseudonym, label, [(result, series)], visit_date=visit_date, pain=pain,
                            notes=notes, profile=profile, source=source)
    add_test(engine, open_session.id, result, series)
    return open_session.id


def adopt_home_check(engine: Engine, session_id: int, label: str = "follow-up") -> None:
    """The therapist takes a patient's home check into the clinical record under `label`; it never takes the place
    of a session that day already has (a pre or post slot that is filled is refused)."""
    if label not in ("pre", "post", "follow-up"):
        raise PostureError(f"A home check can be adopted as pre, post or follow-up, not '{label}'.")
    with writing(engine) as db:
        session = db.get(Session, session_id)
        if session is None or session.label != HOME_CHECK:
            raise PostureError(f"Session {session_id} is not a home check waiting to be adopted.")
        serialise_on(db, session.visit.client.pseudonym)
        if label in VISIT_LABELS and any(s.label == label for s in session.visit.sessions):
            raise PostureError(f"The visit of {session.visit.visit_date} has a {label} session already: adopt the "
                               "home check as a follow-up instead.")
        session.label = label
        session.notes = (session.notes + "\n" if session.notes else "") + f"Home check, adopted as {label}."


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

