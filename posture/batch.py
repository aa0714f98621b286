"""Batch analysis of recorded videos: resumable, once per manifest row, in parallel on this machine or on Ray.

Every job (a manifest row, or a video named by a file, folder or pattern) has a key: a hash of the video's
path and content, its test, client and session, and the batch's settings (stride, height, camera profile).
A finished job leaves a record in OUT/done/<key>.json (written whole or not at all), and its landmarks in
OUT/landmarks/; a re-run skips the jobs whose key has a record, so a killed batch loses nothing and repeats
nothing, while changed settings or a corrected manifest row make a new job. Jobs whose recording, test and
settings are equal share one analysis.

With a database, a job that names a client is stored as a session carrying the job's key (a unique column),
in the same transaction as the session and before the job's record is written: a crash between the two, a
re-run or another batch storing the same job at the same moment cannot store it twice. One batch at a time
writes to an OUT folder. The results table (this batch's jobs) is written whole or not at all.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import io
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from posture import limits
from posture.analysis import AUTO
from posture.errors import FileError, PostureError
from posture.export import ROW_COLUMNS, csv_cell, result_dict, result_from_dict, rows
from posture.limits import terminal_safe
from posture.workers import SPAWN, die_with_parent, process_pool

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from posture.calibration import CameraProfile

VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v"}
# A failed video's reason is in `reason` and its kind in `refusal` (an error's kind: errors.py, or WORKER, UNEXPECTED,
# MANIFEST); a withheld measurement's reason and code are in `reason` and `withheld`.
TABLE_COLUMNS = ["video", "sha256", "client", "session", "test", "status", "refusal", *ROW_COLUMNS, "detected_share",
                 "camera_angle_deg", "frames", "seconds"]
FAULT_VARIABLE = "POSTURE_BATCH_FAULT"     # test hook, see `_fault`
HALF_WRITTEN = re.compile(r"\..+\.\d+\.[0-9a-f]{12}")     # the temporary name of a file `_write_atomic` writes
WORKER, UNEXPECTED, MANIFEST = "worker", "unexpected", "manifest"     # refusals that are no PostureError's
WORKER_DIED = ("the process analysing it stopped (killed, or out of memory); nothing of it was kept: "
               "run the batch again.")


@dataclass(frozen=True)
class Job:
    """One video to analyse; client and session come from a manifest when there is one."""

    video: str
    test: str = AUTO
    client: str = ""
    session: str = ""

    def label(self) -> str:
        """The job as the summary names it: the video, and whose session it is when the manifest says."""
        who = ", ".join(x for x in (self.client, self.session) if x)
        return f"{self.video} ({who})" if who else self.video


@dataclass(frozen=True)
class Settings:
    """What every video of the batch is analysed with; a different setting makes a different job."""

    stride: int = 1                  # analyse every k-th frame
    height_cm: float | None = None
    profile: CameraProfile | None = None     # the camera's calibration, when all videos come from one
    model: str = "full"              # the BlazePose landmark model

    def __post_init__(self) -> None:
        from posture.pose import check_model

        limits.stride(self.stride)
        check_model(self.model)

    def fields(self) -> dict:
        return {"stride": self.stride, "height_cm": self.height_cm,
                "profile": asdict(self.profile) if self.profile else None, "model": self.model}


@dataclass
class Summary:
    """What became of each job of a batch, and of its sessions."""

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


@dataclass(frozen=True)
class Row:
    """A job with its recording's content hash and its keys."""

    job: Job
    sha: str
    key: str          # the job: its analysis, video path, client and session
    analysis: str     # what its analysis depends on: content, test, settings


# Finding the videos

def read_manifest(path: Path, test: str) -> list[Job]:
    """Jobs from a CSV with a `video` column and optional `client`, `session` and `test`, one per row."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:      # a spreadsheet's byte-order mark is no column
            table = [{(k or "").strip().lower(): v.strip() if isinstance(v, str) else "" for k, v in r.items()}
                     for r in csv.DictReader(f)]
    except UnicodeDecodeError as e:
        raise PostureError(f"{path.name} is not UTF-8 text: save the manifest as CSV (UTF-8) and try again.") from e
    if not table or "video" not in table[0]:
        raise PostureError(f"{path.name} is not a batch manifest: it needs a header row with a 'video' column "
                           "(and optionally client, session, test).")
    base = path.parent
    return [Job(str(base / r["video"]) if not Path(r["video"]).is_absolute() else r["video"],
                r.get("test") or test, r.get("client", ""), r.get("session", "")) for r in table]


def collect_jobs(inputs: Iterable[str], test: str = AUTO) -> list[Job]:
    """Jobs from files, folders (searched recursively), glob patterns and CSV manifests, in order.

    Each manifest row is a job of its own; a job named twice the same way (the same video, test, client and
    session, e.g. a file in a folder and a pattern) is one job.
    """
    jobs: list[Job] = []
    for item in inputs:
        path = Path(item)
        if path.suffix.lower() == ".csv" and path.is_file():
            jobs += read_manifest(path, test)
        elif path.is_dir():
            jobs += [Job(str(p), test) for p in sorted(path.rglob("*")) if p.suffix.lower() in VIDEO_SUFFIXES]
        elif any(c in item for c in "*?["):
            jobs += [Job(p, test) for p in sorted(glob.glob(item, recursive=True))]
        else:
            jobs.append(Job(item, test))      # a missing file fails on its own, with its reason
    return list(dict.fromkeys(jobs))


def content_hash(path: str | Path) -> str | None:
    """SHA-256 of the file's bytes, None when it cannot be read."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def _digest(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def analysis_key(sha: str, test: str, settings: Settings) -> str:
    """What an analysis depends on: the recording's content, the test asked for, and the settings."""
    return _digest({"sha256": sha, "test": test, **settings.fields()})


def job_key(job: Job, sha: str, settings: Settings) -> str:
    """A job's identity (its record's name, its session's batch_key): its analysis and the row's own fields.

    A re-run with other settings, or a manifest row whose client or session was corrected, is a new job.
    """
    return _digest({"analysis": analysis_key(sha, job.test, settings), "video": os.path.abspath(job.video),
                    "client": job.client, "session": job.session})


# Files in OUT

def _write_atomic(path: Path, content: str | bytes) -> None:
    """Write a file whole or not at all: into a temporary file beside it, renamed over it when complete.

    The file's permissions follow the umask, as those of any file written directly.
    """
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}"      # HALF_WRITTEN
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content.encode() if isinstance(content, str) else content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _npz(series) -> bytes:
    """A landmark series as the bytes of its .npz file (made in memory: a full disk fails one plain write)."""
    buf = io.BytesIO()
    series.save(buf)
    return buf.getvalue()


def _record_path(out: Path, key: str) -> Path:
    return out / "done" / f"{key}.json"


def read_record(out: Path, key: str) -> dict | None:
    """The record of a job finished in an earlier run, None when there is none (or it cannot be read)."""
    try:
        return json.loads(_record_path(out, key).read_text())
    except (OSError, ValueError):
        return None


def finished(out: Path) -> dict[str, dict]:
    """Every record in OUT/done, by job key (records of older versions, keyed otherwise, are left out)."""
    records = (read_record(out, p.stem) for p in (out / "done").glob("*.json"))
    return {r["key"]: r for r in records if r and "key" in r and "analysis" in r}


@contextmanager
def only_batch_writing(out: Path) -> Iterator[None]:
    """Hold OUT for this batch: a second batch into the same folder is refused at once.

    An exclusive lock on OUT/.lock, which the system releases when the process ends, however it ends.
    """
    import fcntl

    for sub in ("done", "landmarks"):
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
        _remove_half_written(out)
        yield


def _remove_half_written(out: Path) -> None:
    """Temporary files of `_write_atomic` that a killed batch left (none is being written: OUT is held)."""
    for folder in (out, out / "done", out / "landmarks"):
        for tmp in folder.glob(".*"):
            if HALF_WRITTEN.fullmatch(tmp.name):
                with suppress(OSError):
                    tmp.unlink()


def _fault(step: str) -> None:
    """Test hook: end the process at once at this step of a job's bookkeeping, as a crash or kill -9 would.

    Read only here. POSTURE_BATCH_FAULT=after-analysis (the analysis is back, nothing of it kept),
    after-commit (its session is committed, its record not written) or after-record (its record is written,
    the results table not); tests/test_hostile_batch.py re-runs each and counts sessions and rows.
    """
    if os.environ.get(FAULT_VARIABLE) == step:
        os._exit(9)


# One recording (runs in a worker process or a Ray task)

_look = None           # a worker's look for other people (posture.pipeline.LookBeside), kept for every recording


def load_libraries() -> None:
    """Start-up of a batch worker: what tracking needs, loaded once, while the batch is still reading the first
    recordings' content. Not the measures' filters (scipy.signal, 0.45 s): the batch's process measures."""
    import importlib

    for module in ("posture.pipeline", "mediapipe"):
        importlib.import_module(module)


def worker_look():
    """This worker process's look for other people, made at its first recording and reused for the next ones
    (one recording at a time per worker; the look's graphs keep nothing from one frame to the next)."""
    global _look
    if _look is None:
        from posture.pipeline import LookBeside

        _look = LookBeside()
    return _look


def track_job(job: Job, settings: Settings, progress=None) -> dict:
    """Track one recording: its landmark series ("series"), or why not ("reason").

    Runs in a worker process, here or on a Ray node, and writes nothing: the batch's process measures the
    series and writes every file, so a cluster's workers need only read the recordings.
    """
    import socket

    from posture.pipeline import landmarks_from_video
    from posture.video import probe

    start = time.monotonic()
    found = {"status": "failed", "reason": "", "refusal": "", "result": None, "frames": 0,
             "worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        info = probe(job.video)
        count = [0]

        def tick() -> None:
            count[0] += 1
            if progress is not None and count[0] % 10 == 0:
                progress.put((job.video, count[0] * settings.stride, info.frame_count))

        series = landmarks_from_video(info, on_frame=tick, stride=settings.stride, model=settings.model,
                                      look=worker_look())
        found.update(status="tracked", frames=len(series), series=series)
    except PostureError as e:
        found.update(reason=str(e), refusal=e.kind)
    except OSError as e:
        found.update(reason=f"{e.filename or 'a file'} could not be read or written: {e.strerror or e}.",
                     refusal=FileError.kind)
    except Exception as e:  # noqa: BLE001 - one broken video must not stop the batch
        found.update(reason=f"unexpected {e.__class__.__name__}: {e}", refusal=UNEXPECTED)
    found["seconds"] = round(time.monotonic() - start, 2)
    if progress is not None:
        progress.put((job.video, None, None))
    return found


def measure_job(test: str, settings: Settings, found: dict) -> dict:
    """What a worker tracked, measured here: done with the result and the prepared series, or failed with why."""
    if found["status"] != "tracked":
        return found
    from posture.analysis import analyse_landmarks

    try:
        analysis = analyse_landmarks(found["series"], test, profile=settings.profile, height_cm=settings.height_cm)
        series, result = analysis.series, analysis.result
    except PostureError as e:
        return found | {"status": "failed", "reason": str(e), "refusal": e.kind, "series": None}
    except Exception as e:  # noqa: BLE001 - one recording must not stop the batch
        return found | {"status": "failed", "reason": f"unexpected {e.__class__.__name__}: {e}", "refusal": UNEXPECTED,
                        "series": None}
    return found | {"status": "done", "result": result_dict(result), "frames": len(series), "series": series}


def save_landmarks(out: Path, analysis: str, found: dict) -> dict:
    """An analysis back from a worker with its landmarks written to OUT/landmarks (named by its key); failed
    with the reason when they could not be."""
    if found["status"] != "done":
        return found
    landmarks = out / "landmarks" / f"{analysis[:16]}.npz"
    kept = {k: v for k, v in found.items() if k != "series"}
    try:
        _write_atomic(landmarks, _npz(found["series"]))
    except OSError as e:
        return kept | {"status": "failed", "result": None, "refusal": FileError.kind, "reason": f"its landmarks could not be saved in "
                       f"{landmarks.parent} ({e.strerror or e}): free some space and run the batch again."}
    return kept | {"landmarks": str(landmarks)}


# Running the analyses

Task = tuple[Job, str]                               # a job to analyse, and its analysis key
OnAnalysis = Callable[[str, dict], None]             # analysis key, what track_job found


def _outcome(future) -> dict:
    try:
        return future.result()
    except BrokenProcessPool:
        return {"status": "failed", "reason": WORKER_DIED, "refusal": WORKER, "result": None, "frames": 0}


def _progress_manager():
    """The manager process that carries progress back, ending with this process like the workers."""
    from multiprocessing.managers import SyncManager

    manager = SyncManager(ctx=SPAWN)
    manager.start(die_with_parent, (os.getpid(),))
    return manager


def _local(tasks: Iterable[Task], settings: Settings, workers: int, on_analysis: OnAnalysis,
           on_progress: Callable | None) -> None:
    """Each task in a pool of worker processes, started once and reused for every recording; tasks are
    submitted as they come (the next recording's content is read while the workers analyse)."""
    # The progress queue needs a manager process of its own: started only when progress is shown.
    progress_manager = _progress_manager() if on_progress else nullcontext()
    pool = process_pool(workers, load_libraries)
    with progress_manager as manager, pool:
        queue = manager.Queue() if manager else None
        pending: dict = {}

        def collect(timeout: float) -> None:
            done, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED) if pending else ((), ())
            while queue is not None and not queue.empty():
                on_progress(*queue.get())
            for f in done:
                on_analysis(pending.pop(f), _outcome(f))

        for job, key in tasks:
            pending[pool.submit(track_job, job, settings, queue)] = key
            collect(0)
        while pending:
            collect(0.2)


def _ray(tasks: Iterable[Task], settings: Settings, address: str, on_analysis: OnAnalysis) -> None:
    """Each task as a Ray task (one CPU each): on this machine ("local") or a running cluster's address."""
    try:
        import ray
    except ImportError as e:
        raise PostureError("Ray is not installed: pip install 'posture[ray]' (or run without --ray).") from e
    if not ray.is_initialized():
        ray.init(address=None if address == "local" else address, include_dashboard=False,
                 log_to_driver=False, **({"num_cpus": os.cpu_count()} if address == "local" else {}))
    task = ray.remote(num_cpus=1)(track_job)
    pending = {task.remote(job, settings): key for job, key in tasks}
    while pending:
        (ref,), _ = ray.wait(list(pending), num_returns=1)
        try:
            found = ray.get(ref)
        except Exception:  # noqa: BLE001 - a lost worker or node fails its job alone
            found = {"status": "failed", "reason": WORKER_DIED, "refusal": WORKER, "result": None, "frames": 0}
        on_analysis(pending.pop(ref), found)


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
    _fault("after-commit")
    return session_id, True


def label_problem(job: Job) -> str:
    """Why a job's session could not be stored under its client and label ('' when it can), said before any
    analysis."""
    from posture.store.models import SESSION_LABELS, Label

    label = job.session or Label.PRE
    if label not in SESSION_LABELS:
        return (f"'{terminal_safe(label[:40])}' in the manifest's session column is not a session label: use one of "
                f"{', '.join(SESSION_LABELS)}.")
    try:
        limits.pseudonym(job.client or "unnamed")
    except PostureError as e:
        return f"The manifest's client column: {e}"
    return ""


# The batch

@dataclass
class _Run:
    """One batch's bookkeeping: what became of each job (its record, or why it failed), the sessions stored."""

    out: Path
    settings: Settings
    engine: Engine | None
    on_record: Callable[[dict], None] | None
    summary: Summary = field(default_factory=Summary)
    outcomes: dict[Job, dict] = field(default_factory=dict)

    def fail(self, job: Job, reason: str, refusal: str, sha: str = "") -> None:
        """The job failed: why in words (`reason`) and as a code (`refusal`)."""
        self.summary.failed.append((job, reason))
        self._tell(job, {"job": asdict(job), "sha256": sha, "status": "failed", "reason": reason, "refusal": refusal,
                         "result": None, "frames": 0})

    def skip(self, row: Row, record: dict) -> None:
        """A job finished before: its session is stored now if it was not (the database is asked)."""
        if self._store(row, record):
            self.summary.skipped.append(row.job)
            self._tell(row.job, record)

    def finish(self, row: Row, found: dict) -> None:
        """A job's analysis is back: store its session, then write its record (in this order)."""
        if found["status"] != "done":
            return self.fail(row.job, found["reason"], found.get("refusal") or UNEXPECTED, row.sha)
        record = {"key": row.key, "analysis": row.analysis, "job": asdict(row.job), "sha256": row.sha,
                  "settings": self.settings.fields(), "reason": "", "refusal": "", **found, "status": "done"}
        _fault("after-analysis")
        if not self._store(row, record):
            return
        try:
            _write_atomic(_record_path(self.out, row.key), json.dumps(record, indent=1))
        except OSError as e:
            return self.fail(row.job, f"its record could not be written in {self.out / 'done'} "
                                      f"({e.strerror or e}): run the batch again.", FileError.kind, row.sha)
        _fault("after-record")
        self.summary.done.append(row.job)
        self._tell(row.job, record)

    def _store(self, row: Row, record: dict) -> bool:
        """Store the job's session when there is a database and the job names a client; False when that failed."""
        if self.engine is None or not row.job.client:
            return True
        try:
            record["saved_session"], new = store_session(self.engine, record)
        except PostureError as e:
            self.fail(row.job, f"analysed, but not stored in the database: {e}", e.kind, row.sha)
            return False
        except OSError as e:          # its landmarks file is gone: forget the record, so that a re-run analyses it
            with suppress(OSError):
                _record_path(self.out, row.key).unlink()
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


def run_batch(jobs: list[Job], out: str | Path, settings: Settings = Settings(), workers: int | None = None,
              ray_address: str | None = None, on_record: Callable[[dict], None] | None = None,
              on_progress: Callable | None = None, db: str | None = None) -> Summary:
    """Analyse every job not finished before, store the sessions of jobs with a client when `db` is given
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
                _ray(tasks, settings, ray_address, plan.analysed)
            else:
                _local(tasks, settings, workers or os.cpu_count() or 1, plan.analysed, on_progress)
            _write_results(run, jobs)
        finally:
            if run.engine is not None:
                run.engine.dispose()
    return run.summary


def _open_database(db: str) -> Engine:
    from posture.store.db import open_database

    return open_database(db)


@dataclass
class _Plan:
    """Which jobs need an analysis, decided one recording at a time as its content is read.

    A job finished before is skipped; one whose analysis (same content, test and settings) is done, in an
    earlier run or in this one, is finished from it; the rest share one analysis per analysis key.
    """

    run: _Run
    earlier: dict[str, dict]                                  # records of earlier runs, by job key
    waiting: dict[str, list[Row]] = field(default_factory=dict)     # analyses under way: their jobs
    analyses: dict[str, dict] = field(init=False)                   # analyses done: what was found

    def __post_init__(self) -> None:
        self.analyses = {r["analysis"]: {k: r[k] for k in ("result", "frames", "landmarks", "seconds")}
                         | {"status": "done"}
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
            problem = label_problem(job) if self.run.engine is not None and job.client else ""
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

    def analysed(self, key: str, found: dict) -> None:
        """A recording's tracking is back: measured, its landmarks saved, each of its jobs finished."""
        rows = self.waiting.pop(key)
        found = save_landmarks(self.run.out, key, measure_job(rows[0].job.test, self.run.settings, found))
        if found["status"] == "done":
            self.analyses[key] = found
        for row in rows:
            self.run.finish(row, found)


def table_rows(record: dict) -> list[dict]:
    """The results-table rows of one record: one per measurement, or one saying why it failed."""
    job = record["job"]
    base = {"video": job["video"], "sha256": record["sha256"], "client": job["client"], "session": job["session"],
            "status": record["status"], "refusal": record.get("refusal", ""), "reason": record["reason"],
            "frames": record["frames"],
            "seconds": record.get("seconds")}
    if not record["result"]:
        return [base | {"test": job["test"]}]
    result = result_from_dict(record["result"])
    return [base | {"test": result.test, "detected_share": result.detected_share,
                    "camera_angle_deg": result.camera_angle_deg} | row.as_csv()
            for row in rows(result)]


def _write_results(run: _Run, jobs: list[Job]) -> None:
    """results.csv and results.parquet of this batch's jobs, or why they could not be written (in the summary)."""
    try:
        write_table(run.out, [run.outcomes[job] for job in jobs])
    except OSError as e:
        run.summary.table_error = (f"results.csv could not be written in {run.out} ({e.strerror or e}): free some "
                                   "space and run the batch again; the finished jobs are kept.")


def write_table(out: Path, records: list[dict]) -> None:
    """results.csv and results.parquet, one row per measurement of each job (or why it failed), each written
    whole or not at all."""
    import pandas as pd

    table = pd.DataFrame([row for r in records for row in table_rows(r)], columns=TABLE_COLUMNS)
    _write_atomic(out / "results.csv", table.map(csv_cell).to_csv(index=False))      # no cell runs as a formula
    parquet = io.BytesIO()
    table.to_parquet(parquet, index=False)
    _write_atomic(out / "results.parquet", parquet.getvalue())
