"""Shared fixtures: synthetic scenes built in code, sample videos on disk."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"

FPS = 30.0
NOISE_PX = 2.0   # MediaPipe-like jitter at ~370 px body height (about 0.5% of height)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def sample(name: str) -> tuple[Path, dict]:
    """A bundled sample video and its ground-truth sidecar."""
    video = SAMPLES / f"{name}.mp4"
    return video, json.loads(video.with_suffix(".json").read_text())


@pytest.fixture
def db_url(tmp_path) -> str:
    """A real SQLite file per test."""
    return f"sqlite:///{tmp_path / 'clinic.db'}"
