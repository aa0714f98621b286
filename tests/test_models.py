"""The pose model's choice: full by default, heavy installed at set-up and said in the result, refused when absent."""

from __future__ import annotations

import pytest

import posture.pose as pose
from conftest import sample
from posture.batch import Settings
from posture.cli import main
from posture.errors import PostureError
from posture.pipeline import HEAVY_NOTE


def test_both_models_are_installed_in_the_wheels_folder():
    assert pose.model_file("full").is_file()
    assert pose.model_file("heavy").stat().st_size > 20_000_000      # copied by dev.sh from @mediapipe/pose


def test_an_unknown_or_missing_model_is_refused_in_one_sentence(tmp_path, monkeypatch, capsys):
    with pytest.raises(PostureError, match="'huge' is not a pose model: use one of full, heavy"):
        Settings(model="huge")
    monkeypatch.setattr(pose, "model_file", lambda model: tmp_path / f"pose_landmark_{model}.tflite")
    with pytest.raises(PostureError, match="heavy pose model is not installed: run 'bash dev.sh test'"):
        pose.MediaPipePose(model="heavy")
    video, _ = sample("posture_front")
    assert main(["analyze", str(video), "--test", "posture-frontal", "--model", "heavy", "--quiet"]) == 1
    assert "heavy pose model is not installed" in capsys.readouterr().err


@pytest.mark.slow
def test_the_heavy_model_measures_and_says_so(capsys):
    video, truth = sample("posture_front")
    assert main(["analyze", str(video), "--test", "posture-frontal", "--model", "heavy", "--json"]) == 0
    out = capsys.readouterr().out
    assert HEAVY_NOTE in out
    import json

    result = json.loads(out)
    tilt = next(m for m in result["measurements"] if m["name"] == "shoulder_tilt")
    assert tilt["value"] == pytest.approx(truth["expected"]["shoulder_tilt"], abs=3.5)


def test_the_graph_fed_directly_gives_the_official_apis_landmarks_bit_for_bit():
    """`pose.run_graph` skips `Pose.process`'s Python work around the graph; the numbers must not change. The
    reference is mediapipe's own API on the same frames: tracking over a clip, single images (the look's pose),
    and the detector alone (with the subject's box filled in, the look's picture: nobody)."""
    import mediapipe as mp
    import numpy as np

    from posture.pipeline import hide_subject
    from posture.video import probe, read_frames

    video, _ = sample("side_bend_front")
    frames = [rgb for _, rgb in read_frames(probe(video))][:40]
    for video_mode in (True, False):
        ours = pose.MediaPipePose(video_mode=video_mode)
        with mp.solutions.pose.Pose(static_image_mode=not video_mode, model_complexity=1,
                                    smooth_landmarks=False) as official:
            for rgb in frames:
                found, want = ours.detect(rgb), official.process(rgb)
                assert found is not None and want.pose_landmarks is not None
                h, w = rgb.shape[:2]
                assert np.array_equal(found[0], [(p.x * w, p.y * h) for p in want.pose_landmarks.landmark])
                assert np.array_equal(found[1], [p.visibility for p in want.pose_landmarks.landmark])
                assert np.array_equal(found[2], [(p.x, p.y, p.z) for p in want.pose_world_landmarks.landmark])
        ours.close()
    subject = pose.MediaPipePose(video_mode=False).detect(frames[0])[0]
    detector = pose.PoseDetector()
    answers = [(detector.anyone(rgb), bool(detector._graph.process({"image": rgb}).detections))
               for rgb in (frames[0], hide_subject(frames[0], subject))]
    detector.close()
    assert answers == [(True, True), (False, False)]
