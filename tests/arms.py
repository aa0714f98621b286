"""Arms the skeleton has no parameter for: raised forward at the shoulder (flexion), seen through a camera."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from conftest import FPS
from posture.landmarks import Landmark as L, LandmarkSeries
from posture.synthetic.camera import Camera
from posture.synthetic.scene import landmark_series, still_poses
from posture.synthetic.skeleton import Pose, pose_skeleton, rot_x

ARMS = {L.LEFT_SHOULDER: [L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_PINKY, L.LEFT_INDEX, L.LEFT_THUMB],
        L.RIGHT_SHOULDER: [L.RIGHT_ELBOW, L.RIGHT_WRIST, L.RIGHT_PINKY, L.RIGHT_INDEX, L.RIGHT_THUMB]}


def arms_forward(poses: list[Pose], cam: Camera, flexion_deg: float) -> LandmarkSeries:
    """The series of `poses` (facing +z) with both arms turned forward by flexion_deg about the shoulders.

    90 holds the arms out in front at shoulder height.
    """
    world = np.stack([pose_skeleton(p).landmarks for p in poses])
    turn = rot_x(-flexion_deg)           # about the subject's left-right axis: a hanging arm swings forward
    for shoulder, arm in ARMS.items():
        world[:, arm] = world[:, [shoulder]] + (world[:, arm] - world[:, [shoulder]]) @ turn.T
    cam_xyz = cam.to_camera(world)
    hips = (cam_xyz[:, L.LEFT_HIP] + cam_xyz[:, L.RIGHT_HIP]) / 2
    return replace(landmark_series(poses, cam, FPS), image=cam.project(world), world=cam_xyz - hips[:, None])


def arms_out(raised: str, cam: Camera, seconds: float = 3.0) -> LandmarkSeries:
    """A still stance with both arms held out at shoulder height: to the sides ('abduction') or in front ('flexion')."""
    if raised == "abduction":
        return landmark_series(still_poses(Pose(arm_abduction=90.0), FPS, seconds), cam, FPS)
    return arms_forward(still_poses(Pose(), FPS, seconds), cam, 90.0)
