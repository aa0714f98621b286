"""Posed motions seen through a camera: landmark series and their 3-D ground truth."""

from __future__ import annotations

import numpy as np

from posture.geometry import joint_flexion
from posture.landmarks import Landmark as L, LandmarkSeries
from posture.synthetic.camera import Camera
from posture.synthetic.skeleton import Body, Pose, pose_skeleton


def trial_profile(fps: float, trials: int = 3, rise_s: float = 1.4, hold_s: float = 0.8,
                  rest_s: float = 1.0, lead_s: float = 2.0) -> np.ndarray:
    """0..1 envelope: stand still, then smooth out-hold-back repetitions."""
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, int(rise_s * fps)))
    one = np.concatenate([ramp, np.ones(int(hold_s * fps)), ramp[::-1], np.zeros(int(rest_s * fps))])
    return np.concatenate([np.zeros(int(lead_s * fps)), np.tile(one, trials)])


def alternating(profile: np.ndarray) -> np.ndarray:
    """Sign per frame that alternates each repetition (+ first), for two-sided tests."""
    sign = np.ones_like(profile)
    moving = profile > 0
    starts = np.flatnonzero(np.diff(moving.astype(int)) == 1)
    for k, s in enumerate(starts):
        if k % 2:
            end = starts[k + 1] if k + 1 < len(starts) else len(profile)
            sign[s:end] = -1
    return sign


def forward_bend_poses(peak_deg: float, fps: float, trials: int = 3, knee_deg: float = 0.0) -> list[Pose]:
    """Repeated forward bends to peak_deg of trunk flexion, hips shifting back as in life."""
    prof = trial_profile(fps, trials)
    return [Pose(trunk_flexion=peak_deg * p, hip_shift_back=0.12 * p * peak_deg / 90,
                 knee_flexion=knee_deg * p, arms="gravity") for p in prof]


def side_bend_poses(peak_deg: float, fps: float, trials: int = 2) -> list[Pose]:
    """Side bends alternating left (+) and right, `trials` to each side."""
    prof = trial_profile(fps, 2 * trials)
    return [Pose(trunk_lateral=peak_deg * p * s) for p, s in zip(prof, alternating(prof))]


def rotation_poses(peak_deg: float, fps: float, trials: int = 2, pelvis_share: float = 0.0) -> list[Pose]:
    """Trunk rotations alternating left (+) and right; pelvis_share of it turns the pelvis too."""
    prof = trial_profile(fps, 2 * trials)
    return [Pose(trunk_rotation=peak_deg * p * s, pelvis_yaw=pelvis_share * peak_deg * p * s,
                 arm_abduction=14.0) for p, s in zip(prof, alternating(prof))]


def still_poses(pose: Pose, fps: float, seconds: float = 3.0) -> list[Pose]:
    """The same standing pose held for a while."""
    return [pose] * int(seconds * fps)


def landmark_series(poses: list[Pose], cam: Camera, fps: float = 30.0, body: Body = Body(),
                    noise_px: float = 0.0, rng: np.random.Generator | None = None,
                    visibility: float = 0.95) -> LandmarkSeries:
    """What a perfect (or noisy) pose model would report for these poses through cam."""
    world = np.stack([pose_skeleton(p, body).landmarks for p in poses])
    image = cam.project(world)
    cam_xyz = cam.to_camera(world)
    hips = (cam_xyz[:, L.LEFT_HIP] + cam_xyz[:, L.RIGHT_HIP]) / 2
    if noise_px:
        rng = rng or np.random.default_rng(0)
        image = image + rng.normal(0, noise_px, image.shape)
        cam_xyz = cam_xyz + rng.normal(0, noise_px * 0.003, cam_xyz.shape)
    return LandmarkSeries(image=image, visibility=np.full(image.shape[:2], visibility),
                          world=cam_xyz - hips[:, None], t=np.arange(len(poses)) / fps,
                          width=cam.width, height=cam.height)


# Ground truth, measured on the 3-D skeleton in its own anatomical planes.

def _mid(p: np.ndarray, a: L, b: L) -> np.ndarray:
    return (p[a] + p[b]) / 2


def truth(pose: Pose, body: Body = Body()) -> dict[str, float]:
    """Every measurement of MEASUREMENTS.md for one pose of the mannequin, from its 3-D geometry (deg, cm)."""
    return measured_truth(pose_skeleton(pose, body).landmarks)


def measured_truth(p: np.ndarray) -> dict[str, float]:
    """Every measurement of MEASUREMENTS.md from 33 world landmarks (x left, y up, z front; metres)."""
    deg = np.degrees
    trunk = _mid(p, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) - _mid(p, L.LEFT_HIP, L.RIGHT_HIP)
    thigh = _mid(p, L.LEFT_KNEE, L.RIGHT_KNEE) - _mid(p, L.LEFT_HIP, L.RIGHT_HIP)
    ear_sh = _mid(p, L.LEFT_EAR, L.RIGHT_EAR) - _mid(p, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)

    def tilt(right: L, left: L) -> float:
        v = p[left] - p[right]
        return float(deg(np.arctan2(v[1], v[0])))

    def yaw(right: L, left: L) -> float:
        v = p[left] - p[right]
        return float(deg(np.arctan2(-v[2], v[0])))

    ankle = _mid(p, L.LEFT_ANKLE, L.RIGHT_ANKLE)
    feet_y = min(p[i][1] for i in (L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX))
    knees = [joint_flexion(p[h], p[k], p[a]) for h, k, a in ((L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
                                                           (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE))]
    trunk_incl = float(deg(np.arctan2(trunk[2], trunk[1])))
    out = {
        "shoulder_tilt": tilt(L.RIGHT_SHOULDER, L.LEFT_SHOULDER),
        "pelvic_tilt": tilt(L.RIGHT_HIP, L.LEFT_HIP),
        "head_tilt": tilt(L.RIGHT_EAR, L.LEFT_EAR),
        "trunk_lateral_lean": float(deg(np.arctan2(trunk[0], trunk[1]))),
        "lateral_shift_cm": float(trunk[0] * 100),
        "trunk_inclination": trunk_incl,
        "head_forward_angle": float(deg(np.arctan2(ear_sh[1], ear_sh[2]))),
        "hip_flexion": trunk_incl + float(deg(np.arctan2(thigh[2], -thigh[1]))),
        "knee_flexion": float(np.mean(knees)),
        "fingertip_to_floor_cm": float((min(p[L.LEFT_INDEX][1], p[L.RIGHT_INDEX][1]) - feet_y) * 100),
        "left_index_height_cm": float((p[L.LEFT_INDEX][1] - feet_y) * 100),
        "right_index_height_cm": float((p[L.RIGHT_INDEX][1] - feet_y) * 100),
        "trunk_rotation": yaw(L.RIGHT_SHOULDER, L.LEFT_SHOULDER) - yaw(L.RIGHT_HIP, L.LEFT_HIP),
        "pelvis_yaw": yaw(L.RIGHT_HIP, L.LEFT_HIP),
    }
    for name, (a, b) in (("ear", (L.LEFT_EAR, L.RIGHT_EAR)), ("shoulder", (L.LEFT_SHOULDER, L.RIGHT_SHOULDER)),
                         ("hip", (L.LEFT_HIP, L.RIGHT_HIP)), ("knee", (L.LEFT_KNEE, L.RIGHT_KNEE))):
        out[f"plumb_{name}_cm"] = float((_mid(p, a, b)[2] - ankle[2]) * 100)
    return out
