"""`posture sessions ...`: clients, sessions, comparison, export, reports and home-check bundles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posture import settings
from posture.errors import PostureError
from posture.export import label, text_table
from posture.limits import terminal_safe
from posture.store.models import ADOPTABLE, Label


def _engine(args: argparse.Namespace):
    from posture.store.db import open_database

    return open_database(args.db)


def _write(text_or_bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text_or_bytes if isinstance(text_or_bytes, str) else text_or_bytes.decode())
    elif isinstance(text_or_bytes, str):
        out.write_text(text_or_bytes)
    else:
        out.write_bytes(text_or_bytes)


def cmd_add_client(args) -> int:
    from posture.store.records import add_client

    cid = add_client(_engine(args), args.pseudonym, args.birth_year, tuple(args.condition or ()), args.notes)
    print(f"Client {args.pseudonym} added (id {cid}).")
    return 0


def cmd_list(args) -> int:
    from posture.store.records import list_clients

    for c in list_clients(_engine(args)):
        if args.client and c.pseudonym != args.client:
            continue
        extra = ", ".join(filter(None, [str(c.birth_year or ""), ", ".join(c.conditions)]))
        print(terminal_safe(c.pseudonym + (f" ({extra})" if extra else "")))
        for v in c.visits:
            sessions = "; ".join(f"#{s.id} {s.label}" + (f" pain {s.pain}" if s.pain is not None else "")
                                 for s in v.sessions)
            print(f"  visit {v.id} on {v.visit_date}: {sessions}")
    return 0


def cmd_show(args) -> int:
    from posture.store.export import session_dict
    from posture.store.records import load_session

    s = session_dict(load_session(_engine(args), args.session))
    print(terminal_safe(f"Session {args.session}: {s['client']}, {s['visit_date']}, {s['label']}"
                        + (f", pain {s['pain']}/10" if s["pain"] is not None else "")))
    for t in s["tests"]:
        print(f"  {label(t['test'])} ({t['view']})")
        for m in t["measurements"]:
            value = "-" if m["value"] is None else f"{m['value']:.1f}" + (
                "" if m["uncertainty"] is None else f" ± {m['uncertainty']:.1f}")
            print(f"    {label(m['name'])}: {value} {m['unit']}" + (f"  ({m['reason']})" if m["reason"] else ""))
    return 0


def cmd_compare(args) -> int:
    from posture.change import NOT_ADOPTED, compare, summary, trend, verdict
    from posture.store.export import readings
    from posture.store.records import client_sessions, visit_sessions
    from posture.store.report import change_row, session_title
    from posture.store.visits import visit_pair

    engine = _engine(args)
    if args.client:
        history = [(s.visit.visit_date.isoformat(), s.label, readings(s)) for s in client_sessions(engine, args.client)]
        for (test, name), points in trend(history, unverified=(Label.HOME_CHECK,)).items():
            print(f"{label(test)}: {label(name)}")
            for p in points:
                value = "-" if p.value is None else f"{p.value:.1f}" + (
                    "" if p.uncertainty is None else f" ± {p.uncertainty:.1f}")
                flag = (f"  {NOT_ADOPTED}" if p.label == Label.HOME_CHECK else
                        "" if p.since_first is None else f"  {verdict(p.since_first)}")
                print(f"  {p.when} {p.label:<10} {value:>13}{flag}")
        return 0
    try:
        pre, post = visit_pair(visit_sessions(engine, args.visit))
    except PostureError as e:
        print(f"Visit {args.visit}: {e}")
        return 0
    print(f"{session_title(pre)} against {session_title(post)}:")
    changes = compare(readings(pre), readings(post))
    for line in summary(changes, pre.pain, post.pain):
        print(f"  {line}")
    print("\n".join(text_table([change_row(c) for c in changes])))
    return 0


def cmd_export(args) -> int:
    from posture.store.export import sessions_csv, sessions_json
    from posture.store.records import client_sessions, load_session

    engine = _engine(args)
    sessions = [load_session(engine, args.session)] if args.session else client_sessions(engine, args.client)
    _write(sessions_csv(sessions) if args.format == "csv" else sessions_json(sessions) + "\n", args.out)
    return 0


def cmd_report(args) -> int:
    from posture.store.clinic import clinic_name
    from posture.store.records import client_sessions, visit_sessions
    from posture.store.report import comparison, comparison_pdf
    from posture.store.visits import visit_pair

    if not args.out.parent.is_dir():              # said before the work, not after it
        raise FileNotFoundError(2, "No such folder", str(args.out))
    engine = _engine(args)
    sessions = visit_sessions(engine, args.visit)
    history = client_sessions(engine, sessions[0].visit.client.pseudonym)
    args.out.write_bytes(comparison_pdf(comparison(*visit_pair(sessions), history, clinic_name(engine),
                                                   args.therapist)))
    print(f"Wrote {args.out}")
    return 0


def cmd_pair(args) -> int:
    from posture.store.records import pair_client

    code = pair_client(_engine(args), args.client)
    print(f"Signing key for {args.client}'s offline home-check files: {code}\nGive it to the patient; their exports "
          "are signed with it. A new key replaces the old one.")
    return 0


def cmd_export_home(args) -> int:
    from posture.store.bundle import bundle_session
    from posture.store.records import load_session

    args.out.write_bytes(bundle_session(load_session(_engine(args), args.session), args.code))
    print(f"Wrote {args.out}: send this file to your therapist.")
    return 0


def cmd_import(args) -> int:
    from posture.errors import FileError
    from posture.store.records import import_bundle

    if not args.bundle.is_file():
        raise FileError(f"{args.bundle} does not exist: check the file name and folder.")
    sid = import_bundle(_engine(args), args.bundle.read_bytes())
    print(f"Imported as session {sid}, a home check: `posture sessions adopt {sid}` takes it into the clinical "
          "record.")
    return 0


def cmd_adopt(args) -> int:
    from posture.store.visits import adopt_home_check

    adopt_home_check(_engine(args), args.session, args.label)
    print(f"Session {args.session} is now a {args.label} session of its visit.")
    return 0


MAX_RECORD = 2**31 - 1      # the largest session or visit number either database keeps (PostgreSQL's integer)


def record_number(text: str) -> int:
    """A session or visit number as typed: a whole number from 1 to MAX_RECORD (a larger one is no record, not a
    crash in the database's driver)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_RECORD:
        raise argparse.ArgumentTypeError(f"'{text}' is not a session or visit number (1 to {MAX_RECORD})")
    return value


def add_parser(sub) -> None:
    s = sub.add_parser("sessions", help="clients, sessions, comparison, export, reports, home checks")
    s.add_argument("--db", help=settings.DATABASE_HELP)
    c = s.add_subparsers(dest="action", required=True)

    p = c.add_parser("add-client", help="add a client by pseudonym")
    p.add_argument("pseudonym")
    p.add_argument("--birth-year", type=int)
    p.add_argument("--condition", action="append", help="e.g. sciatica (repeatable)")
    p.add_argument("--notes", default="")
    p.set_defaults(func=cmd_add_client)

    p = c.add_parser("list", help="clients, visits and sessions")
    p.add_argument("--client")
    p.set_defaults(func=cmd_list)

    p = c.add_parser("show", help="one session's measurements")
    p.add_argument("session", type=record_number)
    p.set_defaults(func=cmd_show)

    p = c.add_parser("compare", help="pre vs post of a visit, or a client's trend with --client")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("visit", type=record_number, nargs="?")
    g.add_argument("--client")
    p.set_defaults(func=cmd_compare)

    p = c.add_parser("export", help="CSV or JSON of a session or a client's history")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--session", type=record_number)
    g.add_argument("--client")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--out", type=Path)
    p.set_defaults(func=cmd_export)

    p = c.add_parser("report", help="PDF report of a visit")
    p.add_argument("visit", type=record_number)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--therapist", default="", help="the therapist's name, shown on the report")
    p.set_defaults(func=cmd_report)

    p = c.add_parser("pair", help="give a client a signing key for offline home-check files")
    p.add_argument("client")
    p.set_defaults(func=cmd_pair)

    p = c.add_parser("export-home", help="(patient) export a session as a signed home-check bundle")
    p.add_argument("session", type=record_number)
    p.add_argument("--code", required=True, help="the signing key your therapist gave you")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_export_home)

    p = c.add_parser("adopt", help="take a patient's imported home check into the clinical record")
    p.add_argument("session", type=record_number)
    p.add_argument("--as", dest="label", choices=ADOPTABLE, default=Label.FOLLOW_UP.value,
                   help="its place in the record (a pre or post that day is never replaced)")
    p.set_defaults(func=cmd_adopt)

    p = c.add_parser("import", help="import a patient's home-check bundle")
    p.add_argument("bundle", type=Path)
    p.set_defaults(func=cmd_import)
