"""The clinic's records: client > visit > session > test > measurement.

Landmark series are kept (compressed) with each test so that it can be
re-analysed without the video; raw video is kept only when asked for.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from enum import StrEnum

from sqlalchemy import (JSON, CheckConstraint, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String,
                        Text, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Label(StrEnum):
    """What a session is in the client's record. A visit holds at most one PRE and one POST (the database says so);
    each HOME_CHECK and FOLLOW_UP is a session of its own."""

    PRE = "pre"
    POST = "post"
    HOME_CHECK = "home check"
    FOLLOW_UP = "follow-up"

    @property
    def in_visit(self) -> bool:
        """One of the visit's two slots: tests measured for it on one day gather in one session."""
        return self in (Label.PRE, Label.POST)


SESSION_LABELS = tuple(label.value for label in Label)
ADOPTABLE = (Label.FOLLOW_UP.value, Label.PRE.value, Label.POST.value)   # what a home check may become
VISIT_SLOT = text("label IN ('pre', 'post')")       # the partial unique index: one pre and one post per visit
CONDITIONS = ("strain", "disc herniation", "sciatica", "arthritis", "poor posture")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Client(Base):
    """A person under care, known by a pseudonym only."""

    __tablename__ = "clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(80), unique=True)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    conditions: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    signing_key: Mapped[str | None] = mapped_column(String(64))  # signs offline home-check files (store/bundle.py)
    height_cm: Mapped[float | None] = mapped_column(Float)       # standing height: centimetres in every test
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    visits: Mapped[list[Visit]] = relationship(back_populates="client", cascade="all, delete-orphan",
                                               order_by="Visit.visit_date")


class Visit(Base):
    """One appointment (or one day of home checks)."""

    __tablename__ = "visits"
    __table_args__ = (Index("uq_visit_day", "client_id", "visit_date", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    visit_date: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    client: Mapped[Client] = relationship(back_populates="visits")
    sessions: Mapped[list[Session]] = relationship(back_populates="visit", cascade="all, delete-orphan",
                                                   order_by="Session.recorded_at")


class Session(Base):
    """A set of tests taken together: before or after treatment, a home check, a follow-up."""

    __tablename__ = "sessions"
    __table_args__ = (CheckConstraint("pain IS NULL OR (pain >= 0 AND pain <= 10)", name="pain_0_10"),
                      Index("uq_visit_slot", "visit_id", "label", unique=True, sqlite_where=VISIT_SLOT,
                            postgresql_where=VISIT_SLOT))
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(20))
    pain: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    software_version: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20), default="video")   # how it was begun: video, live, visit, home
    bundle_id: Mapped[str | None] = mapped_column(String(40), unique=True, index=True)   # set when imported from a bundle
    protocol: Mapped[list | None] = mapped_column(JSON)          # the battery of tests planned for this session
    # A check measured on a patient's device: its run, and a SHA-256 of its landmarks, each stored once.
    device_run: Mapped[str | None] = mapped_column(String(40), unique=True, index=True)
    device_digest: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    @property
    def unadopted(self) -> bool:
        """A patient's home check the therapist has not adopted: kept apart, never judged (adopting relabels it)."""
        return self.label == Label.HOME_CHECK
    visit: Mapped[Visit] = relationship(back_populates="sessions")
    tests: Mapped[list[RecordedTest]] = relationship(back_populates="session", cascade="all, delete-orphan",
                                                   order_by="RecordedTest.id")


class RecordedTest(Base):
    """One test of a session, its trials and the landmark series it was measured on."""

    __tablename__ = "tests"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    test: Mapped[str] = mapped_column(String(40))
    view: Mapped[str] = mapped_column(String(20))
    detected_share: Mapped[float] = mapped_column(Float)
    notes: Mapped[list] = mapped_column(JSON, default=list)
    trial_frames: Mapped[list] = mapped_column(JSON, default=list)    # [start, peak, end] per repetition
    camera_angle_deg: Mapped[float | None] = mapped_column(Float)     # the camera's distance from the view
    protocol: Mapped[str] = mapped_column(String(80), default="")    # how the test was done (rotation: the arms)
    landmarks: Mapped[bytes | None] = mapped_column(LargeBinary)      # compressed .npz of the series
    batch_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)   # the batch row it came from
    video_path: Mapped[str | None] = mapped_column(Text)         # the recording, only when the user asked to keep it
    calibration: Mapped[dict | None] = mapped_column(JSON)       # the camera profile it was measured with, as saved
    session: Mapped[Session] = relationship(back_populates="tests")
    measurements: Mapped[list[MeasurementRecord]] = relationship(
        back_populates="test", cascade="all, delete-orphan", order_by="MeasurementRecord.id")


class MeasurementRecord(Base):
    """One clinical number with its unit, quality, per-trial values and spread (value NULL when withheld)."""

    __tablename__ = "measurements"
    id: Mapped[int] = mapped_column(primary_key=True)
    test_id: Mapped[int] = mapped_column(ForeignKey("tests.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    quality: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    flags: Mapped[list] = mapped_column(JSON, default=list)
    trials: Mapped[list] = mapped_column(JSON, default=list)
    spread: Mapped[float | None] = mapped_column(Float)
    maximum: Mapped[float | None] = mapped_column(Float)
    withheld: Mapped[str | None] = mapped_column(String(20))     # why the value is not shown, as a code (Withheld)
    uncertainty: Mapped[float | None] = mapped_column(Float)     # the +/- stated with the value when it was measured
    test: Mapped[RecordedTest] = relationship(back_populates="measurements")


class Protocol(Base):
    """A battery of tests a therapist saved under a name, run in this order before and after treatment."""

    __tablename__ = "protocols"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    tests: Mapped[list] = mapped_column(JSON)


class Therapist(Base):
    """Someone who may open the therapist pages: a name and an Argon2id hash of the password, never the password."""

    __tablename__ = "therapists"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)     # wrong passwords since the last right one
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)     # no login accepted before then (UTC)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Login(Base):
    """A therapist's login in one browser: it lasts until it expires or the therapist logs out (which ends every
    login of theirs, in every tab). The browser holds the token in a cookie; only a SHA-256 of it is kept here."""

    __tablename__ = "logins"
    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    therapist: Mapped[Therapist] = relationship()


class ClinicSetting(Base):
    """One of the clinic's own settings, by name (its name on reports)."""

    __tablename__ = "clinic_settings"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class HomeCode(Base):
    """A patient's way in: the code opens the home check and that one client's own results, until it expires or is
    withdrawn. Only a hash of it is kept (it is a long random string, so SHA-256 suffices)."""

    __tablename__ = "home_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(8))                        # its last characters, to tell codes apart
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
