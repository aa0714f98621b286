"""A batch's OUT folder: one record per finished job (done/), the landmarks (landmarks/), the results table, and the
lock that keeps a second batch out. Every file is written whole or not at all (files.write_atomic)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from posture.batch.outcome import DONE, FAILED, TRACKED, Outcome
from posture.errors import FileError, PostureError
from posture.export import ROW_COLUMNS, csv_cell, result_from_dict, rows
from posture.files import remove_half_written, write_atomic

# A failed video's reason is in `reason` and its kind in `refusal` (an error's kind: errors.py, or outcome.WORKER,
# UNEXPECTED, MANIFEST); a withheld measurement's reason and code are in `reason` and `withheld`.
TABLE_COLUMNS = ["video", "sha256", "client", "session", "test", "status", "refusal", *ROW_COLUMNS, "detected_share",
                 "camera_angle_deg", "frames", "seconds", "angles"]
FAULT_VARIABLE = "POSTURE_BATCH_FAULT"     # test hook, see `fault`


def _npz(series) -> bytes:
    """A landmark series as the bytes of its .npz file (made in memory: a full disk fails one plain write)."""
    buf = io.BytesIO()
    series.save(buf)
    return buf.getvalue()


def record_path(out: Path, key: str) -> Path:
    return out / "done" / f"{key}.json"


def write_record(out: Path, key: str, record: dict) -> None:
    write_atomic(record_path(out, key), json.dumps(record, indent=1))


def read_record(out: Path, key: str) -> dict | None:
    """The record of a job finished in an earlier run, None when there is none (or it cannot be read)."""
    try:
        return json.loads(record_path(out, key).read_text())
    except (OSError, ValueError):
        return None


def finished(out: Path) -> dict[str, dict]:
    """Every record in OUT/done, by job key (records of older versions, keyed otherwise, are left out)."""
    records = (read_record(out, p.stem) for p in (out / "done").glob("*.json"))
    return {r["key"]: r for r in records if r and "key" in r and "analysis" in r}


FOLDERS = ("done", "landmarks", "angles")


@contextmanager
def only_batch_writing(out: Path) -> Iterator[None]:
    """Hold OUT for this batch: a second batch into the same folder is refused at once.

    An exclusive lock on OUT/.lock, which the system releases when the process ends, however it ends.
    """
    import fcntl

    for sub in FOLDERS[:2]:                          # angles/ only when asked for (save_angles)
        (out / sub).mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PostureError(f"Another batch is writing to {out}; wait for it to finish or use another --out.") \
                from None
        with suppress(OSError):              # who holds it, for people (and tests) to see; a full disk may refuse
            os.ftruncate(lock.fileno(), 0)
            os.write(lock.fileno(), f"{os.getpid()}\n".encode())
        for folder in (out, *(out / sub for sub in FOLDERS)):      # what a killed batch left half-written
            remove_half_written(folder)
        yield


def fault(step: str) -> None:
    """Test hook: end the process at once at this step of a job's bookkeeping, as a crash or kill -9 would.

    Read only here. POSTURE_BATCH_FAULT=after-analysis (the analysis is back, nothing of it kept),
    after-commit (its session is committed, its record not written) or after-record (its record is written,
    the results table not); tests/test_hostile_batch.py re-runs each and counts sessions and rows.
    """
    if os.environ.get(FAULT_VARIABLE) == step:
        os._exit(9)


def save_landmarks(out: Path, analysis: str, outcome: Outcome) -> Outcome:
    """A done analysis with its landmarks written to OUT/landmarks (named by its key); failed with the reason
    when they could not be."""
    if outcome.status != DONE:
        return outcome
    landmarks = out / "landmarks" / f"{analysis[:16]}.npz"
    try:
        write_atomic(landmarks, _npz(outcome.series))
    except OSError as e:
        return outcome.but(status=FAILED, result=None, series=None, refusal=FileError.kind,
                           reason=f"its landmarks could not be saved in {landmarks.parent} ({e.strerror or e}): free "
                                  "some space and run the batch again.")
    return outcome.but(landmarks=str(landmarks), series=None)


def save_angles(out: Path, analysis: str, tracked: Outcome, settings) -> Outcome:
    """A tracked recording with its angles over time written to OUT/angles (named by its analysis key), whatever its
    analysis will say: a research archive asks for them from any clip. Failed with the reason when they could not
    be written."""
    from posture.angles_over_time import angles_csv, recording_angles

    if tracked.status != TRACKED:
        return tracked
    path = out / "angles" / f"{analysis[:16]}.csv"
    try:
        path.parent.mkdir(exist_ok=True)
        write_atomic(path, angles_csv(recording_angles(tracked.series, settings.profile)))
    except OSError as e:
        return Outcome.failed(f"its angles could not be saved in {path.parent} ({e.strerror or e}): free some space "
                              "and run the batch again.", FileError.kind)
    return tracked.but(angles=str(path))


def table_rows(record: dict) -> list[dict]:
    """The results-table rows of one record: one per measurement, or one saying why it failed."""
    job = record["job"]
    base = {"video": job["video"], "sha256": record["sha256"], "client": job["client"], "session": job["session"],
            "status": record["status"], "refusal": record.get("refusal", ""), "reason": record["reason"],
            "frames": record["frames"], "seconds": record.get("seconds"), "angles": record.get("angles", "")}
    if not record["result"]:
        return [base | {"test": job["test"]}]
    result = result_from_dict(record["result"])
    return [base | {"test": result.test, "detected_share": result.detected_share,
                    "camera_angle_deg": result.camera_angle_deg} | row.as_csv()
            for row in rows(result)]


def write_table(out: Path, records: list[dict]) -> None:
    """results.csv and results.parquet, one row per measurement of each job (or why it failed), each written
    whole or not at all."""
    import pandas as pd

    table = pd.DataFrame([row for r in records for row in table_rows(r)], columns=TABLE_COLUMNS)
    write_atomic(out / "results.csv", table.map(csv_cell).to_csv(index=False))      # no cell runs as a formula
    parquet = io.BytesIO()
    table.to_parquet(parquet, index=False)
    write_atomic(out / "results.parquet", parquet.getvalue())
