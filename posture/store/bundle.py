"""Home-check bundles: a patient's session in one signed file that the therapist imports.

The therapist pairs a client (`posture sessions pair`), which gives a code; the
patient's copy of posture signs its export with that code (HMAC-SHA256). On
import the code identifies the client, and a bundle changed after export, or
signed with another code, is refused. A signature proves who sent a bundle, not
that its content is sane: every field is checked as if it came from a stranger,
and a patient's session is stored as a home check, never as a clinic visit's
pre or post.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import uuid
import zipfile
from datetime import date, datetime, timezone

import numpy as np

from posture import limits
from posture.errors import PostureError
from posture.export import result_from_dict
from posture.landmarks import LandmarkSeries
from posture.measures import TESTS, Measurement, TestResult
from posture.measures.plausible import past_a_body
from posture.measures.uncertainty import stated
from posture.trials import repeatability
from posture.store import codes
from posture.store.models import Label, Session

FORMAT = "posture-home-bundle/1"
MAX_BUNDLE_BYTES = 64 * 2**20         # a long home check with landmarks is a few MB
MAX_LANDMARK_BYTES = 64 * 2**20       # one test's landmarks unpacked: 10 minutes at 30 fps is about 29 MB
MAX_TESTS = 20
MAX_NOTES = 20
MAX_TRIALS = 1000                # repetitions of one measurement: far more than a long recording holds


class BundleError(PostureError):
    """A home-check bundle that cannot be imported: malformed, tampered with, unknown or repeated."""

    kind = "bundle"


KEY_LENGTH, KEY_GROUP = 20, 5


def new_signing_key() -> str:
    """The key a client's offline home-check files are signed with: 20 characters (about 98 bits), in groups of five.
    (Not the access code of a home-check link: store/access.py.)"""
    return codes.new_code(KEY_LENGTH, KEY_GROUP)


def key_id(code: str) -> str:
    """A public fingerprint of the code, to find the client without revealing the code."""
    return hashlib.sha256(("posture-key-id:" + codes.normalise(code)).encode()).hexdigest()[:16]


def _canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sign(payload: dict, code: str) -> str:
    return hmac.new(codes.normalise(code).encode(), _canonical(payload), hashlib.sha256).hexdigest()


def bundle_session(session: Session, code: str) -> bytes:
    """One session (measurements and landmarks) as a signed bundle file; BundleError before anything is written when
    the code cannot be a signing key (a file signed with it could never be imported)."""
    from posture.store.export import session_dict

    if not codes.well_formed(code, KEY_LENGTH):
        raise BundleError("That is not your signing key: it has 20 letters and digits in groups of five "
                          "(ABCDE-FGHJK-MNPQR-STVWX), as your therapist gave it; check it and try again.")
    payload = {"bundle_id": str(uuid.uuid4()), "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "session": session_dict(session)}
    payload["session"].pop("session_id")
    for test, record in zip(payload["session"]["tests"], session.tests):
        test["landmarks"] = base64.b64encode(record.landmarks).decode() if record.landmarks else None
    doc = {"format": FORMAT, "key_id": key_id(code), "payload": payload, "signature": sign(payload, code)}
    return json.dumps(doc, indent=1).encode()


def read_bundle(data: bytes) -> dict:
    """The outer document, or BundleError when it is not a bundle at all (or too large to be one)."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError(f"This file is {len(data) // 2**20} MB, larger than any home check "
                          f"({MAX_BUNDLE_BYTES // 2**20} MB at most), so it was not imported.")
    try:
        doc = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except BundleError:
        raise
    except (UnicodeDecodeError, ValueError) as e:
        raise BundleError("This file is not a home-check bundle (it is not readable JSON): ask the patient "
                          "to export the check again.") from e
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BundleError("This file is not a home-check bundle from this version of posture.")
    if not all(isinstance(doc.get(k), t) for k, t in (("key_id", str), ("payload", dict), ("signature", str))):
        raise BundleError("This home-check bundle is incomplete: ask the patient to export the check again.")
    return doc


def _no_constant(name: str):
    """JSON's NaN and Infinity are no measurement: refused while reading."""
    raise BundleError(f"This home-check bundle is malformed (it holds {name}, which is not a number), so it was not "
                      "imported.")


def verify(doc: dict, code: str) -> dict:
    """The payload, if the signature matches the client's code."""
    if not hmac.compare_digest(sign(doc["payload"], code), doc["signature"]):
        raise BundleError("This home-check bundle was changed after the patient exported it (its signature "
                          "does not match), so it was not imported: ask for a new export.")
    return doc["payload"]


def parse_payload(payload: dict) -> tuple[dict, list[tuple[TestResult, bytes | None]]]:
    """Session fields and tests of a verified payload, checked against the bundle's schema: known tests and
    measurements, finite values in their unit's range, a plausible date and pain, capped text and counts. A
    patient's session is a home check whatever label it claims."""
    try:
        s = payload["session"]
        if len(s["tests"]) > MAX_TESTS:
            raise ValueError(f"{len(s['tests'])} tests, at most {MAX_TESTS} are possible")
        fields = {"label": Label.HOME_CHECK.value, "pain": limits.pain_score(s["pain"]),
                  "notes": limits.text(s.get("notes", ""), "The notes", limits.NOTE_CHARS, allow_newlines=True),
                  "visit_date": limits.visit_date(date.fromisoformat(s["visit_date"])),
                  "bundle_id": str(uuid.UUID(payload["bundle_id"]))}
        tests = [(_checked_result(result_from_dict(t)), _landmarks(t.get("landmarks"))) for t in s["tests"]]
    except (KeyError, TypeError, ValueError, PostureError, binascii.Error) as e:
        raise BundleError(f"This home-check bundle is malformed ({e}), so it was not imported.") from e
    if not tests:
        raise BundleError("This home-check bundle holds no tests.")
    return fields, tests


def _checked_result(result: TestResult) -> TestResult:
    """The result if it is one this tool could have measured (a closed schema: every field of the test's own
    kind, within its range, consistent with the others); ValueError otherwise."""
    spec = TESTS.get(result.test)
    if spec is None:
        raise ValueError(f"unknown test {limits.terminal_safe(result.test)[:40]!r}")
    if result.view != spec.view:
        raise ValueError(f"{spec.label} is seen from the {spec.view} view, not "
                         f"{limits.terminal_safe(result.view)[:40]!r}")
    if not 0 <= result.detected_share <= 1 or len(result.notes) > MAX_NOTES:
        raise ValueError("its detection share or notes are impossible")
    if result.protocol not in spec.protocols:
        raise ValueError(f"{limits.terminal_safe(result.protocol)[:40]!r} is no way {spec.label} is done")
    if result.camera_angle_deg is not None:
        limits.number(result.camera_angle_deg, "The camera's angle", -90.0, 90.0, " degrees")
    if len(result.trial_frames) > MAX_TRIALS or any(not 0 <= a <= b <= c for a, b, c in result.trial_frames):
        raise ValueError("its repetitions' frames are impossible")
    names = [m.name for m in result.measurements]
    if len(set(names)) != len(names):
        raise ValueError("a measurement appears twice")
    for m in result.measurements:
        _check_measurement(m, {m.name for m in spec.measures}, spec.label)
    for note in result.notes:
        limits.text(note, "A note", limits.NOTE_CHARS)
    return stated(result)           # the +/- by this tool's own rule, whatever the file said


def _check_measurement(m: Measurement, names: set[str], test: str) -> None:
    """ValueError unless `m` is one of the test's measurements, its numbers believable and consistent: a withheld
    one has no value, a measured one is the median of its trials, with their largest and spread."""
    if m.name not in names or m.unit not in limits.VALUE_RANGES:
        raise ValueError(f"{limits.terminal_safe(m.name)[:40]!r} in {m.unit[:20]!r} is no measurement of {test}")
    bound = limits.VALUE_RANGES[m.unit]
    for v in (m.value, m.spread, m.maximum, *m.trials):
        if v is not None:
            limits.number(v, f"{m.name}", -bound, bound, f" {m.unit}")
    if beyond := next(filter(None, (past_a_body(m.name, v) for v in (m.value, m.maximum, *m.trials))), ""):
        raise ValueError(beyond)
    limits.number(m.quality, "A quality", 0.0, 1.0)
    limits.text(m.reason, "A reason", limits.NOTE_CHARS)
    if len(m.flags) > MAX_TRIALS or len(m.trials) > MAX_TRIALS:
        raise ValueError(f"{m.name} has more flags or trials than any test makes")
    for flag in m.flags:
        limits.text(flag, "A flag", limits.NOTE_CHARS)
    if m.withheld is not None and m.value is not None:
        raise ValueError(f"{m.name} is withheld and has a value")
    if m.trials:
        rep = repeatability(m.trials)
        maximum = np.nan if m.maximum is None else m.maximum
        if m.value is None or not np.allclose([m.value, maximum], [rep.median, rep.maximum], atol=0.01):
            raise ValueError(f"{m.name} is not the median of its trials")
        if m.spread is not None and abs(m.spread - rep.spread) > 0.01:
            raise ValueError(f"{m.name}'s spread is not its trials'")


def _landmarks(encoded: str | None) -> bytes | None:
    """The landmark file of one test, decoded and checked to unpack within the cap; ValueError otherwise."""
    if encoded is None:
        return None
    blob = base64.b64decode(encoded, validate=True)
    try:
        LandmarkSeries.load(io.BytesIO(blob), max_bytes=MAX_LANDMARK_BYTES)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise ValueError(f"its landmarks cannot be read: {e}") from e
    return blob
