"""Rendered test videos with known angles: an mp4 and a JSON sidecar of the truth.

`python -m posture.synthetic.clips sample_videos` regenerates the bundled samples.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from posture.synthetic.camera import Camera, frontal_camera, sagittal_camera
from posture.synthetic.render import Outfit, render
from posture.synthetic.scene import (forward_bend_poses, rotation_poses, side_bend_poses, still_poses,
                                     truth)
from posture.synthetic.skeleton import Body, Pose, pose_skeleton
from posture.video import write_video


@dataclass(frozen=True)
class ClipSpec:
    """One rendered clip: the movement, the camera and the subject."""

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
    body: Body = Body()
    outfit: Outfit = Outfit()
    trials: int = 3
    seed: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def view(self) -> str:
        return "sagittal" if self.test in ("forward-bend", "posture-sagittal") else "frontal"


def camera_for(spec: ClipSpec) -> Camera:
    kw = dict(distance=spec.distance, height=spec.camera_height, pitch_deg=spec.pitch_deg,
              roll_deg=spec.roll_deg)
    return sagittal_camera(side=spec.side, **kw) if spec.view == "sagittal" else frontal_camera(**kw)


def clip_poses(spec: ClipSpec) -> list[Pose]:
    if spec.test == "forward-bend":
        return forward_bend_poses(spec.peak_deg, spec.fps, spec.trials, **spec.extra)
    if spec.test == "side-bend":
        return side_bend_poses(spec.peak_deg, spec.fps, max(spec.trials // 2, 1))
    if spec.test == "rotation":
        return rotation_poses(spec.peak_deg, spec.fps, max(spec.trials // 2, 1), **spec.extra)
    return still_poses(spec.stance, spec.fps, seconds=4.0)


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


def make_clip(spec: ClipSpec, folder: Path) -> Path:
    """Render the clip to folder/NAME.mp4 with folder/NAME.json beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    cam = camera_for(spec)
    poses = clip_poses(spec)
    rng = np.random.default_rng(spec.seed)
    frames = [{"t": round(i / spec.fps, 4), "pose": asdict(p), "truth": truth(p, spec.body)}
              for i, p in enumerate(poses)]
    video = folder / f"{spec.name}.mp4"
    write_video(video, (render(pose_skeleton(p, spec.body), spec.body, cam, spec.outfit, rng) for p in poses),
                spec.fps)
    sidecar = {
        "test": spec.test, "view": spec.view, "fps": spec.fps, "width": cam.width, "height": cam.height,
        "camera": asdict(cam), "body": asdict(spec.body), "cm_per_px": cm_per_px(spec, cam),
        "subject_height_cm": spec.body.height * 100,
        "expected": expected_results(spec, frames), "frames": frames,
    }
    video.with_suffix(".json").write_text(json.dumps(sidecar, indent=1))
    return video


SAMPLES = [
    ClipSpec("forward_bend_side", "forward-bend", peak_deg=75.0),
    ClipSpec("side_bend_front", "side-bend", peak_deg=25.0, trials=4, seed=1),
    ClipSpec("rotation_front", "rotation", peak_deg=40.0, trials=4, seed=2,
             outfit=Outfit(shirt=(170, 60, 60), trousers=(60, 70, 110))),
    ClipSpec("posture_front", "posture-frontal", stance=Pose(shoulder_tilt=4.0, pelvic_obliquity=-3.0,
                                                             head_tilt=5.0), seed=3),
    ClipSpec("posture_side", "posture-sagittal", stance=Pose(neck_forward=25.0, trunk_flexion=4.0),
             side="right", seed=4),
]


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("sample_videos")
    for spec in SAMPLES:
        print(f"rendering {spec.name} ...", flush=True)
        make_clip(spec, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
