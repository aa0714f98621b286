"""`posture batch` against a hostile tester (issue 17): every manifest row is one job, done and stored exactly once.

Real MediaPipe on the short sample clips (every 3rd frame), a real SQLite database counted with sqlite3, and
the real command in a subprocess wherever a crash, a kill or a second batch is the point. The crashes come
from the one test hook, POSTURE_BATCH_FAULT (`posture.batch.folder.fault`), which ends the process with exit code 9
at a step of a job's bookkeeping: after its analysis is back, after its session is committed, after its
record is written.
"""

from __future__ import annotations

import codecs
import os
import re
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest

from conftest import SAMPLES, bend, run_cli
from posture.batch import FAULT_VARIABLE, Job, Settings, store_session
from posture.cli import main
from posture.errors import PostureError
from posture.export import result_dict
from posture.landmarks import Excluded
from posture.store.db import open_database

FRONT, SIDE, BEND = SAMPLES / "posture_front.mp4", SAMPLES / "posture_side.mp4", SAMPLES / "side_bend_front.mp4"
FAST = ["--stride", "3", "--quiet"]       # standing postures only: a movement at 5 fps is refused (10 fps floor)
EVERY_FRAME = ["--quiet"]
HUG = Path(__file__).parent / "real_clips" / "two_men_hug_mmaction2.mp4"


def batch_command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "posture.cli", "batch", *map(str, args)]


def environment(fault: str | None = None) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k != FAULT_VARIABLE}
    return clean | ({FAULT_VARIABLE: fault} if fault else {})


def cli(*args: str | Path, fault: str | None = None) -> subprocess.CompletedProcess:
    """`posture batch ARGS` in its own process, to its end, optionally crashing at a bookkeeping step."""
    return subprocess.run(batch_command(*args), capture_output=True, text=True, timeout=600, env=environment(fault))


def start(*args: str | Path, **popen) -> subprocess.Popen:
    """`posture batch ARGS` started in its own process (its output piped, as text, unless told otherwise)."""
    popen = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True} | popen
    return subprocess.Popen(batch_command(*args), env=environment(), **popen)


def copies(folder: Path, source: Path, names: list[str]) -> list[Path]:
    """The same recording under other names (as for other clients)."""
    for name in names:
        shutil.copyfile(source, folder / name)
    return [folder / name for name in names]


def manifest(path: Path, rows: list[tuple[Path, str, str, str]]) -> Path:
    path.write_text("video,client,session,test\n" + "".join(f"{v},{c},{s},{t}\n" for v, c, s, t in rows))
    return path


def stored_tests(db: Path) -> list[tuple[str, str, str]]:
    """(client, label, batch key) of every stored test in the SQLite file, counted without the tool's code."""
    with closing(sqlite3.connect(db)) as raw:
        return sorted(raw.execute("SELECT c.pseudonym, s.label, t.batch_key FROM tests t "
                                  "JOIN sessions s ON t.session_id = s.id JOIN visits v ON s.visit_id = v.id "
                                  "JOIN clients c ON v.client_id = c.id"))


def results(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "results.csv", keep_default_na=False)


def stored_line(new: int, before: int = 0) -> str:
    return f"Stored {new} new tests in the database" + (f" ({before} stored before)." if before else ".")


# 1. Rows whose recordings repeat

@pytest.mark.slow
def test_rows_whose_recordings_repeat_are_each_a_job_and_a_session(tmp_path, capsys):
    a, b = copies(tmp_path, FRONT, ["a.mp4", "b.mp4"])
    c, d = copies(tmp_path, SIDE, ["c.mp4", "d.mp4"])
    rows = [(a, "AB-1", "pre", "posture-frontal"), (b, "AB-2", "pre", "posture-frontal"),
            (c, "AB-3", "post", "posture-sagittal"), (d, "AB-4", "post", "posture-sagittal")]
    out, db = tmp_path / "out", tmp_path / "clinic.db"
    args = ["batch", str(manifest(tmp_path / "visit.csv", rows)), "--out", str(out), "--db", str(db), *FAST]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "4 done, 0 skipped (finished before), 0 failed" in text and stored_line(4) in text
    assert [(client, label) for client, label, _ in stored_tests(db)] == [(who, label) for _, who, label, _ in rows]
    table = results(out)
    assert list(table.drop_duplicates("video")[["video", "client", "session", "status"]].itertuples(index=False)) \
        == [(str(video), who, label, "done") for video, who, label, _ in rows]
    assert len(list((out / "landmarks").glob("*.npz"))) == 2          # one analysis per recording, shared

    assert main(args) == 0                                            # and again: nothing new, nothing twice
    text = capsys.readouterr().out
    assert "0 done, 4 skipped (finished before), 0 failed" in text and stored_line(0, 4) in text
    assert len(stored_tests(db)) == 4 and len(results(out)) == len(table)


@pytest.mark.slow
def test_a_visit_of_two_tests_from_a_manifest_is_one_pre_and_one_post_session(tmp_path, capsys):
    """The batch stores as the app and the command line do: each row's test joins its client's pre or post of the
    day, so four recordings (two tests, before and after) make one visit of two sessions."""
    bend, side = SAMPLES / "forward_bend_side.mp4", BEND
    bend_after, side_after = copies(tmp_path, bend, ["bend-after.mp4"])[0], copies(tmp_path, side, ["side-after.mp4"])[0]
    rows = [(bend, "AB-1", "pre", "forward-bend"), (side, "AB-1", "pre", "side-bend"),
            (bend_after, "AB-1", "post", "forward-bend"), (side_after, "AB-1", "post", "side-bend")]
    out, db = tmp_path / "out", tmp_path / "clinic.db"
    assert main(["batch", str(manifest(tmp_path / "visit.csv", rows)), "--out", str(out), "--db", str(db),
                 *EVERY_FRAME]) == 0
    assert stored_line(4) in capsys.readouterr().out
    with closing(sqlite3.connect(db)) as raw:
        layout = raw.execute("SELECT v.id, s.label, group_concat(t.test, ' ') FROM sessions s JOIN visits v ON "
                             "s.visit_id = v.id JOIN tests t ON t.session_id = s.id GROUP BY s.id ORDER BY s.id"
                             ).fetchall()
    assert [(visit, label, sorted(tests.split())) for visit, label, tests in layout] == [
        (1, "pre", ["forward-bend", "side-bend"]), (1, "post", ["forward-bend", "side-bend"])]
    assert main(["sessions", "--db", str(db), "report", "1", "--out", str(tmp_path / "visit.pdf")]) == 0


# 2. A session stored twice: a crash at each step of the bookkeeping, two batches at once

STEPS = [  # step, sessions when it crashed, then on the re-run: done, new sessions, sessions stored before
    ("after-analysis", 0, 2, 2, 0),
    ("after-commit", 1, 2, 1, 1),
    ("after-record", 1, 1, 1, 1),
]


@pytest.mark.slow
@pytest.mark.parametrize("step, at_crash, done, new, before", STEPS)
def test_a_crash_at_any_step_of_a_rows_bookkeeping_stores_it_once(tmp_path, step, at_crash, done, new, before):
    a, b = copies(tmp_path, FRONT, ["a.mp4", "b.mp4"])      # one analysis, two rows: the crash hits the first
    out, db = tmp_path / "out", tmp_path / "clinic.db"
    rows = [(a, "AB-1", "pre", "posture-frontal"), (b, "AB-2", "pre", "posture-frontal")]
    args = [manifest(tmp_path / "visit.csv", rows), "--out", out, "--db", db, "--workers", "1", *FAST]

    crashed = cli(*args, fault=step)
    assert crashed.returncode == 9 and "Traceback" not in crashed.stderr, crashed.stderr
    assert len(stored_tests(db)) == at_crash and not (out / "results.csv").exists()
    assert len(list((out / "done").glob("*.json"))) == (step == "after-record")

    again = cli(*args)
    assert again.returncode == 0, again.stderr
    assert f"{done} done, {2 - done} skipped (finished before), 0 failed" in again.stdout
    assert stored_line(new, before) in again.stdout
    stored = stored_tests(db)
    assert [client for client, _, _ in stored] == ["AB-1", "AB-2"] and len({key for *_, key in stored}) == 2
    table = results(out)
    assert sorted(table.video.unique()) == [str(a), str(b)] and not table.duplicated(["video", "measurement"]).any()


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def lock_holder(out: Path) -> str:
    try:
        return (out / ".lock").read_text().strip()
    except OSError:
        return ""


THREE_CLIENTS = [(FRONT, "AB-1", "pre", "posture-frontal"), (SIDE, "AB-2", "pre", "posture-sagittal"),
                 (BEND, "AB-3", "pre", "side-bend")]


def three_clients(tmp_path: Path) -> tuple[list, Path, Path]:
    """THREE_CLIENTS as a batch on one worker (slow enough to be caught working): its arguments, its --out and its
    database."""
    out, db = tmp_path / "out", tmp_path / "clinic.db"
    return [manifest(tmp_path / "visit.csv", THREE_CLIENTS), "--out", out, "--db", db, "--workers", "1",
            *EVERY_FRAME], \
        out, db


@pytest.mark.slow
def test_a_second_batch_into_the_same_out_folder_is_refused_at_once(tmp_path):
    args, out, db = three_clients(tmp_path)
    first = start(*args)
    try:
        wait_for(lambda: lock_holder(out) == str(first.pid) or first.poll() is not None, 60, "the first batch")
        second = cli(*args)                  # while the first one works
        still_running = first.poll() is None
        first_out, first_err = first.communicate(timeout=600)
    finally:
        first.kill()
    assert still_running, "the first batch ended before the second tried: the machine is too slow for this test"
    assert second.returncode == 1
    assert second.stderr.strip() == f"error: Another batch is writing to {out}; wait for it to finish or use " \
                                    "another --out."
    assert first.returncode == 0, first_err
    assert "3 done, 0 skipped (finished before), 0 failed" in first_out and stored_line(3) in first_out
    assert [client for client, _, _ in stored_tests(db)] == ["AB-1", "AB-2", "AB-3"]


@pytest.mark.slow
def test_two_batches_into_two_out_folders_store_each_row_once(tmp_path):
    a, b = copies(tmp_path, FRONT, ["a.mp4", "b.mp4"])
    rows = [(a, "AB-1", "pre", "posture-frontal"), (b, "AB-2", "pre", "posture-frontal")]
    db, visit = tmp_path / "clinic.db", manifest(tmp_path / "visit.csv", rows)
    open_database(db).dispose()          # the schema exists (its set-up taking turns is the store's own test)
    both = [start(visit, "--out", tmp_path / f"out{k}", "--db", db, "--workers", "1", *FAST) for k in (1, 2)]
    outputs = [p.communicate(timeout=600) for p in both]
    assert [p.returncode for p in both] == [0, 0], [err for _, err in outputs]
    new = [int(re.search(r"Stored (\d) new tests", out).group(1)) for out, _ in outputs]
    assert sum(new) == 2
    stored = stored_tests(db)
    assert [client for client, _, _ in stored] == ["AB-1", "AB-2"] and len({key for *_, key in stored}) == 2


def store_when_all_are_ready(url: str, record: dict, ready, outcomes) -> None:
    """One of several processes storing the same row, all starting at the same moment."""
    engine = open_database(url)
    ready.wait()
    outcomes.put(store_session(engine, record))


def test_one_row_stored_by_many_processes_at_once_is_stored_once(db_url, tmp_path):
    """The database's unique key decides between writers that may all have looked and found nothing."""
    import multiprocessing as mp

    from sqlalchemy import func, select

    from posture.store.models import Session

    result, series = bend(60.0)
    series.save(tmp_path / "bend.npz")
    record = {"key": "k" * 64, "job": asdict(Job("bend.mp4", "forward-bend", "AB-1", "pre")),
              "result": result_dict(result), "landmarks": str(tmp_path / "bend.npz")}
    open_database(db_url).dispose()
    ctx = mp.get_context("spawn")
    ready, outcomes = ctx.Barrier(4), ctx.Queue()
    writers = [ctx.Process(target=store_when_all_are_ready, args=(db_url, record, ready, outcomes))
               for _ in range(4)]
    for w in writers:
        w.start()
    stored = [outcomes.get(timeout=120) for _ in writers]
    for w in writers:
        w.join(timeout=60)
    assert sorted(new for _, new in stored) == [False, False, False, True]
    assert len({session_id for session_id, _ in stored}) == 1
    with open_database(db_url).connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Session)) == 1


# What held before, replayed: a batch killed half-way loses nothing and repeats nothing

@pytest.mark.slow
def test_a_batch_killed_half_way_resumes_without_losing_or_repeating(tmp_path):
    args, out, db = three_clients(tmp_path)
    first = start(*args, start_new_session=True)
    try:
        wait_for(lambda: list((out / "done").glob("*.json")), 300, "a first finished row")
    finally:
        os.killpg(first.pid, signal.SIGKILL)          # the batch and its worker, mid-way
        first.communicate()
    finished = len(list((out / "done").glob("*.json")))
    assert 1 <= finished < 3 and not (out / "results.csv").exists()
    torn = out / "done" / f".{'0' * 64}.json.{first.pid}.{'a' * 12}"      # as a kill in mid-write leaves one
    torn.write_text('{"key": ')

    again = cli(*args)
    assert again.returncode == 0, again.stderr
    assert f"{3 - finished} done, {finished} skipped (finished before), 0 failed" in again.stdout
    stored = stored_tests(db)
    assert [client for client, _, _ in stored] == ["AB-1", "AB-2", "AB-3"] and len({k for *_, k in stored}) == 3
    table = results(out)
    assert sorted(table.video.unique()) == sorted(str(v) for v, *_ in THREE_CLIENTS) and (table.status == "done").all()
    assert not table.duplicated(["video", "measurement"]).any()
    assert not torn.exists()


# 3. The second-person check: no stride below 1, no trust in a header's length

@pytest.mark.parametrize("stride", ["0", "-1", "1.5", "two"])
def test_a_stride_below_one_is_refused_as_a_wrong_argument(tmp_path, capsys, stride):
    with pytest.raises(SystemExit) as e:
        main(["batch", str(FRONT), "--out", str(tmp_path / "out"), "--stride", stride])
    assert e.value.code == 2 and not (tmp_path / "out").exists()
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == f"posture batch: error: argument --stride: '{stride}' is not a whole number of 1 or more"


def test_the_library_refuses_a_stride_below_one_too():
    from posture.pipeline import landmarks_from_video

    for stride in (0, -1):
        with pytest.raises(PostureError, match="stride must be a whole number of frames, 1 or more"):
            landmarks_from_video(FRONT, stride=stride)
        with pytest.raises(PostureError, match="stride must be a whole number of frames, 1 or more"):
            Settings(stride=stride)


def hug_clip(path: Path, claimed_seconds: float | None = None) -> Path:
    """36 frames of the real hug clip: the men apart (0-15), hugging (16-24, its frames 32-40), apart again.

    With claimed_seconds, the AVI headers (avih dwTotalFrames, strh dwLength) claim that many seconds.
    """
    import cv2

    cap, frames = cv2.VideoCapture(str(HUG)), []
    fps = cap.get(cv2.CAP_PROP_FPS)
    while (frame := cap.read()[1]) is not None:
        frames.append(cv2.resize(frame, (960, 540)))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (960, 540))
    for k in [*range(0, 16), *range(32, 41), *range(15, 4, -1)]:
        writer.write(frames[k])
    writer.release()
    if claimed_seconds:
        data = bytearray(path.read_bytes())
        for chunk, offset in ((b"avih", 16), (b"strh", 32)):
            struct.pack_into("<I", data, data.find(chunk) + 8 + offset, int(claimed_seconds * fps))
        path.write_bytes(data)
    return path


@pytest.mark.slow
def test_a_header_claiming_three_hours_does_not_thin_the_second_person_check(tmp_path):
    from posture.pipeline import landmarks_from_video
    from posture.video import probe

    honest, lying = hug_clip(tmp_path / "hug.avi"), hug_clip(tmp_path / "hug_3h.avi", 3 * 3600)
    assert probe(honest).frame_count == 36 and probe(lying).frame_count > 3 * 3600 * 20
    truth, claimed = landmarks_from_video(honest), landmarks_from_video(lying)
    assert len(claimed) == 36
    set_aside = (claimed.excluded == Excluded.OVERLAP)
    assert set_aside.tolist() == (truth.excluded == Excluded.OVERLAP).tolist() and claimed.notes == truth.notes
    assert set_aside[16:].any() and not set_aside[:16].any()          # the hug is caught, the frames before kept
    assert any("another person overlapped the subject" in n for n in claimed.notes)


# 4. Resume follows changed settings and corrected manifest rows

@pytest.mark.slow
def test_changed_settings_and_a_corrected_row_are_new_jobs_not_stale_ones(tmp_path, capsys):
    out, db, visit = tmp_path / "out", tmp_path / "clinic.db", tmp_path / "visit.csv"

    def run(*extra: str) -> str:
        assert main(["batch", *extra, "--out", str(out), "--db", str(db), "--quiet"]) == 0
        return capsys.readouterr().out

    manifest(visit, [(FRONT, "AB-1", "post", "posture-frontal")])
    run(str(visit), "--stride", "3")
    manifest(visit, [(FRONT, "AB-1", "pre", "posture-frontal")])          # the label corrected
    text = run(str(visit), "--stride", "3")
    assert "1 done, 0 skipped (finished before), 0 failed" in text and stored_line(1) in text
    assert results(out).session.unique().tolist() == ["pre"]
    assert len(list((out / "landmarks").glob("*.npz"))) == 1             # the analysis was not repeated

    text = run(str(visit), "--stride", "4")                              # another stride: analysed again
    assert "1 done, 0 skipped (finished before), 0 failed" in text
    assert len(list((out / "landmarks").glob("*.npz"))) == 2
    assert [label for _, label, _ in stored_tests(db)] == ["post", "pre", "pre"]   # nothing was overwritten

    assert "1 done, 0" in run(str(FRONT), "--stride", "4", "--test", "auto")  # another test: a new job
    assert "0 done, 1 skipped" in run(str(FRONT), "--stride", "4", "--test", "auto")
    assert results(out).test.unique().tolist() == ["posture-frontal"]       # recognised


# 5. Workers die with their batch

def descendants(pid: int) -> set[int]:
    """Every process started, directly or not, by `pid` (from /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def wait_for_output(process: subprocess.Popen, text: bytes, seconds: float) -> None:
    """Read the process's stderr until `text` shows (a progress bar's unit, say)."""
    seen, deadline = b"", time.monotonic() + seconds
    while text not in seen:
        assert time.monotonic() < deadline and process.poll() is None, f"no {text!r} in {seen[-300:]!r}"
        if select.select([process.stderr], [], [], 0.2)[0]:
            seen += os.read(process.stderr.fileno(), 4096)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_when_their_batch_is_killed(tmp_path):
    batch = start(BEND, SAMPLES / "rotation_front.mp4", "--out", tmp_path / "out", "--workers", "2",
                  stdout=subprocess.DEVNULL, text=False)         # with progress bars: their manager process too
    children: set[int] = set()
    try:
        wait_for_output(batch, b"frame/s", 120)          # a worker is at work on a video
        children = descendants(batch.pid)
        assert len(children) >= 3                        # two workers and the progress manager (and a tracker)
        os.kill(batch.pid, signal.SIGKILL)               # the batch alone, as kill -9 PID does
        batch.wait()
        wait_for(lambda: not any(running(p) for p in children), 3, "the workers to end with their batch")
    finally:
        for pid in children:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        batch.kill()
        batch.stderr.close()


# 6. Messages and exit codes

@pytest.mark.slow
def test_a_manifest_with_a_byte_order_mark_and_failed_rows(tmp_path, capsys):
    (tmp_path / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    visit = tmp_path / "visit.csv"          # as a spreadsheet saves "CSV UTF-8"
    visit.write_bytes(codecs.BOM_UTF8 + f"video,client,session,test\r\n{FRONT},AB-1,pre,posture-frontal\r\n"
                      "missing.mp4,AB-2,pre,\r\ncorrupt.mp4,AB-3,post,\r\n".encode())
    out = tmp_path / "out"
    assert main(["batch", str(visit), "--out", str(out), *FAST]) == 1      # something failed: not 0
    text = capsys.readouterr().out
    assert "1 done, 0 skipped (finished before), 2 failed" in text
    assert f"failed: {tmp_path / 'missing.mp4'} (AB-2, pre): the file does not exist" in text
    assert f"failed: {tmp_path / 'corrupt.mp4'} (AB-3, post): corrupt.mp4 is not a video" in text
    table = results(out).drop_duplicates("video")
    assert table[["client", "status"]].values.tolist() == [["AB-1", "done"], ["AB-2", "failed"], ["AB-3", "failed"]]


def test_a_manifest_client_that_is_markup_or_a_formula_is_refused_and_shown_as_text(tmp_path, capsys):
    """Such a client is no pseudonym: its row fails before any analysis, nothing is stored, and in results.csv
    the cell starts with an apostrophe so that a spreadsheet shows it instead of running it."""
    formula = '=HYPERLINK("http://example.com"; "x")'
    rows = [(FRONT, formula.replace(",", ";"), "pre", "posture-frontal"), (FRONT, "AB-1", "pre", "posture-frontal")]
    out, db = tmp_path / "out", tmp_path / "clinic.db"
    assert main(["batch", str(manifest(tmp_path / "m.csv", rows)), "--out", str(out), "--db", str(db), *FAST]) == 1
    text = capsys.readouterr().out
    assert "The manifest's client column: A pseudonym holds only letters, digits" in text
    assert [client for client, _, _ in stored_tests(db)] == ["AB-1"]
    raw = (out / "results.csv").read_text()
    assert "'=HYPERLINK" in raw and ",=HYPERLINK" not in raw


def test_a_batch_where_everything_failed_exits_1_and_the_help_says_so(tmp_path, capsys):
    assert main(["batch", str(tmp_path / "a.mp4"), str(tmp_path / "b.mp4"), "--out", str(tmp_path / "out")]) == 1
    assert "0 done, 0 skipped (finished before), 2 failed" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    assert "1 when any failed" in " ".join(capsys.readouterr().out.split())


def can_mount_tmpfs() -> bool:
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.slow
def test_a_full_disk_gives_one_sentence_and_leaves_the_table_whole(tmp_path):
    """A real full disk: a 2 MB tmpfs in a private mount namespace, filled between two runs."""
    if not can_mount_tmpfs():
        pytest.skip("needs `unshare -rm` and tmpfs (Linux) to make a small full disk")
    disk, copy = tmp_path / "disk", tmp_path / "copy"
    disk.mkdir()
    run = " ".join(batch_command(FRONT, "--out", disk / "out", "--quiet", "--stride"))
    script = (f"mount -t tmpfs -o size=2m tmpfs {disk} && "
              f"{run} 3 >{tmp_path}/1.out 2>{tmp_path}/1.err; echo $? >{tmp_path}/1.rc; "
              f"dd if=/dev/zero of={disk}/fill bs=64k 2>/dev/null; "
              f"{run} 5 >{tmp_path}/2.out 2>{tmp_path}/2.err; echo $? >{tmp_path}/2.rc; "
              f"cp -a {disk}/out {copy}")
    subprocess.run(["unshare", "-rm", "sh", "-c", script], check=True, timeout=600,
                   env={k: v for k, v in os.environ.items() if k != FAULT_VARIABLE})
    first, second = ((tmp_path / f"{k}.rc").read_text().strip() for k in (1, 2))
    assert first == "0", (tmp_path / "1.err").read_text()
    stdout, stderr = (tmp_path / "2.out").read_text(), (tmp_path / "2.err").read_text()
    assert second == "1" and "Traceback" not in stderr, stderr
    assert "0 done, 0 skipped (finished before), 1 failed" in stdout
    assert "its landmarks could not be saved" in stdout and "No space left on device" in stdout
    (error,) = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert error == (f"error: results.csv could not be written in {disk / 'out'} (No space left on device): free "
                     "some space and run the batch again; the finished jobs are kept.")
    table = pd.read_csv(copy / "results.csv")                       # the first run's, whole
    assert (table.status == "done").all() and len(table) > 1
    assert sorted(p.name for p in copy.iterdir() if p.name.startswith(".")) == [".lock"]   # no half-written file


def test_two_copies_of_a_file_that_fails_each_name_their_own_file(tmp_path, capsys):
    """They share one analysis; the second's failure named the first file (the hostile tester)."""
    for name in ("first.mp4", "second.mp4"):
        (tmp_path / name).write_bytes(b"not a video at all" * 100)
    code, out, _ = run_cli(capsys, "batch", str(tmp_path / "first.mp4"), str(tmp_path / "second.mp4"), "--out",
                           str(tmp_path / "out"), "--quiet", "--workers", "1")
    failed = [line for line in out.splitlines() if line.strip().startswith("failed:")]
    assert code == 1 and len(failed) == 2
    for line, name in zip(failed, ("first.mp4", "second.mp4")):
        assert f"{name} is not a video this tool can read" in line and ("second.mp4" if name == "first.mp4" else
                                                                       "first.mp4") not in line.split(":", 2)[2]
