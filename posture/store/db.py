"""Opening the database: SQLite file by default (or any SQLAlchemy URL), migrated to the latest schema."""

from __future__ import annotations

import os
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from posture.errors import PostureError

DEFAULT_DB = Path("data") / "posture.db"
MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 30_000


class StorageError(PostureError):
    """The database cannot be read or written; nothing was changed."""


def database_url(target: str | Path | None = None) -> str:
    """A SQLAlchemy URL from a URL, a file path, $POSTURE_DB, or the default data/posture.db."""
    target = str(target or os.environ.get("POSTURE_DB") or DEFAULT_DB)
    if "://" in target:
        return target
    Path(target).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(target).expanduser()}"


def _sqlite_setup(engine: Engine) -> None:
    """WAL journal, foreign keys, a busy timeout, and BEGIN IMMEDIATE for writes.

    The driver's own transaction handling is switched off so that SQLAlchemy's
    BEGIN is the real one: a write takes the lock up front and cannot deadlock
    with another writer half-way through.
    """
    @event.listens_for(engine, "connect")
    def _connect(dbapi, _record):
        dbapi.isolation_level = None
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", f"busy_timeout={BUSY_TIMEOUT_MS}",
                       "synchronous=FULL"):
            dbapi.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision`; data is carried over by each migration."""
    cfg = alembic_config(engine)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    if revision == "head" and schema_revision(engine) == head:
        return
    try:
        command.upgrade(cfg, revision)
    except OperationalError:
        if schema_revision(engine) != head:     # another process may have migrated at the same moment
            raise


def open_database(target: str | Path | None = None, upgrade: bool = True) -> Engine:
    """The engine for the clinic database, created or migrated as needed."""
    url = database_url(target)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000} if url.startswith("sqlite") else {})
    if url.startswith("sqlite"):
        _sqlite_setup(engine)
    try:
        if upgrade:
            migrate(engine)
    except SQLAlchemyError as e:
        raise StorageError(f"The database at {url} cannot be opened or upgraded: {e.__class__.__name__}: "
                           f"{str(e).splitlines()[0]}") from e
    return engine


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """One all-or-nothing write: committed at the end, rolled back on any error."""
    session = Session(engine.execution_options(write=True), expire_on_commit=False)
    try:
        with session.begin():
            yield session
    except OperationalError as e:
        text = str(e.orig) if e.orig else str(e)
        if "locked" in text or "busy" in text:
            raise StorageError("The database is busy (another program is writing to it): nothing was saved; "
                               "try again in a moment.") from e
        if "full" in text:
            raise StorageError("The disk is full: nothing was saved. Free some space and try again.") from e
        raise StorageError(f"Nothing was saved: the database refused the write ({text}).") from e
    finally:
        session.close()


def serialise_on(db: Session, key: str) -> None:
    """Make concurrent writes about the same key (a client) take turns, until this transaction ends.

    SQLite writes already take turns (BEGIN IMMEDIATE); PostgreSQL gets a transaction advisory lock.
    """
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    session = Session(engine)
    try:
        yield session
    finally:
        session.close()
