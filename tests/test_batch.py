"""Batch analysis: bad files fail alone, a killed batch resumes, Ray runs it too; real MediaPipe on the samples."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from conftest import SAMPLES, sample
from posture.batch import Job, collect_jobs, run_batch
from posture.cli import main
from posture.store.db import open_database
from posture.store.records import client_sessions


def test_jobs_from_files_folders_globs_and_a_manifest(tmp_path):
    (tmp_path / "visits" / "a").mkdir(parents=True)
    for name in ("visits/a/one.mp4", "visits/two.MOV", "visits/notes.txt", "three.mp4"):
        (tmp_path / name).write_bytes(b"x")
    manifest = tmp_path / "list.csv"
    manifest.write_text("video,client,session,test\nthree.mp4,AB-1,post,forward-bend\n")
    jobs = collect_jobs([str(tmp_path / "visits"), str(tmp_path / "visits/**/*.mp4"), str(tmp_path / "*.mp4"),
                         str(manifest)], "auto")
    assert [os.path.relpath(j.video, tmp_path) for j in jobs] == ["visits/a/one.mp4", "visits/two.MOV", "three.mp4",
                                                                  "three.mp4"]
    assert jobs[2] == Job(str(tmp_path / "three.mp4"), "auto")          # named twice the same way: once
    assert jobs[3] == Job(str(tmp_path / "three.mp4"), "forward-bend", "AB-1", "post")   # a manifest row: a job
    (from_manifest,) = collect_jobs([str(manifest)])
    assert (from_manifest.client, from_manifest.session, from_manifest.test) == ("AB-1", "post", "forward-bend")


def test_a_file_that_is_no_manifest_is_refused(tmp_path):
    bad = tmp_path / "list.csv"
    bad.write_text("path;who\nx.mp4;AB\n")
    assert main(["batch", str(bad), "--out", str(tmp_path / "out")]) == 1


@pytest.mark.slow
def test_batch_with_a_corrupt_and_an_empty_file(tmp_path, capsys):
    corrupt, empty = tmp_path / "corrupt.mp4", tmp_path / "empty.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    empty.write_bytes(b"")
    front, truth = sample("posture_front")
    out = tmp_path / "out"
    code = main(["batch", str(front), str(SAMPLES / "side_bend_front.mp4"), str(corrupt), str(empty),
                 "--out", str(out), "--workers", "2", "--quiet"])
    text = capsys.readouterr().out
    assert code == 1 and "2 done, 0 skipped (finished before), 2 failed" in text      # 1: something failed
    assert "corrupt.mp4 is not a video" in text and "empty (0 bytes)" in text

    table = pd.read_parquet(out / "results.parquet")
    cols = ["video", "status", "measurement", "unit"]
    assert pd.read_csv(out / "results.csv")[cols].fillna("").equals(table[cols].fillna(""))   # one table, two formats
    status = table.groupby("video")["status"].first()
    assert status[str(corrupt)] == "failed" and status[str(front)] == "done"
    refusal = table.groupby("video")["refusal"].first().fillna("")
    assert (refusal[str(corrupt)], refusal[str(empty)], refusal[str(front)]) == ("video", "video", "")
    tilt = table[(table.video == str(front)) & (table.measurement == "shoulder_tilt")].value.item()
    assert tilt == pytest.approx(truth["expected"]["shoulder_tilt"], abs=3.0)
    assert table[table.video == str(SAMPLES / "side_bend_front.mp4")].test.iloc[0] == "side-bend"   # recognised
    assert len(list((out / "landmarks").glob("*.npz"))) == 2


@pytest.mark.slow
def test_a_killed_batch_resumes_without_repeating(tmp_path):
    videos = [str(SAMPLES / f"{n}.mp4") for n in ("posture_front", "posture_side", "side_bend_front")]
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "posture.cli", "batch", *videos, "--out", str(out), "--workers", "1", "--quiet"]
    first = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while not list((out / "done").glob("*.json")) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        os.killpg(first.pid, signal.SIGKILL)      # the batch and its worker, mid-way
        first.wait()
    finished = len(list((out / "done").glob("*.json")))
    assert 1 <= finished < 3 and not (out / "results.csv").exists()

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"{3 - finished} done, {finished} skipped (finished before), 0 failed" in again.stdout
    table = pd.read_csv(out / "results.csv")
    assert sorted(table.video.unique()) == sorted(videos) and (table.status == "done").all()
    assert not table.duplicated(["video", "measurement"]).any()


@pytest.mark.slow
def test_the_same_batch_on_a_local_ray_instance(tmp_path):
    ray = pytest.importorskip("ray", reason="Ray is the optional extra posture[ray]")
    front, truth = sample("posture_front")
    try:
        summary = run_batch([Job(str(front)), Job(str(tmp_path / "missing.mp4"))], tmp_path / "out",
                            ray_address="local")
    finally:
        ray.shutdown()
    failed = dict(summary.failed)
    assert summary.done == [Job(str(front))] and "does not exist" in failed[Job(str(tmp_path / "missing.mp4"))]
    table = pd.read_parquet(tmp_path / "out" / "results.parquet")
    tilt = table[table.measurement == "shoulder_tilt"].value.item()
    assert tilt == pytest.approx(truth["expected"]["shoulder_tilt"], abs=3.0)


@pytest.mark.slow
def test_a_manifest_stores_sessions_once(tmp_path, capsys):
    manifest = tmp_path / "visit.csv"
    manifest.write_text(f"video,client,session,test\n{SAMPLES / 'posture_front.mp4'},AB-1,pre,posture-frontal\n")
    db = tmp_path / "clinic.db"
    args = ["batch", str(manifest), "--out", str(tmp_path / "out"), "--db", str(db), "--quiet"]
    assert main(args) == 0 and "Stored 1 new tests" in capsys.readouterr().out
    assert main(args) == 0 and "Stored 0 new tests" in capsys.readouterr().out
    (s,) = client_sessions(open_database(db), "AB-1")
    assert s.label == "pre" and s.source == "batch" and s.tests[0].test == "posture-frontal"


@pytest.mark.slow
def test_a_worker_is_started_once_and_reused_for_every_video(tmp_path):
    videos = [Job(str(SAMPLES / f"{n}.mp4")) for n in ("posture_front", "posture_side", "side_bend_front")]
    records = []
    summary = run_batch(videos, tmp_path / "out", workers=1, on_record=records.append)
    assert summary.done == videos
    workers = {r["worker"] for r in records}
    assert len(workers) == 1 and workers != {f"{os.uname().nodename}:{os.getpid()}"}    # one process, not this one


def loaded_modules() -> set[str]:
    return set(sys.modules)


@pytest.mark.slow
def test_a_worker_only_tracks_and_the_batchs_process_measures():
    """A worker's start-up and recordings never load the measures' filters (scipy.signal: 0.45 s a worker);
    what it tracked is measured by the batch's process, as the same recording analysed on its own."""
    from posture.batch import Settings, load_libraries, measure_job, track_job
    from posture.pipeline import analyse_video
    from posture.workers import process_pool

    video, _ = sample("side_bend_front")
    with process_pool(1, load_libraries) as pool:
        found = pool.submit(track_job, Job(str(video), "side-bend"), Settings()).result()
        loaded = pool.submit(loaded_modules).result()
    assert "posture.pipeline" in loaded and "mediapipe" in loaded
    assert "scipy.signal" not in loaded
    assert found.status == "tracked" and found.result is None and found.series is not None
    done = measure_job("side-bend", Settings(), found)
    alone = analyse_video(video, "side-bend").result
    assert done.status == "done"
    assert [m["value"] for m in done.result["measurements"]] == [m.value for m in alone.measurements]
