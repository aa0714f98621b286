"""Codes a person reads out or types: the access code of a home-check link (store/access.py) and the signing key of
offline home-check files (store/bundle.py). Two things with two names, one alphabet and one generator; and a link as
a QR code, for a phone's camera to read."""

from __future__ import annotations

import io
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"      # no 0/O, 1/I/L or U: easy to read out and type


def new_code(length: int, group: int) -> str:
    """A random code of `length` characters of ALPHABET, in groups of `group` joined by dashes (ABCD-EFGH-...)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(length))
    return "-".join(raw[i:i + group] for i in range(0, length, group))


def well_formed(code: str, length: int) -> bool:
    """Whether a code as typed could be one of `length` characters of ALPHABET (its separators and case aside)."""
    raw = normalise(code)
    return len(raw) == length and all(ch in ALPHABET for ch in raw)


def normalise(code: str) -> str:
    """A code as typed or read out (any case, spaces or dashes) in its stored form: upper case, no separators."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def qr_png(text: str) -> bytes:
    """A QR code of the text (a home-check link) as a PNG, made here: segno is pure Python, no request leaves."""
    import segno

    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=6, border=2)
    return buf.getvalue()
