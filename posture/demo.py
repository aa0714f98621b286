"""The demo client: two visits, each with a pre and a post battery, so that every page has something to show.

The movements are simulated: a stick-figure body (posture/synthetic) moved to
known angles and seen through a camera, with a pixel of noise; the landmarks
then go through the same analysis as a recording's. Nothing here is a real
person, and the sessions say so in their notes. The simulated range grows
after each massage and from one visit to the next, as a treated back might.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy import Engine

from posture.landmarks import LandmarkSeries
from posture.analysis import analyse_landmarks
from posture.measures import AnalysisConfig, TestResult
from posture.store.models import Label
from posture.store.records import add_client
from posture.store.visits import add_test, begin_session
from posture.synthetic.camera import frontal_camera, sagittal_camera
from posture.synthetic.scene import forward_bend_poses, landmark_series, rotation_poses, side_bend_poses, still_poses
from posture.synthetic.skeleton import Body, Pose

DEMO = "Demo"
FPS = 30.0
BODY = Body()
BATTERY = ("posture-frontal", "forward-bend", "side-bend", "rotation")
# Simulated peaks (degrees) per visit, before and after the massage: forward bend, side bend, rotation.
PEAKS = (((48.0, 20.0, 28.0), (60.0, 25.0, 36.0)),
         ((54.0, 22.0, 31.0), (66.0, 29.0, 42.0)))
NOTE = "Demo data: a simulated body, not a real person."


def simulated(test: str, peaks: tuple[float, float, float], seed: int) -> tuple[TestResult, LandmarkSeries]:
    """One test of the battery, simulated and analysed as a recording with the body's height known (the skeleton's
    exact landmarks: no pose model's bias to take off)."""
    bend, side, turn = peaks
    stance = Pose(arm_abduction=14.0) if test == "rotation" else Pose(arms="gravity")    # as each movement starts
    rest = still_poses(stance, FPS, 3.0 if test == "posture-frontal" else 1.5)
    poses = {"posture-frontal": rest, "forward-bend": rest + forward_bend_poses(bend, FPS),
             "side-bend": rest + side_bend_poses(side, FPS), "rotation": rest + rotation_poses(turn, FPS)}[test]
    camera = sagittal_camera() if test == "forward-bend" else frontal_camera()
    series = landmark_series(poses, camera, FPS, BODY, noise_px=1.0, rng=np.random.default_rng(seed))
    analysis = analyse_landmarks(series, test, AnalysisConfig(blazepose=False), height_cm=BODY.height * 100)
    return analysis.result, analysis.series


def load_demo(engine: Engine, today: date | None = None) -> int:
    """Store the demo client's two visits (two weeks apart, the later one today); the number of tests stored."""
    today = today or date.today()
    add_client(engine, DEMO, height_cm=BODY.height * 100, notes=NOTE)
    stored = 0
    for k, (visit_date, visit) in enumerate(zip((today - timedelta(days=14), today), PEAKS)):
        for label, peaks, pain in zip((Label.PRE, Label.POST), visit, ((6, 3), (4, 2))[k]):
            sid = begin_session(engine, DEMO, label, BATTERY, visit_date, pain=pain, notes=NOTE)
            for j, test in enumerate(BATTERY):
                add_test(engine, sid, *simulated(test, peaks, seed=100 * k + 10 * (label == Label.POST) + j))
                stored += 1
    return stored

