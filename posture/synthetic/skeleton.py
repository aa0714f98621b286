"""A posable human skeleton in metres, the ground truth of tests and rendered videos.

World frame: origin on the floor between the feet, x to the subject's left,
y up, z to the subject's front (right-handed). Angles in degrees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.landmarks import N_LANDMARKS, Landmark as L


@dataclass(frozen=True)
class Body:
    """Proportions of one subject (anthropometric ratios of standing height)."""

    height: float = 1.70
    shoulder_width: float = 0.215   # between shoulder landmarks, share of height
    hip_width: float = 0.115        # between hip landmarks
    foot_separation: float = 0.12   # between ankles

    @property
    def trunk_length(self) -> float:
        """Mid-hip to mid-shoulder."""
        return 0.295 * self.height

    @property
    def thigh(self) -> float:
        return 0.245 * self.height

    @property
    def shank(self) -> float:
        """Knee to ankle: the hip stands at 0.52 of height."""
        return 0.52 * self.height - self.thigh - self.ankle_height

    @property
    def ankle_height(self) -> float:
        return 0.039 * self.height

    @property
    def upper_arm(self) -> float:
        return 0.186 * self.height

    @property
    def forearm(self) -> float:
        return 0.146 * self.height

    @property
    def hand(self) -> float:
        return 0.09 * self.height

    @property
    def neck(self) -> float:
        return 0.055 * self.height

    @property
    def head_radius(self) -> float:
        return 0.062 * self.height

    @property
    def clavicle(self) -> float:
        return 0.09 * self.height


@dataclass(frozen=True)
class Pose:
    """Joint angles of one instant, all in degrees.

    trunk_flexion: hip-to-shoulder forward of vertical (+ forward).
    trunk_lateral: hip-to-shoulder lean (+ to the subject's left).
    trunk_rotation: shoulders against pelvis about the trunk (+ to the subject's left).
    pelvis_yaw: whole pelvis turned about the vertical (+ to the subject's left).
    pelvic_obliquity: hip line from horizontal (+ left hip higher).
    shoulder_tilt: shoulder line relative to the trunk's perpendicular (+ left higher).
    head_tilt: ear line relative to the shoulder line (+ left ear higher).
    neck_forward: neck inclined forward of the trunk (forward head posture).
    knee_flexion: both knees, 0 is straight.
    hip_shift_back: pelvis moved back behind the ankles, metres (as in a bend).
    arms: 'trunk' hangs the arms along the trunk, 'gravity' straight down; the realistic body only: 'crossed' on
    the chest, 'bar' holding a bar across the back of the shoulders (hands wide, elbows down).
    seated: on a stool, thighs level and shanks upright (the realistic body only).
    step, x_offset: the left foot this far ahead of the right, the whole body moved this far to its
    left (metres; walking, realistic body only).
    """

    trunk_flexion: float = 0.0
    trunk_lateral: float = 0.0
    trunk_rotation: float = 0.0
    pelvis_yaw: float = 0.0
    pelvic_obliquity: float = 0.0
    shoulder_tilt: float = 0.0
    head_tilt: float = 0.0
    neck_forward: float = 8.0
    knee_flexion: float = 0.0
    hip_shift_back: float = 0.0
    arms: str = "trunk"
    arm_abduction: float = 8.0
    step: float = 0.0
    x_offset: float = 0.0
    seated: bool = False


def rot_x(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rot_z(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


@dataclass
class PosedSkeleton:
    """World positions of the 33 landmarks."""

    landmarks: np.ndarray                     # 33 x 3, metres


def _two_bone_knee(hip: np.ndarray, ankle: np.ndarray, a: float, b: float,
                   forward: np.ndarray) -> np.ndarray:
    """Knee position for thigh a and shank b, bending towards `forward`."""
    d = ankle - hip
    dist = min(np.linalg.norm(d), a + b - 1e-9)
    axis = _unit(d)
    along = (a * a - b * b + dist * dist) / (2 * dist)
    out = np.sqrt(max(a * a - along * along, 0.0))
    bend = _unit(forward - axis * np.dot(forward, axis))
    return hip + axis * along + bend * out


def _hand_points(wrist: np.ndarray, direction: np.ndarray, outward: np.ndarray,
                 forward: np.ndarray, hand: float) -> dict[str, np.ndarray]:
    """Index, pinky and thumb tips around a hand pointing along `direction`."""
    return {
        "index": wrist + direction * hand * 0.95 + forward * 0.015,
        "pinky": wrist + direction * hand * 0.8 - forward * 0.025 + outward * 0.01,
        "thumb": wrist + direction * hand * 0.55 + forward * 0.04,
    }


CLAVICLE_PROTRACTION = 10.0 / 90.0    # degrees of clavicle protraction per degree of arm flexion


def arm_directions(pose: Pose, trunk: np.ndarray, girdle: np.ndarray) -> dict[str, np.ndarray]:
    """Unit upper-arm direction per side: along the trunk or straight down, abducted outwards."""
    along = trunk @ np.array([0.0, -1.0, 0.0]) if pose.arms == "trunk" else np.array([0.0, -1.0, 0.0])
    a = np.radians(pose.arm_abduction)
    return {side: _unit(np.cos(a) * along + np.sin(a) * (girdle @ np.array([sx, 0.0, 0.0])))
            for side, sx in (("left", 1), ("right", -1))}


def protraction(upper: np.ndarray, trunk: np.ndarray, body: Body) -> np.ndarray:
    """How far the shoulder joint moves forward on the thorax as the arm flexes (metres, world).

    The shoulder girdle follows the arm: with about 10 degrees of clavicle
    protraction at 90 degrees of arm flexion the joint comes some 2.5 cm forward,
    as a hanging arm does in a forward bend.
    """
    fwd, down = trunk @ np.array([0.0, 0.0, 1.0]), trunk @ np.array([0.0, -1.0, 0.0])
    flexion = max(np.degrees(np.arctan2(upper @ fwd, upper @ down)), 0.0)
    return fwd * body.clavicle * np.sin(np.radians(CLAVICLE_PROTRACTION * flexion))


def pose_skeleton(pose: Pose, body: Body = Body()) -> PosedSkeleton:
    """Place all 33 landmarks for `pose` with the feet planted on the floor."""
    H = body.height
    yaw = rot_y(pose.pelvis_yaw)
    forward = yaw @ np.array([0.0, 0.0, 1.0])

    ankles = {s: yaw @ np.array([sx * body.foot_separation / 2, body.ankle_height, 0.0])
              for s, sx in (("left", 1), ("right", -1))}
    k = np.radians(pose.knee_flexion)
    hip_to_ankle = np.sqrt(body.thigh**2 + body.shank**2 - 2 * body.thigh * body.shank * np.cos(np.pi - k))
    shift = min(pose.hip_shift_back, 0.9 * hip_to_ankle)
    hip_y = body.ankle_height + np.sqrt(hip_to_ankle**2 - shift**2)
    pelvis_centre = yaw @ np.array([0.0, 0.0, -shift]) + np.array([0.0, hip_y, 0.0])

    pelvis = yaw @ rot_z(pose.pelvic_obliquity)
    hips = {s: pelvis_centre + pelvis @ np.array([sx * body.hip_width * H / 2, 0, 0])
            for s, sx in (("left", 1), ("right", -1))}
    knees = {s: _two_bone_knee(hips[s], ankles[s], body.thigh, body.shank, forward) for s in hips}

    trunk = yaw @ rot_x(pose.trunk_flexion) @ rot_z(-pose.trunk_lateral) @ rot_y(pose.trunk_rotation)
    mid_shoulder = pelvis_centre + trunk @ np.array([0.0, body.trunk_length, 0.0])
    girdle = trunk @ rot_z(pose.shoulder_tilt)
    arms = arm_directions(pose, trunk, girdle)
    shoulders = {s: mid_shoulder + girdle @ np.array([sx * body.shoulder_width * H / 2, 0, 0])
                 + protraction(arms[s], trunk, body) for s, sx in (("left", 1), ("right", -1))}

    neck_base = mid_shoulder + trunk @ np.array([0.0, 0.01 * H, -0.01 * H])
    neck_dir = trunk @ rot_x(pose.neck_forward) @ np.array([0.0, 1.0, 0.0])
    head_centre = neck_base + neck_dir * (body.neck + body.head_radius * 0.75)
    head = girdle @ rot_z(pose.head_tilt)
    r = body.head_radius

    def on_head(x: float, y: float, z: float) -> np.ndarray:
        return head_centre + head @ np.array([x * r, y * r, z * r])

    pts = np.zeros((N_LANDMARKS, 3))
    pts[L.NOSE] = on_head(0.0, -0.15, 1.12)
    for side, sx in (("LEFT", 1), ("RIGHT", -1)):
        pts[L[f"{side}_EYE_INNER"]] = on_head(sx * 0.2, 0.15, 0.9)
        pts[L[f"{side}_EYE"]] = on_head(sx * 0.35, 0.15, 0.86)
        pts[L[f"{side}_EYE_OUTER"]] = on_head(sx * 0.5, 0.15, 0.78)
        pts[L[f"{side}_EAR"]] = on_head(sx * 0.92, 0.0, -0.05)
    pts[L.MOUTH_LEFT] = on_head(0.25, -0.5, 0.85)
    pts[L.MOUTH_RIGHT] = on_head(-0.25, -0.5, 0.85)

    for side, sx in (("left", 1), ("right", -1)):
        S = side.upper()
        outward = girdle @ np.array([sx * 1.0, 0, 0])
        upper = arms[side]
        elbow = shoulders[side] + upper * body.upper_arm
        fore = _unit(upper + forward * 0.12)
        wrist = elbow + fore * body.forearm
        hand = _hand_points(wrist, fore, outward, forward, body.hand)
        heel = ankles[side] + yaw @ np.array([0.0, -body.ankle_height + 0.02, -0.05])
        toe = ankles[side] + yaw @ np.array([sx * 0.01, -body.ankle_height + 0.02, 0.155 * H * 0.9])
        for name, p in (("SHOULDER", shoulders[side]), ("ELBOW", elbow), ("WRIST", wrist),
                        ("INDEX", hand["index"]), ("PINKY", hand["pinky"]), ("THUMB", hand["thumb"]),
                        ("HIP", hips[side]), ("KNEE", knees[side]), ("ANKLE", ankles[side]),
                        ("HEEL", heel), ("FOOT_INDEX", toe)):
            pts[L[f"{S}_{name}"]] = p
    return PosedSkeleton(landmarks=pts)

