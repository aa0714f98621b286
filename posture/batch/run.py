"""One batch from its jobs to its summary: which jobs need an analysis, the work on this machine or Ray, storing
each finished job's test in the database, the record of each job and the results table."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from posture.batch.folder import (fault, finished, only_batch_writing, record_path, save_angles, save_landmarks,
                                  write_record, write_table)
from posture.batch.jobs import Job, Row, Settings, analysis_key, content_hash, job_key, label_problem
from posture.batch.outcome import DONE, MANIFEST, UNEXPECTED, Outcome
from posture.batch.work import Task, measure_job, on_ray, on_this_machine, recording_named
from posture.errors import FileError, PostureError
from posture.export import result_from_dict

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass
class Summary:
    """What became of each job of a batch, and of its tests in the database."""

    done: list[Job] = field(default_factory=list)
    skipped: list[Job] = field(default_factory=list)
    failed: list[tuple[Job, str]] = field(default_factory=list)
    stored: int = 0                  # tests stored in the database by this run
    stored_before: int = 0           # jobs whose test was in the database already
    table_error: str = ""            # why results.csv could not be written, when it could not

    @property
    def ok(self) -> bool:
        return not self.failed and not self.table_error

    def text(self) -> str:
        lines = [f"{len(self.done)} done, {len(self.skipped)} skipped (finished before), {len(self.failed)} failed"]
        lines += [f"  failed: {job.label()}: {reason}" for job, reason in self.failed]
        return "\n".join(lines)


# The database

def stored_session(engine: Engine, key: str) -> int | None:
    """The id of the session that holds the test stored for a job key, None when there is none."""
    from sqlalchemy import select

    from posture.store.db import reading
    from posture.store.models import RecordedTest

    with reading(engine) as db:
        return db.scalar(select(RecordedTest.session_id).where(RecordedTest.batch_key == key))


def store_session(engine: Engine, record: dict) -> tuple[int, bool]:
    """Store a finished job's test in its client's session of the day, once: (session id, whether this call stored it).

    The same writer as the app's and the command line's (a pre or post test joins the day's pre or post session).
    The job's key is stored with the test in one transaction: whatever came before (a crash after the
    commit, another batch storing the same job at this moment), the database holds the job once.
    """
    from sqlalchemy.exc import IntegrityError

    from posture.landmarks import LandmarkSeries
    from posture.store.db import StorageError
    from posture.store.models import Label
    from posture.store.records import record_tests

    found = stored_session(engine, record["key"])
    if found is not None:
        return found, False
    job, series = record["job"], LandmarkSeries.load(record["landmarks"])
    try:
        session_id = record_tests(engine, job["client"], job["session"] or Label.PRE,
                                  [(result_from_dict(record["result"]), series)], source="batch",
                                  batch_key=record["key"])
    except IntegrityError as e:          # stored by another batch since the look above
        found = stored_session(engine, record["key"])
        if found is None:
            raise StorageError(f"Nothing was saved: the database refused the session ({e.orig}).") from e
        return found, False
    fault("after-commit")
    return session_id, True


# The batch

@dataclass
class _Run:
    """One batch's bookkeeping: what became of each job (its record, or why it failed), the tests stored."""

    out: Path
    settings: Settings
    engine: Engine | None
    on_record: Callable[[dict], None] | None
    summary: Summary = field(default_factory=Summary)
    outcomes: dict[Job, dict] = field(default_factory=dict)

    def fail(self, job: Job, reason: str, refusal: str, sha: str = "", angles: str = "") -> None:
        """The job failed: why in words (`reason`) and as a code (`refusal`); its angles over time when written."""
        self.summary.failed.append((job, reason))
        self._tell(job, {"job": asdict(job), "sha256": sha, "status": "failed", "reason": reason, "refusal": refusal,
                         "result": None, "frames": 0, "angles": angles})

    def skip(self, row: Row, record: dict) -> None:
        """A job finished before: its test is stored now if it was not (the database is asked)."""
        if self._store(row, record):
            self.summary.skipped.append(row.job)
            self._tell(row.job, record)

    def finish(self, row: Row, outcome: Outcome) -> None:
        """A job's analysis is back: store its test, then write its record (in this order)."""
        if outcome.status != DONE:
            return self.fail(row.job, outcome.reason, outcome.refusal or UNEXPECTED, row.sha, outcome.angles)
        record = {"key": row.key, "analysis": row.analysis, "job": asdict(row.job), "sha256": row.sha,
                  "settings": self.settings.fields(), **outcome.kept()}
        fault("after-analysis")
        if not self._store(row, record):
            return
        try:
            write_record(self.out, row.key, record)
        except OSError as e:
            return self.fail(row.job, f"its record could not be written in {self.out / 'done'} "
                                      f"({e.strerror or e}): run the batch again.", FileError.kind, row.sha)
        fault("after-record")
        self.summary.done.append(row.job)
        self._tell(row.job, record)

    def _store(self, row: Row, record: dict) -> bool:
        """Store the job's test when there is a database and the job names a client; False when that failed."""
        if self.engine is None or not row.job.client:
            return True
        try:
            record["saved_session"], new = store_session(self.engine, record)
        except PostureError as e:
            self.fail(row.job, f"analysed, but not stored in the database: {e}", e.kind, row.sha)
            return False
        except OSError as e:          # its landmarks file is gone: forget the record, so that a re-run analyses it
            with suppress(OSError):
                record_path(self.out, row.key).unlink()
            self.fail(row.job, f"its landmarks could not be read ({e.strerror or e}): run the batch again.",
                      FileError.kind, row.sha)
            return False
        self.summary.stored += new
        self.summary.stored_before += not new
        return True

    def _tell(self, job: Job, record: dict) -> None:
        self.outcomes[job] = record
        if self.on_record:
            self.on_record(record)


@dataclass
class _Plan:
    """Which jobs need an analysis, decided one recording at a time as its content is read.

    A job finished before is skipped; one whose analysis (same content, test and settings) is done, in an
    earlier run or in this one, is finished from it; the rest share one analysis per analysis key.
    """

    run: _Run
    earlier: dict[str, dict]                                  # records of earlier runs, by job key
    waiting: dict[str, list[Row]] = field(default_factory=dict)     # analyses under way: their jobs
    analyses: dict[str, Outcome] = field(init=False)                # analyses done

    def __post_init__(self) -> None:
        self.analyses = {r["analysis"]: Outcome.from_record(r)
                         for r in self.earlier.values() if Path(r.get("landmarks", "")).is_file()}

    def tasks(self, jobs: list[Job]) -> Iterator[Task]:
        """The analyses to run, each as soon as its recording's content hash is known."""
        hashes: dict[str, str | None] = {}
        for job in jobs:
            if job.video not in hashes:
                hashes[job.video] = content_hash(job.video)
            sha = hashes[job.video]
            if not sha:
                self.run.fail(job, "the file does not exist or cannot be read", FileError.kind)
                continue
            row = Row(job, sha, job_key(job, sha, self.run.settings), analysis_key(sha, job.test, self.run.settings))
            problem = label_problem(job, self.run.engine) if self.run.engine is not None and job.client else ""
            if problem:
                self.run.fail(job, problem, MANIFEST, sha)
            elif row.key in self.earlier:
                self.run.skip(row, self.earlier[row.key])
            elif row.analysis in self.analyses:
                self.run.finish(row, self.analyses[row.analysis])
            elif row.analysis in self.waiting:
                self.waiting[row.analysis].append(row)
            else:
                self.waiting[row.analysis] = [row]
                yield job, row.analysis

    def analysed(self, key: str, tracked: Outcome) -> None:
        """A recording's tracking is back: measured, its landmarks saved, each of its jobs finished."""
        rows = self.waiting.pop(key)
        settings = self.run.settings
        if settings.angles:
            tracked = save_angles(self.run.out, key, tracked, settings)
        outcome = save_landmarks(self.run.out, key, measure_job(rows[0].job.test, settings, tracked))
        if outcome.status == DONE:
            self.analyses[key] = outcome
        for row in rows:            # a shared failure names each job's own file, not the first one's
            self.run.finish(row, recording_named(outcome, row.job.video))


def run_batch(jobs: list[Job], out: str | Path, settings: Settings = Settings(), workers: int | None = None,
              ray_address: str | None = None, on_record: Callable[[dict], None] | None = None,
              on_progress: Callable | None = None, db: str | None = None) -> Summary:
    """Analyse every job not finished before, store the tests of jobs with a client when `db` is given
    (a database file or URL), write results.csv and results.parquet; the summary.

    Refused (PostureError) while another batch writes to the same `out`.
    """
    out = Path(out)
    with only_batch_writing(out):
        run = _Run(out, settings, _open_database(db) if db else None, on_record)
        try:
            plan = _Plan(run, finished(out))
            tasks = plan.tasks(jobs)
            if ray_address:
                on_ray(tasks, settings, ray_address, plan.analysed)
            else:
                on_this_machine(tasks, settings, workers or os.cpu_count() or 1, plan.analysed, on_progress)
            _write_results(run, jobs)
        finally:
            if run.engine is not None:
                run.engine.dispose()
    return run.summary


def _open_database(db: str) -> Engine:
    from posture.store.db import open_database

    return open_database(db)


def _write_results(run: _Run, jobs: list[Job]) -> None:
    """results.csv and results.parquet of this batch's jobs, or why they could not be written (in the summary)."""
    try:
        write_table(run.out, [run.outcomes[job] for job in jobs])
    except OSError as e:
        run.summary.table_error = (f"results.csv could not be written in {run.out} ({e.strerror or e}): free some "
                                   "space and run the batch again; the finished jobs are kept.")
