"""Who may open what in the app: therapist accounts and patients' home-check codes.

A therapist logs in with a name and password. The password is kept only as
an Argon2id hash (argon2-cffi, its recommended parameters); wrong passwords
lock the account for a time that doubles with each further one, kept in the
database so that a restart does not reset it. A patient gets a code from the
therapist: it opens the home check and that client's own results, nothing
else, until it expires or is withdrawn. Codes are long random strings, so a
SHA-256 hash of each is what is kept, as of each login's token (the browser's
cookie that keeps a therapist logged in across a reload, for LOGIN_HOURS or
until they log out, which ends it in every tab). The very first account takes a one-time
set-up token the server wrote owner-only beside the database (who may make it
is never decided by where a request seems to come from). The command line is
local and needs neither.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select

from posture.errors import PostureError
from posture.store.models import Client, HomeCode, Login, Therapist, utcnow
from posture.store import codes
from posture.store.db import reading, writing
from posture.store.records import find_client

MIN_PASSWORD = 10                # characters
FREE_TRIES = 5                   # wrong passwords before the first lock
FIRST_LOCK_S = 30                # then 30 s, doubling with each wrong one, at most MAX_LOCK_S
MAX_LOCK_S = 15 * 60
CODE_GROUPS, CODE_GROUP = 3, 4   # ABCD-EFGH-JKMN: 12 characters, 59 bits
CODE_DAYS = 30
LOGIN_HOURS = 12                 # a therapist's login lasts a working day, unless they log out first
# Every refused login, whoever the name and whether or not the account is locked: a name cannot be found out.
WRONG_LOGIN = ("Wrong name or password, or too many wrong tries: check them, or wait a few minutes (the wait "
               "doubles with each wrong try) and try again.")
WRONG_TOKEN = ("That is not the set-up token this server printed: copy it from the server's console "
               "(or its .setup-token file beside the database).")
BAD_CODE = "This code is not valid: check it, or ask your therapist for a new one."

_hasher = PasswordHasher()
_NOBODY = _hasher.hash("a password no account has")      # verified against for unknown names: the same time taken


class AccessError(PostureError):
    """A login or code that is refused, in one sentence the person can act on."""

    kind = "access"


@dataclass(frozen=True)
class CodeInfo:
    id: int
    hint: str                    # the code's last four characters
    created: datetime
    expires: datetime
    active: bool


# Therapists

def has_therapist(engine: Engine) -> bool:
    """Whether any therapist account exists (none at the first start)."""
    with reading(engine) as db:
        return db.scalar(select(Therapist.id).limit(1)) is not None


def first_start_token(engine: Engine, path: Path) -> str | None:
    """At a server's start while no therapist account exists: a new one-time set-up token, written owner-only to
    `path` (for the person who runs the server, who also sees it on the console). None, and no token file left,
    once an account exists. Who may make the first account is decided by this token, never by where a request
    seems to come from (a forwarder on the server makes any request look local)."""
    if has_therapist(engine):
        with suppress(FileNotFoundError):
            path.unlink()
        return None
    token = secrets.token_urlsafe(18)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileNotFoundError):
        path.unlink()                        # a file left by someone else is replaced, never written through
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return token


def create_first_account(engine: Engine, path: Path, token: str, name: str, password: str) -> str:
    """The first therapist account, made only with the set-up token the server wrote to `path`; the token is used up.
    AccessError when the token is wrong or missing, or an account exists already."""
    try:
        expected = path.read_text().strip()
    except OSError:
        expected = ""
    if not expected or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise AccessError(WRONG_TOKEN)
    if has_therapist(engine):
        raise AccessError("The therapist account exists already: log in with it.")
    set_password(engine, name, password)
    with suppress(FileNotFoundError):
        path.unlink()
    return name.strip()


def set_password(engine: Engine, name: str, password: str) -> None:
    """Create the account `name`, or give it a new password (which also lifts a lock and ends its logins)."""
    name = name.strip()
    if not name or len(name) > 80:
        raise AccessError("Give the account a name of 1 to 80 characters.")
    if len(password) < MIN_PASSWORD:
        raise AccessError(f"Choose a password of at least {MIN_PASSWORD} characters.")
    with writing(engine) as db:
        account = db.scalar(select(Therapist).where(Therapist.name == name))
        if account is None:
            account = Therapist(name=name, password_hash="")
            db.add(account)
        account.password_hash = _hasher.hash(password)
        account.failed_logins, account.locked_until = 0, None
        for login in db.scalars(select(Login).where(Login.therapist_id == account.id, Login.ended_at.is_(None))):
            login.ended_at = utcnow()            # a new password ends the logins the old one opened


def log_in(engine: Engine, name: str, password: str, now: datetime | None = None) -> str:
    """The account's name when the password is right; AccessError otherwise (wrong, or locked for a while), in the
    same sentence whatever the reason.

    The account's row is locked while its count is read and written (PostgreSQL: SELECT ... FOR UPDATE; SQLite
    writes one at a time), so simultaneous wrong passwords are each counted.
    """
    now = now or utcnow()
    with writing(engine) as db:              # a wrong password is counted (committed) before it is refused
        account = db.scalar(select(Therapist).where(Therapist.name == name.strip()).with_for_update())
        refusal = _refusal(account, password, now)
        if account is not None and not refusal and _hasher.check_needs_rehash(account.password_hash):
            account.password_hash = _hasher.hash(password)
    if refusal:
        raise AccessError(refusal)
    return account.name


def _refusal(account: Therapist | None, password: str, now: datetime) -> str:
    """Why this login is refused ('' when it is not), with the account's count of wrong passwords brought up to date."""
    if account is None:
        _verify(_NOBODY, password)
        return WRONG_LOGIN
    if account.locked_until is not None and now < account.locked_until:
        _verify(account.password_hash, password)       # the same work as any refusal: its time tells nothing
        return WRONG_LOGIN
    if _verify(account.password_hash, password):
        account.failed_logins, account.locked_until = 0, None
        return ""
    account.failed_logins += 1
    if account.failed_logins >= FREE_TRIES:
        lock = min(FIRST_LOCK_S * 2 ** (account.failed_logins - FREE_TRIES), MAX_LOCK_S)
        account.locked_until = now + timedelta(seconds=lock)
    return WRONG_LOGIN


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


# Patients' codes

def new_home_code(engine: Engine, pseudonym: str, days: int = CODE_DAYS, now: datetime | None = None) -> str:
    """A new code for the client, valid for `days`; shown once (only its hash is kept)."""
    if not 1 <= days <= 365:
        raise AccessError("A code lasts 1 to 365 days.")
    now = now or utcnow()
    code = codes.new_code(CODE_GROUPS * CODE_GROUP, CODE_GROUP)
    raw = codes.normalise(code)
    with writing(engine) as db:
        client = _client(db, pseudonym)
        db.add(HomeCode(client_id=client.id, code_hash=_code_hash(raw), hint=raw[-4:], created_at=now,
                        expires_at=now + timedelta(days=days)))
    return code


def client_for_code(engine: Engine, code: str, now: datetime | None = None) -> str:
    """The pseudonym of the client the code opens; AccessError when it is unknown, expired or withdrawn."""
    raw = codes.normalise(code)
    if len(raw) != CODE_GROUPS * CODE_GROUP:
        raise AccessError(BAD_CODE)
    now = now or utcnow()
    with reading(engine) as db:
        found = db.scalar(select(HomeCode).where(HomeCode.code_hash == _code_hash(raw)))
        if found is None or not hmac.compare_digest(found.code_hash, _code_hash(raw)):
            raise AccessError(BAD_CODE)
        if found.revoked_at is not None:
            raise AccessError("Your therapist has withdrawn this code: ask them for a new one.")
        if now >= found.expires_at:
            raise AccessError(f"This code expired on {found.expires_at:%d %B %Y}: ask your therapist for a new one.")
        return db.get(Client, found.client_id).pseudonym


def home_codes(engine: Engine, pseudonym: str, now: datetime | None = None) -> list[CodeInfo]:
    """The client's codes, newest first, each with whether it still opens the home check."""
    now = now or utcnow()
    with reading(engine) as db:
        client = _client(db, pseudonym)
        rows = db.scalars(select(HomeCode).where(HomeCode.client_id == client.id).order_by(HomeCode.id.desc()))
        return [CodeInfo(c.id, c.hint, c.created_at, c.expires_at, c.revoked_at is None and now < c.expires_at)
                for c in rows]


def revoke_home_codes(engine: Engine, pseudonym: str, now: datetime | None = None) -> int:
    """Withdraw every code of the client that still works; how many were withdrawn."""
    now = now or utcnow()
    with writing(engine) as db:
        client = _client(db, pseudonym)
        live = db.scalars(select(HomeCode).where(HomeCode.client_id == client.id, HomeCode.revoked_at.is_(None),
                                                 HomeCode.expires_at > now)).all()
        for c in live:
            c.revoked_at = now
        return len(live)


def open_login(engine: Engine, name: str, now: datetime | None = None) -> str:
    """A new login for the account `name` (just checked by log_in or made by create_first_account): a random token
    for the browser's cookie, valid LOGIN_HOURS; only its hash is kept."""
    now, token = now or utcnow(), secrets.token_urlsafe(32)
    with writing(engine) as db:
        account = db.scalar(select(Therapist).where(Therapist.name == name))
        if account is None:
            raise AccessError(WRONG_LOGIN)
        db.add(Login(therapist=account, token_hash=_code_hash(token), created_at=now,
                     expires_at=now + timedelta(hours=LOGIN_HOURS)))
    return token


def login_name(engine: Engine, token: str, now: datetime | None = None) -> str | None:
    """The therapist a login token belongs to while it lasts; None once it expired or its therapist logged out, or
    for any other string."""
    now = now or utcnow()
    with reading(engine) as db:
        login = db.scalar(select(Login).where(Login.token_hash == _code_hash(token)))
        if login is None or login.ended_at is not None or login.expires_at <= now:
            return None
        return login.therapist.name


def end_logins(engine: Engine, name: str, now: datetime | None = None) -> int:
    """Log the therapist out everywhere: every login of theirs ends (each tab and browser finds it at its next
    step); how many were open."""
    now = now or utcnow()
    with writing(engine) as db:
        logins = db.scalars(select(Login).join(Therapist).where(Therapist.name == name, Login.ended_at.is_(None),
                                                                 Login.expires_at > now)).all()
        for login in logins:
            login.ended_at = now
        return len(logins)


def _code_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _client(db, pseudonym: str) -> Client:
    client = find_client(db, pseudonym)
    if client is None:
        raise AccessError(f"There is no client '{pseudonym}'.")
    return client
