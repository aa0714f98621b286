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
