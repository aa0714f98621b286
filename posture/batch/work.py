"""The work on each recording: tracked in a worker process (here, or a Ray task on a cluster), measured in the batch's
process. A worker writes nothing and never loads the measures' filters."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import nullcontext
from pathlib import Path

from posture.batch.jobs import Job, Settings
from posture.batch.outcome import DONE, LOST, TRACKED, Outcome
from posture.errors import FileError, FrameRateError, PostureError
from posture.export import result_dict
from posture.workers import SPAWN, die_with_parent, process_pool

Task = tuple[Job, str]                               # a job to analyse, and its analysis key
OnAnalysis = Callable[[str, Outcome], None]          # analysis key, what track_job found

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


# Where a tracking failure named its recording, by its path or by its name (recording_named puts the job's own back).
RECORDING_PATH, RECORDING_NAME = "\x00recording path\x00", "\x00recording name\x00"


def recording_named(outcome: Outcome, video: str | Path) -> Outcome:
    """A failure's sentence naming `video`: jobs of the same content share one tracking, and each names its own."""
    if not outcome.reason:
        return outcome
    return outcome.but(reason=outcome.reason.replace(RECORDING_PATH, str(video))
                       .replace(RECORDING_NAME, Path(video).name))


def track_job(job: Job, settings: Settings, progress=None) -> Outcome:
    """Track one recording: TRACKED with its landmark series, or FAILED with why.

    Runs in a worker process, here or on a Ray node, and writes nothing: the batch's process measures the
    series and writes every file, so a cluster's workers need only read the recordings.
    """
    import socket

    from posture.pipeline import landmarks_from_video
    from posture.video import probe

    start, worker = time.monotonic(), f"{socket.gethostname()}:{os.getpid()}"
    try:
        info = probe(job.video)
        count = [0]

        def tick() -> None:
            count[0] += 1
            if progress is not None and count[0] % 10 == 0:
                progress.put((job.video, count[0] * settings.stride, info.frame_count))

        series = landmarks_from_video(info, on_frame=tick, stride=settings.stride, model=settings.model,
                                      look=worker_look())
        outcome = Outcome(TRACKED, frames=len(series), series=series)
    except OSError as e:
        outcome = Outcome.failed(f"{e.filename or 'a file'} could not be read or written: {e.strerror or e}.",
                                 FileError.kind)
    except Exception as e:  # noqa: BLE001 - one broken video must not stop the batch
        outcome = Outcome.refused(e)
    if progress is not None:
        progress.put((job.video, None, None))
    name = re.escape(Path(job.video).name)            # the file's name where it stands as a word of its own
    nameless = re.sub(rf"(?<![\w.-]){name}(?![\w-])", RECORDING_NAME,
                      outcome.reason.replace(str(job.video), RECORDING_PATH))
    return outcome.but(worker=worker, seconds=round(time.monotonic() - start, 2), reason=nameless)


def measure_job(test: str, settings: Settings, tracked: Outcome) -> Outcome:
    """What a worker tracked, measured here: DONE with the result and the prepared series, or FAILED with why."""
    if tracked.status != TRACKED:
        return tracked
    from posture.analysis import analyse_landmarks
    from posture.measures.clock import too_few_frames

    try:
        analysis = analyse_landmarks(tracked.series, test, profile=settings.profile, height_cm=settings.height_cm)
    except Exception as e:  # noqa: BLE001 - one recording must not stop the batch
        if isinstance(e, FrameRateError):               # the batch may have thinned the frames, not the camera
            e = too_few_frames(e.fps, settings.stride)
        return Outcome.refused(e).but(frames=tracked.frames, seconds=tracked.seconds, worker=tracked.worker,
                                      angles=tracked.angles)
    return tracked.but(status=DONE, result=result_dict(analysis.result), series=analysis.series)


def _outcome(future) -> Outcome:
    try:
        return future.result()
    except BrokenProcessPool:
        return LOST


def _progress_manager():
    """The manager process that carries progress back, ending with this process like the workers."""
    from multiprocessing.managers import SyncManager

    manager = SyncManager(ctx=SPAWN)
    manager.start(die_with_parent, (os.getpid(),))
    return manager


def on_this_machine(tasks: Iterable[Task], settings: Settings, workers: int, on_analysis: OnAnalysis,
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


def on_ray(tasks: Iterable[Task], settings: Settings, address: str, on_analysis: OnAnalysis) -> None:
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
            found = LOST
        on_analysis(pending.pop(ref), found)
