"""Small rendered videos for the bad-input and end-to-end tests, built in code."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from posture.synthetic.camera import Camera, frontal_camera
from posture_renders.human import Shape, pose_human, shaped_body
from posture_renders.raster import Clothes, render_scene
from posture.synthetic.skeleton import Pose
from posture.video import write_video

VIDEO_FPS = 10.0            # the rendered videos here (the landmark recordings of conftest run at FPS = 30)


def still_video(path: Path, cam: Camera = frontal_camera(), seconds: float = 3.0,
                people: tuple[float, ...] = (0.0,)) -> Path:
    """Realistic people standing at these x offsets (metres); () renders the empty room."""
    shapes = [Shape(1.74, gender=1.0), Shape(1.66, gender=0.0, weight=0.6)]
    clothes = [Clothes(), Clothes(shirt=(160, 70, 60), trousers=(70, 80, 60), sleeves="long")]
    frame_people = [(pose_human(Pose(x_offset=x), shaped_body(shapes[k % 2])), shapes[k % 2], clothes[k % 2])
                    for k, x in enumerate(people)]
    frame = render_scene(frame_people, cam, rng=np.random.default_rng(0))
    write_video(path, [frame] * int(seconds * VIDEO_FPS), VIDEO_FPS)
    return path


def to_y4m(src: Path, dst: Path, width: int = 640, height: int = 480, repeat: int = 1) -> Path:
    """A video as an uncompressed Y4M file for Chromium's fake camera, fitted into a landscape webcam frame.

    The sides are filled with the picture's own edge colour, as a wider view of the same wall would be. With
    `repeat`, each frame comes that many times at that many times the rate: the same movement from a faster camera.
    """
    import cv2

    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    with open(dst, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F{round(fps * repeat)}:1 Ip A1:1 C420jpeg\n".encode())
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            k = height / bgr.shape[0]
            small = cv2.resize(bgr, (int(bgr.shape[1] * k) // 2 * 2, height), interpolation=cv2.INTER_AREA)
            edge = np.median(np.concatenate([small[:, :4], small[:, -4:]], axis=1).reshape(-1, 3), axis=0)
            canvas = np.empty((height, width, 3), np.uint8)
            canvas[:] = edge
            x0 = (width - small.shape[1]) // 2
            canvas[:, x0:x0 + small.shape[1]] = small
            f.write((b"FRAME\n" + cv2.cvtColor(canvas, cv2.COLOR_BGR2YUV_I420).tobytes()) * repeat)
    cap.release()
    return dst
