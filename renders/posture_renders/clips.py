"""Rendered test videos with known angles: an mp4 and a JSON sidecar of the truth.

`python -m posture_renders.clips sample_videos` regenerates the bundled samples.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from posture.synthetic.camera import Camera, frontal_camera, sagittal_camera
from posture.landmarks import Landmark as L
from posture_renders.human import PosedHuman, Shape, pose_human, shaped_body
from posture_renders.raster import Box, Clothes, Rod, Room, render_scene
from posture.synthetic.scene import (forward_bend_poses, measured_truth, rotation_poses, side_bend_poses,
                                     still_poses, trial_profile)
from posture.synthetic.skeleton import Pose, rot_y
from posture.video import write_video


@dataclass(frozen=True)
class ClipSpec:
    """One rendered clip: the movement, the camera and the subject.

    test: the test the clip is for (and analysed as); motion: what the person really does
    ('' for the test's own movement; a trap otherwise: squat, arm-raise, walk, bow, moving-start).
    azimuth_deg: the camera moved this far round the subject from the test's view (+ towards its left).
    bystander: a second person standing still this far to the subject's left (metres; 0 for none).
    mirrored: the file is flipped left-right, as a selfie camera saves it.
    seated: the whole clip on a stool (thighs level). arms: as Pose.arms, for the whole clip.
    image_width, image_height, focal_px: the camera's picture and lens (pixels).
    """

    name: str
    test: str
    peak_deg: float = 0.0
    stance: Pose = Pose()
    fps: float = 15.0
    distance: float = 2.6
    camera_height: float = 1.2
    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    side: str = "left"
    shape: Shape = Shape()
    clothes: Clothes = Clothes()
    room: Room = Room()
    trials: int = 3
    seed: int = 0
    motion: str = ""
    arms: str = "trunk"
    azimuth_deg: float = 0.0
    bystander: float = 0.0
    mirrored: bool = False
    seated: bool = False
    image_width: int = 480
    image_height: int = 640
    focal_px: float = 560.0
    extra: dict = field(default_factory=dict)     # keyword arguments of the movement's poses
    about: dict = field(default_factory=dict)     # labels for reports (body, camera set-up)

    @property
    def view(self) -> str:
        return "sagittal" if self.test in ("forward-bend", "posture-sagittal") else "frontal"


def camera_for(spec: ClipSpec) -> Camera:
    kw = dict(distance=spec.distance, height=spec.camera_height, pitch_deg=spec.pitch_deg,
              roll_deg=spec.roll_deg)
    cam = sagittal_camera(side=spec.side, **kw) if spec.view == "sagittal" else frontal_camera(**kw)
    cam = replace(cam, width=spec.image_width, height=spec.image_height, focal_px=spec.focal_px)
    if spec.azimuth_deg:
        turn = rot_y(spec.azimuth_deg)
        cam = replace(cam, position=tuple(turn @ np.asarray(cam.position)), target=tuple(turn @ np.asarray(cam.target)))
    return cam


def trap_poses(motion: str, fps: float, trials: int) -> list[Pose]:
    """Movements that are not the test: what a careless recording or a wrong choice of test looks like."""
    prof = trial_profile(fps, trials)
    if motion == "squat":
        return [Pose(knee_flexion=75 * p, trunk_flexion=30 * p, hip_shift_back=0.12 * p) for p in prof]
    if motion == "arm-raise":
        return [Pose(arm_abduction=8 + 80 * p) for p in prof]
    if motion == "bow":
        return [Pose(trunk_flexion=45 * p, arms="gravity") for p in prof]
    if motion == "walk":
        t = np.arange(len(prof)) / fps
        return [Pose(step=0.35 * np.sin(2 * np.pi * 0.9 * x), x_offset=-1.0 + 2.0 * x / t[-1]) for x in t]
    if motion == "moving-start":
        side = side_bend_poses(25.0, fps, trials)
        start = next(i for i, p in enumerate(side) if p.trunk_lateral > 10.0)
        return side[start:]
    raise ValueError(f"unknown motion {motion!r}")


def clip_poses(spec: ClipSpec) -> list[Pose]:
    if spec.motion:
        poses = trap_poses(spec.motion, spec.fps, spec.trials)
    elif spec.test == "forward-bend":
        poses = forward_bend_poses(spec.peak_deg, spec.fps, spec.trials, **spec.extra)
    elif spec.test == "side-bend":
        poses = side_bend_poses(spec.peak_deg, spec.fps, max(spec.trials // 2, 1))
    elif spec.test == "rotation":
        poses = rotation_poses(spec.peak_deg, spec.fps, max(spec.trials // 2, 1), **spec.extra)
    else:
        poses = still_poses(spec.stance, spec.fps, seconds=4.0)
    poses = [replace(p, arms=spec.arms) if spec.arms != "trunk" and p.arms == "trunk" else p for p in poses]
    return [replace(p, seated=True) for p in poses] if spec.seated else poses


def cm_per_px(spec: ClipSpec, cam: Camera) -> float:
    """Scale at the subject's plane (through the origin, facing the camera)."""
    return 100.0 * spec.distance / cam.focal_px


def expected_results(spec: ClipSpec, frames: list[dict]) -> dict[str, float]:
    """What a perfect tool reports for this clip, from the per-frame 3-D truth."""
    first = frames[0]["truth"]

    def peak(key: str, sign: float = 1.0) -> float:
        return max(sign * (f["truth"][key] - first[key]) for f in frames)

    if spec.test == "forward-bend":
        at = max(frames, key=lambda f: f["truth"]["trunk_inclination"])["truth"]
        return {"trunk_flexion": peak("trunk_inclination"), "hip_flexion": at["hip_flexion"],
                "fingertip_to_floor": at["fingertip_to_floor_cm"], "knee_flexion_at_peak": at["knee_flexion"]}
    if spec.test == "side-bend":
        return {"side_bend_left": peak("trunk_lateral_lean"), "side_bend_right": peak("trunk_lateral_lean", -1),
                "fingertip_travel_left": peak("left_index_height_cm", -1),
                "fingertip_travel_right": peak("right_index_height_cm", -1)}
    if spec.test == "rotation":
        return {"rotation_left": peak("trunk_rotation"), "rotation_right": peak("trunk_rotation", -1),
                "pelvis_yaw_left": peak("pelvis_yaw"), "pelvis_yaw_right": peak("pelvis_yaw", -1)}
    if spec.test == "posture-frontal":
        return {k: first[k] for k in ("shoulder_tilt", "pelvic_tilt", "trunk_lateral_lean", "head_tilt")} | {
            "lateral_shift": first["lateral_shift_cm"]}
    return {"head_forward_angle": first["head_forward_angle"], "trunk_inclination": first["trunk_inclination"]} | {
        f"plumb_{p}": first[f"plumb_{p}_cm"] for p in ("ear", "shoulder", "hip", "knee")}


def render_clip(spec: ClipSpec) -> Iterator[tuple[np.ndarray, dict]]:
    """Each frame of a clip with its truth (pose parameters and measurements from the posed joints)."""
    cam, body = camera_for(spec), shaped_body(spec.shape)
    rng = np.random.default_rng(spec.seed)
    others = []
    if spec.bystander:
        other_shape = Shape(height=1.80, gender=1.0 - round(spec.shape.gender), weight=0.6)
        other = pose_human(Pose(x_offset=spec.bystander, arm_abduction=10.0), shaped_body(other_shape))
        others = [(other, other_shape, Clothes(shirt=(120, 120, 60), trousers=(90, 80, 70), sleeves="long"))]
    poses = clip_poses(spec)
    room = _with_stool(spec.room, pose_human(replace(poses[0], trunk_rotation=0.0), body)) if spec.seated else spec.room
    for i, pose in enumerate(poses):
        posed = pose_human(pose, body)
        rods = (_bar(posed.landmarks),) if pose.arms == "bar" else ()
        rgb = render_scene([(posed, spec.shape, spec.clothes)] + others, cam, room, rng, rods)
        yield (rgb[:, ::-1].copy() if spec.mirrored else rgb,
               {"t": round(i / spec.fps, 4), "pose": asdict(pose), "truth": measured_truth(posed.landmarks)})


def _with_stool(room: Room, seated: PosedHuman) -> Room:
    """The room with a stool under a seated person's hips: its top a little below the hip joints."""
    hips = (seated.landmarks[L.LEFT_HIP] + seated.landmarks[L.RIGHT_HIP]) / 2
    top = hips[1] - 0.09
    return replace(room, furniture=room.furniture + (
        Box((hips[0] - 0.2, 0.0, hips[2] - 0.22), (hips[0] + 0.2, top, hips[2] + 0.12), (95, 75, 60)),))


def _bar(landmarks: np.ndarray) -> Rod:
    """The bar in both hands, reaching 12 cm beyond each."""
    left, right = landmarks[L.LEFT_WRIST], landmarks[L.RIGHT_WRIST]
    along = (left - right) / np.linalg.norm(left - right)
    return Rod(tuple(right - 0.12 * along), tuple(left + 0.12 * along))


def make_clip(spec: ClipSpec, folder: Path) -> Path:
    """Render the clip to folder/NAME.mp4 with folder/NAME.json beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    cam = camera_for(spec)
    truths: list[dict] = []

    def frames() -> Iterator[np.ndarray]:
        for rgb, truth in render_clip(spec):
            truths.append(truth)
            yield rgb

    video = folder / f"{spec.name}.mp4"
    write_video(video, frames(), spec.fps)
    sidecar = {
        "test": spec.test, "view": spec.view, "fps": spec.fps, "width": cam.width, "height": cam.height,
        "camera": asdict(cam), "body": asdict(spec.shape), "clothes": asdict(spec.clothes),
        "cm_per_px": cm_per_px(spec, cam), "subject_height_cm": spec.shape.height * 100,
        "motion": spec.motion, "mirrored": spec.mirrored, "bystander_m": spec.bystander,
        "camera_azimuth_deg": spec.azimuth_deg,
        "expected": expected_results(spec, truths) if not spec.motion else {}, "frames": truths,
    }
    video.with_suffix(".json").write_text(json.dumps(sidecar, indent=1))
    return video


SAMPLES = [
    ClipSpec("forward_bend_side", "forward-bend", peak_deg=85.0, shape=Shape(1.78, gender=1.0, weight=0.55),
             clothes=Clothes(shirt=(120, 124, 128), trousers=(40, 44, 60))),
    ClipSpec("side_bend_front", "side-bend", peak_deg=40.0, trials=4, seed=1,
             shape=Shape(1.65, gender=0.0, weight=0.3), clothes=Clothes(shirt=(170, 60, 60), hair=(30, 22, 18))),
    ClipSpec("rotation_front", "rotation", peak_deg=40.0, trials=4, seed=2, shape=Shape(1.82, gender=1.0),
             clothes=Clothes(shirt=(58, 108, 168), trousers=(60, 70, 110), skin=(170, 120, 90))),
    ClipSpec("rotation_bar_seated", "rotation", peak_deg=42.0, trials=2, seed=6, arms="bar", seated=True,
             shape=Shape(1.62, gender=0.0, weight=0.5), clothes=Clothes(shirt=(200, 120, 60), trousers=(50, 55, 70),
                                                                        hair=(60, 40, 25))),
    ClipSpec("posture_front", "posture-frontal", stance=Pose(shoulder_tilt=4.0, pelvic_obliquity=-3.0,
                                                             head_tilt=5.0), seed=3,
             shape=Shape(1.60, gender=0.0, weight=0.7), clothes=Clothes(shirt=(230, 226, 215), legs="shorts")),
    ClipSpec("posture_side", "posture-sagittal", stance=Pose(neck_forward=25.0, trunk_flexion=4.0),
             side="right", seed=4, shape=Shape(1.72, gender=1.0, weight=0.4),
             clothes=Clothes(shirt=(60, 110, 70), hair=(90, 70, 50))),
]


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("sample_videos")
    for spec in SAMPLES:
        print(f"rendering {spec.name} ...", flush=True)
        make_clip(spec, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
