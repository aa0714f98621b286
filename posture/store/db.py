"""Opening the database: SQLite file by default (or any SQLAlchemy URL), migrated to the latest schema.

A new SQLite file and its folder are owner-only. Setting up and upgrading the schema take turns between
processes (a lock file beside an SQLite database, an advisory lock on PostgreSQL); an SQLite database of an
older schema is copied beside itself before it is upgraded; one of a newer schema is refused.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from contextlib import closing, contextmanager
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from posture import settings
from posture.errors import PostureError

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
SETUP_TIMEOUT_S = 120.0          # how long to wait for another process setting up or upgrading the schema
SETUP_LOCK_KEY = 7_371_086       # PostgreSQL advisory lock taken while the schema is set up or upgraded
log = logging.getLogger(__name__)


class StorageError(PostureError):
    """The database cannot be read or written; nothing was changed."""

    kind = "storage"


def database_url(target: str | Path | None = None) -> str:
    """A SQLAlchemy URL from a URL or a file path given, else settings.database() ($POSTURE_DB or data/posture.db)."""
    target = settings.database(target)
    if "://" in target:
        return target
    return f"sqlite:///{Path(target).expanduser()}"


def safe_url(target: str | Path) -> str:
    """The database's path or URL as it may be shown or logged: any password replaced by ***."""
    target = str(target)
    if "://" not in target:
        return target
    try:
        return make_url(target).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):          # not a URL SQLAlchemy reads: hide whatever sits before the @
        return re.sub(r"(://[^/:@]*:).*@", r"\1***@", target)


def _without_password(message: str, url: URL) -> str:
    return message.replace(url.password, "***") if isinstance(url.password, str) and url.password else message


def _sqlite_file(url: URL) -> Path | None:
    """The file of an SQLite URL; None for another database, an in-memory one or a file: URI."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") or url.query.get("uri"):
        return None
    return Path(url.database).expanduser()


def _private_file(path: Path) -> None:
    """The database's folder (0700) and file (0600) made owner-only when they do not exist yet."""
    try:
        if not path.parent.is_dir():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as e:
        why = "a file of that name is in the way" if isinstance(e, FileExistsError) else e.strerror or e
        raise StorageError(f"The folder {path.parent} for the database cannot be made ({why}): "
                           "give --db or $POSTURE_DB a path in a folder you may write to.") from e
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as e:
        raise StorageError(f"The database {path} cannot be created ({e.strerror or e}): "
                           "give --db or $POSTURE_DB a path in a folder you may write to.") from e


def _sqlite_setup(engine: Engine) -> None:
    """WAL journal, foreign keys, a busy timeout, and BEGIN IMMEDIATE for writes.

    The driver's own transaction handling is switched off so that SQLAlchemy's
    BEGIN is the real one: a write takes the lock up front and cannot deadlock
    with another writer half-way through.
    """
    @event.listens_for(engine, "connect")
    def _connect(dbapi, _record):
        dbapi.isolation_level = None
        for pragma in ("foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_MS}", "synchronous=FULL"):
            dbapi.execute(f"PRAGMA {pragma}")
        _write_ahead_log(dbapi)

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


def _write_ahead_log(dbapi: sqlite3.Connection) -> None:
    """Switch the file to WAL, again until the busy timeout: on a new file, processes switching it at the same
    moment get "database is locked" at once, without SQLite's own busy wait."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            dbapi.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision`, one process at a time; data is carried over by each migration.

    An SQLite database of an older schema is backed up beside itself first; a newer schema is refused.
    """
    cfg = alembic_config(engine)
    script = ScriptDirectory.from_config(cfg)
    target = script.get_current_head() if revision == "head" else revision
    if _known_revision(engine, script) == target:
        return
    with _setup_lock(engine):
        current = _known_revision(engine, script)          # another process may have done it meanwhile
        if current == target:
            return
        if current is not None:
            _backup(engine, current)
        try:
            command.upgrade(cfg, revision)
        except OperationalError:
            if schema_revision(engine) != target:     # another program may have migrated at the same moment
                raise


def _known_revision(engine: Engine, script: ScriptDirectory) -> str | None:
    """The database's schema revision (None when new), refused when this code does not know it."""
    current = schema_revision(engine)
    if current is not None and current not in {r.revision for r in script.walk_revisions()}:
        raise StorageError(f"This database was written by a newer posture (schema {current}); "
                           "update posture to open it.")
    return current


@contextmanager
def _setup_lock(engine: Engine) -> Iterator[None]:
    """Setting up or upgrading the schema, one process at a time (SQLite's own lock cannot do it: the
    migration reads before it writes, and a reader turned writer fails at once when another wrote first)."""
    path = _sqlite_file(engine.url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SETUP_LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SETUP_LOCK_KEY})
                conn.commit()
    elif path is not None:
        with _file_lock(path.with_name(f"{path.name}.lock")):
            yield
    else:
        yield


@contextmanager
def _file_lock(lock: Path) -> Iterator[None]:
    """An exclusive lock on an owner-only file beside the database, waited for up to SETUP_TIMEOUT_S."""
    import fcntl

    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        raise StorageError(f"The database cannot be set up or upgraded: its lock file {lock} cannot be made "
                           f"({e.strerror or e}); make its folder writable.") from e
    try:
        deadline = time.monotonic() + SETUP_TIMEOUT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StorageError(f"Another program has been setting up or upgrading this database for "
                                       f"{SETUP_TIMEOUT_S:.0f} s: nothing was changed; try again when it has "
                                       "finished.") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)                  # releases the lock; a killed process's lock goes with it


def _backup(engine: Engine, revision: str) -> None:
    """An owner-only copy of an SQLite database about to be upgraded, beside it: posture.db.backup-0003-<date>.

    PostgreSQL databases are backed up by their operator (docs/privacy.md). A database without clients has nothing to
    lose (a first set-up cut short, which goes on from where it stopped): no copy.
    """
    path = _sqlite_file(engine.url)
    if path is None:
        return
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT EXISTS (SELECT 1 FROM clients)")):
            return
    stem = f"{path.name}.backup-{revision}-{date.today().isoformat()}"
    copy, n, made = path.with_name(stem), 1, False
    try:
        while not made:
            try:
                os.close(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                made = True
            except FileExistsError:
                n += 1
                copy = path.with_name(f"{stem}-{n}")
        with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)) as src, \
                closing(sqlite3.connect(copy)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")           # one self-contained file
    except (OSError, sqlite3.Error) as e:
        if made:
            copy.unlink(missing_ok=True)
        raise StorageError(f"The database needs an upgrade from schema {revision}, but its backup {copy} could "
                           f"not be written ({e}): nothing was changed; free some space or make the folder "
                           "writable, then open it again.") from e
    log.warning("Backed up %s to %s before upgrading its schema from %s.", path, copy, revision)


def open_database(target: str | Path | None = None, upgrade: bool = True) -> Engine:
    """The engine for the clinic database, created or migrated as needed; a new SQLite file is owner-only."""
    url = database_url(target)
    shown = safe_url(url)
    try:
        parsed = make_url(url)
        sqlite = parsed.get_backend_name() == "sqlite"
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000} if sqlite else {})
    except (ArgumentError, ValueError) as e:         # NoSuchModuleError (an unknown kind of database) included
        raise StorageError(f"{shown} is not a database posture can use: give a file path, or a URL such as "
                           "postgresql+psycopg://user@host/db.") from e
    except ImportError as e:
        raise StorageError(f"The driver for {parsed.drivername} databases is not installed here: install it, "
                           "or give a file path for an SQLite database.") from e
    if (path := _sqlite_file(parsed)) is not None:
        _private_file(path)
    if sqlite:
        _sqlite_setup(engine)
    try:
        if upgrade:
            migrate(engine)
    except SQLAlchemyError as e:
        problem = _without_password(f"{e.__class__.__name__}: {str(e).splitlines()[0]}", parsed)
        raise StorageError(f"The database at {shown} cannot be opened or upgraded: {problem}") from e
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
