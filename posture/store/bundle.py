"""Home-check bundles: a patient's session in one signed file that the therapist imports.

The therapist pairs a client (`posture sessions pair`), which gives a code; the
patient's copy of posture signs its export with that code (HMAC-SHA256). On
import the code identifies the client, and a bundle changed after export, or
signed with another code, is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import uuid
from datetime import date, datetime, timezone

from posture.errors import PostureError
from posture.export import result_from_dict
from posture.measures import TESTS, TestResult
from posture.store.models import SESSION_LABELS, Session

FORMAT = "posture-home-bundle/1"
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"      # no 0/O, 1/I/L or U: easy to read out and type


class BundleError(PostureError):
    """A home-check bundle that cannot be imported: malformed, tampered with, unknown or repeated."""


def new_home_key() -> str:
    """A pairing code of 20 characters (about 98 bits), in groups of five."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(20))
    return "-".join(raw[i:i + 5] for i in range(0, 20, 5))


def normalise_key(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def key_id(code: str) -> str:
    """A public fingerprint of the code, to find the client without revealing the code."""
    return hashlib.sha256(("posture-key-id:" + normalise_key(code)).encode()).hexdigest()[:16]


def _canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sign(payload: dict, code: str) -> str:
    return hmac.new(normalise_key(code).encode(), _canonical(payload), hashlib.sha256).hexdigest()


def bundle_session(session: Session, code: str) -> bytes:
    """One session (measurements and landmarks) as a signed bundle file."""
    from posture.store.export import session_dict

    payload = {"bundle_id": str(uuid.uuid4()), "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "session": session_dict(session)}
    payload["session"].pop("session_id")
    for test, record in zip(payload["session"]["tests"], session.tests):
        test["landmarks"] = base64.b64encode(record.landmarks).decode() if record.landmarks else None
    doc = {"format": FORMAT, "key_id": key_id(code), "payload": payload, "signature": sign(payload, code)}
    return json.dumps(doc, indent=1).encode()


def read_bundle(data: bytes) -> dict:
    """The outer document, or BundleError when it is not a bundle at all."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BundleError("This file is not a home-check bundle (it is not readable JSON): ask the patient "
                          "to export the check again.") from e
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BundleError("This file is not a home-check bundle from this version of posture.")
    if not all(isinstance(doc.get(k), t) for k, t in (("key_id", str), ("payload", dict), ("signature", str))):
        raise BundleError("This home-check bundle is incomplete: ask the patient to export the check again.")
    return doc


def verify(doc: dict, code: str) -> dict:
    """The payload, if the signature matches the client's code."""
    if not hmac.compare_digest(sign(doc["payload"], code), doc["signature"]):
        raise BundleError("This home-check bundle was changed after the patient exported it (its signature "
                          "does not match), so it was not imported: ask for a new export.")
    return doc["payload"]


def parse_payload(payload: dict) -> tuple[dict, list[tuple[TestResult, bytes | None]]]:
    """Session fields and tests of a verified payload, checked for shape and range."""
    try:
        s = payload["session"]
        fields = {"label": str(s["label"]), "pain": s["pain"], "notes": str(s.get("notes", "")),
                  "visit_date": date.fromisoformat(s["visit_date"]), "bundle_id": str(uuid.UUID(payload["bundle_id"]))}
        if fields["label"] not in SESSION_LABELS or not (fields["pain"] is None or 0 <= int(fields["pain"]) <= 10):
            raise ValueError("label or pain out of range")
        tests = []
        for t in s["tests"]:
            if t["test"] not in TESTS:
                raise ValueError(f"unknown test {t['test']!r}")
            result = result_from_dict(t)
            blob = base64.b64decode(t["landmarks"], validate=True) if t.get("landmarks") else None
            tests.append((result, blob))
    except (KeyError, TypeError, ValueError, binascii.Error) as e:
        raise BundleError(f"This home-check bundle is malformed ({e}), so it was not imported.") from e
    if not tests:
        raise BundleError("This home-check bundle holds no tests.")
    return fields, tests
