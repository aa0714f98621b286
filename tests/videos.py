"""Small rendered videos for the bad-input and end-to-end tests, built in code."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from posture.synthetic.camera import Camera, frontal_camera
from posture.synthetic.render import Outfit, render_people
from posture.synthetic.skeleton import Body, Pose, pose_skeleton, translate
from posture.video import write_video

FPS = 10.0


def still_video(path: Path, cam: Camera = frontal_camera(), seconds: float = 3.0,
                people: tuple[float, ...] = (0.0,)) -> Path:
    """Standing figures at these x offsets (metres); () renders the empty room."""
    body, rng = Body(), np.random.default_rng(0)
    outfits = [Outfit(), Outfit(shirt=(160, 70, 60), trousers=(70, 80, 60))]
    frame_people = [(translate(pose_skeleton(Pose(), body), np.array([x, 0.0, 0.0])), body, outfits[k % 2])
                    for k, x in enumerate(people)]
    frame = render_people(frame_people, cam, rng)
    write_video(path, [frame] * int(seconds * FPS), FPS)
    return path
