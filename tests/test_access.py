"""Therapist accounts and patients' home-check codes, on a real SQLite file (posture.store.access)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from posture.store.access import (CODE_DAYS, FREE_TRIES, WRONG_LOGIN, AccessError, client_for_code, has_therapist,
                                  home_codes, log_in, new_home_code, revoke_home_codes, set_password)
from posture.store.db import open_database, reading
from posture.store.models import HomeCode, Therapist
from posture.store.records import add_client

PASSWORD = "a long enough password"
T0 = datetime(2026, 11, 24, 9, 0)


@pytest.fixture
def engine(tmp_path):
    e = open_database(tmp_path / "clinic.db")
    add_client(e, "PT-1")
    add_client(e, "PT-2")
    return e


def test_the_password_is_kept_only_as_an_argon2id_hash(engine):
    assert not has_therapist(engine)
    set_password(engine, "Anna", PASSWORD)
    with reading(engine) as db:
        (stored,) = db.scalars(select(Therapist.password_hash)).all()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert has_therapist(engine) and log_in(engine, " Anna ", PASSWORD) == "Anna"


@pytest.mark.parametrize("name, password, words", [("", PASSWORD, "name of 1 to 80"), ("A" * 81, PASSWORD, "1 to 80"),
                                                   ("Anna", "9 chars!!", "at least 10")])
def test_a_bad_name_or_short_password_is_refused(engine, name, password, words):
    with pytest.raises(AccessError, match=words):
        set_password(engine, name, password)
    assert not has_therapist(engine)


def refused(engine, name: str, password: str, now: datetime) -> str:
    with pytest.raises(AccessError) as e:
        log_in(engine, name, password, now=now)
    return str(e.value)


def test_wrong_passwords_lock_the_account_for_a_doubling_time_that_a_restart_keeps(engine, tmp_path):
    set_password(engine, "Anna", PASSWORD)
    for k in range(4):                                   # four free tries
        assert refused(engine, "Anna", f"guess {k}", T0) == WRONG_LOGIN
    assert refused(engine, "Anna", "guess 5", T0) == WRONG_LOGIN        # the fifth locks for 30 s
    again = open_database(tmp_path / "clinic.db")        # a restarted server: the lock holds
    assert refused(again, "Anna", PASSWORD, T0 + timedelta(seconds=29)) == WRONG_LOGIN   # even the right password
    assert refused(again, "Anna", "guess 6", T0 + timedelta(seconds=31)) == WRONG_LOGIN  # locks for 60 s
    assert refused(again, "Anna", PASSWORD, T0 + timedelta(seconds=90)) == WRONG_LOGIN
    assert log_in(again, "Anna", PASSWORD, now=T0 + timedelta(seconds=92)) == "Anna"
    assert refused(again, "Anna", "guess 7", T0 + timedelta(seconds=93)) == WRONG_LOGIN  # counted from 0 again
    assert log_in(again, "Anna", PASSWORD, now=T0 + timedelta(seconds=94)) == "Anna"


def test_every_refused_login_is_the_same_sentence_whoever_the_name(engine):
    """An unknown name, a wrong password and a locked account: nothing tells which names exist (the tester's sixth
    wrong password said "Too many wrong passwords" only for a real name)."""
    set_password(engine, "Anna", PASSWORD)
    for k in range(6):
        assert refused(engine, "Anna", f"guess {k}", T0) == refused(engine, "Bob", f"guess {k}", T0) == WRONG_LOGIN


def test_a_locked_account_takes_the_same_work_to_refuse_as_an_unknown_name(engine, monkeypatch):
    """A locked account answered 170 times faster than an unknown name (no password hash checked): its speed told
    that the name exists. Every refusal checks one hash."""
    import posture.store.access as access

    set_password(engine, "Anna", PASSWORD)
    for k in range(5):
        refused(engine, "Anna", f"guess {k}", T0)                      # locked now
    checked = []
    real = access._verify
    monkeypatch.setattr(access, "_verify", lambda stored, password: checked.append(1) or real(stored, password))
    for name, password in (("Anna", "guess 6"), ("Anna", PASSWORD), ("Bob", "guess"), ("Anna", "wrong")):
        checked.clear()
        refused(engine, name, password, T0 + timedelta(seconds=1))
        assert checked == [1], name


def test_simultaneous_wrong_passwords_are_each_counted_and_lock_on_both_databases(db_url):
    """The tester's 20 wrong passwords at once left PostgreSQL's count at 2 and no lock (read, add one, write back):
    now they are counted one after another, as SQLite did: the fifth locks, the rest meet the lock, and the right
    password is refused straight after."""
    from concurrent.futures import ThreadPoolExecutor

    engine = open_database(db_url)
    set_password(engine, "Anna", PASSWORD)
    with ThreadPoolExecutor(20) as pool:
        sentences = list(pool.map(lambda k: refused(engine, "Anna", f"guess {k}", T0), range(20)))
    assert sentences == [WRONG_LOGIN] * 20
    with reading(engine) as db:
        account = db.scalar(select(Therapist))
    assert account.failed_logins == FREE_TRIES and account.locked_until > T0
    assert refused(engine, "Anna", PASSWORD, T0 + timedelta(seconds=1)) == WRONG_LOGIN


def test_a_login_lasts_a_working_day_is_kept_as_a_hash_and_logging_out_ends_it_everywhere(engine):
    from posture.store.access import LOGIN_HOURS, end_logins, login_name, open_login
    from posture.store.models import Login

    set_password(engine, "Anna", "a long enough password")
    set_password(engine, "Ben", "another long password")
    start = datetime(2026, 3, 2, 8, 0)
    tab, browser2, ben = (open_login(engine, name, start) for name in ("Anna", "Anna", "Ben"))
    assert len({tab, browser2, ben}) == 3 and len(tab) >= 40                    # 32 random bytes, URL-safe
    with reading(engine) as db:
        hashes = set(db.scalars(select(Login.token_hash)))
    assert tab not in hashes and len(hashes) == 3                               # only their hashes are stored
    assert login_name(engine, tab, start) == "Anna" and login_name(engine, ben, start) == "Ben"
    assert login_name(engine, "not a token", start) is None
    assert login_name(engine, tab, start + timedelta(hours=LOGIN_HOURS)) is None          # expired
    assert end_logins(engine, "Anna", start + timedelta(hours=1)) == 2            # every tab and browser of hers
    assert login_name(engine, tab, start + timedelta(hours=1)) is None
    assert login_name(engine, browser2, start + timedelta(hours=1)) is None
    assert login_name(engine, ben, start + timedelta(hours=1)) == "Ben"           # another therapist stays in
    with pytest.raises(AccessError):
        open_login(engine, "Nobody", start)


def test_a_code_opens_its_own_client_only_until_it_expires(engine):
    code = new_home_code(engine, "PT-1", now=T0)
    other = new_home_code(engine, "PT-2", now=T0)
    assert len(code) == 14 and code[4] == code[9] == "-"
    assert client_for_code(engine, code, now=T0) == "PT-1"
    assert client_for_code(engine, code.lower().replace("-", " "), now=T0) == "PT-1"     # as read out or typed
    assert client_for_code(engine, other, now=T0) == "PT-2"
    last = T0 + timedelta(days=CODE_DAYS) - timedelta(seconds=1)
    assert client_for_code(engine, code, now=last) == "PT-1"
    with pytest.raises(AccessError, match="expired on 24 December 2026"):
        client_for_code(engine, code, now=last + timedelta(seconds=1))
    with reading(engine) as db:                          # only a hash is kept
        assert code.replace("-", "") not in {c.code_hash for c in db.scalars(select(HomeCode))}


@pytest.mark.parametrize("typed", ["", "ABCD", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKMN", "' OR 1=1 --"])
def test_an_unknown_or_malformed_code_is_one_sentence(engine, typed):
    new_home_code(engine, "PT-1")
    with pytest.raises(AccessError, match="This code is not valid"):
        client_for_code(engine, typed)


def test_withdrawing_stops_every_working_code_of_that_client_alone(engine):
    first, second = new_home_code(engine, "PT-1", now=T0), new_home_code(engine, "PT-1", now=T0)
    other = new_home_code(engine, "PT-2", now=T0)
    assert revoke_home_codes(engine, "PT-1", now=T0) == 2
    for code in (first, second):
        with pytest.raises(AccessError, match="withdrawn"):
            client_for_code(engine, code, now=T0)
    assert client_for_code(engine, other, now=T0) == "PT-2"
    assert [c.active for c in home_codes(engine, "PT-1", now=T0)] == [False, False]
    assert [(c.hint, c.active) for c in home_codes(engine, "PT-2", now=T0)] == [(other[-4:], True)]


@pytest.mark.parametrize("days", [0, 366])
def test_a_code_lasts_one_to_365_days(engine, days):
    with pytest.raises(AccessError, match="1 to 365 days"):
        new_home_code(engine, "PT-1", days)


@pytest.mark.parametrize("url, problem", [
    ("https://clinic.example.org", None),
    ("https://192.168.1.20:8501", None),
    ("http://localhost:8501", "opens only here"),
    ("https://127.0.0.1:8501", "opens only here"),
    ("http://[::1]:8501", "opens only here"),
    ("http://192.168.1.20:8501", "only over https"),
    ("", None),                                          # the browser gave no address
])
def test_a_link_a_patient_could_not_use_is_said_to_the_therapist(url, problem):
    from app_pages.access import link_warning

    warning = link_warning(url)
    assert (warning is None) if problem is None else (problem in warning)


def test_the_set_up_token_is_owner_only_new_at_each_start_and_gone_once_an_account_exists(tmp_path):
    from posture.store.access import create_first_account, first_start_token

    engine, path = open_database(tmp_path / "clinic.db"), tmp_path / "clinic.db.setup-token"
    elsewhere = tmp_path / "elsewhere"
    path.symlink_to(elsewhere)                         # a link left in its place is replaced, never written through
    first = first_start_token(engine, path)
    assert not elsewhere.exists() and not path.is_symlink() and path.stat().st_mode & 0o777 == 0o600
    second = first_start_token(engine, path)           # a restart: a new token, the old one no longer opens
    assert first != second and path.read_text().strip() == second
    with pytest.raises(AccessError, match="not the set-up token"):
        create_first_account(engine, path, first, "Anna", PASSWORD)
    assert create_first_account(engine, path, second, " Anna ", PASSWORD) == "Anna"
    assert not path.exists() and first_start_token(engine, path) is None and not path.exists()
    assert log_in(engine, "Anna", PASSWORD) == "Anna"
