"""Could a person have made these landmarks? The checks on a check measured on a patient's own device.

The pose model ran in the patient's browser, so the server has only the
landmarks it is sent, and anyone can send any. A video the server tracks
itself needs none of this: MediaPipe's output is a body by construction. What
the checks ask of a device's landmarks, each with the figure it rests on
(`benchmarks/device_body.py` measures them on MediaPipe's own output for the
realistic renders and the real clips; docs/measurements.md has the table):

- the proportions of MediaPipe's world skeleton (shoulder and hip width, thigh,
  shank, upper arm, forearm against the trunk, and the trunk's length in metres)
  lie in the range the model gives people, with room on each side;
- the big bones (trunk, shoulder and hip width, thighs, shanks) keep their
  length against the neutral, the first frames: no more than a share of the
  frames has one off by more than BONE_DRIFT;
- the picture and the world skeleton agree: the image landmarks are a camera's
  view of the world ones (an affine projection, fitted per frame, misses by at
  most MISMATCH of the trunk's length in most frames);
- no landmark moves faster than a person can, in most frames;
- the result stays inside what a spine and a hip can do (CEILINGS).

What they cannot catch, said plainly in docs/clinic_server.md: a body built in
3-D with human proportions and moved as a person moves (as the project's own
synthetic scenes do), or a real recording's landmarks replayed with its
angles changed consistently in the picture and the world skeleton.
"""

from __future__ import annotations

import numpy as np

from posture.landmarks import Landmark as L, LandmarkSeries
from posture.measures.angles import trunk_length
from posture.measures.common import TestResult

# Of the trunk's length (mid-shoulders to mid-hips), world landmarks. MediaPipe gave 0.67-0.73, 0.40-0.50, 0.80-0.93,
# 0.74-0.86, 0.49-0.59 and 0.49-0.55 on 28 recordings (20 realistic renders, 5 samples, 3 real clips; 2026-12-07),
# and a trunk of 0.44-0.49 m: each range is widened by 0.15 to 0.3 of the trunk's length each way.
PROPORTIONS = {"shoulder width": ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), 0.45, 1.0),
               "hip width": ((L.LEFT_HIP, L.RIGHT_HIP), 0.25, 0.75),
               "thigh": ((L.LEFT_HIP, L.LEFT_KNEE), 0.55, 1.2),
               "shank": ((L.LEFT_KNEE, L.LEFT_ANKLE), 0.5, 1.15),
               "upper arm": ((L.LEFT_SHOULDER, L.LEFT_ELBOW), 0.3, 0.85),
               "forearm": ((L.LEFT_ELBOW, L.LEFT_WRIST), 0.3, 0.8)}
TRUNK_M = (0.3, 0.7)
BIG_BONES = ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP), (L.LEFT_HIP, L.LEFT_KNEE),
             (L.RIGHT_HIP, L.RIGHT_KNEE), (L.LEFT_KNEE, L.LEFT_ANKLE), (L.RIGHT_KNEE, L.RIGHT_ANKLE))
BODY = slice(L.LEFT_SHOULDER, L.RIGHT_ANKLE + 1)   # shoulders to ankles: the body, not the face or the feet
NEUTRAL_SHARE = 0.1              # the first tenth of the found frames (at least 10) set each bone's own length
BONE_DRIFT = 1.35                # off by at most 1.22 in 95% of frames on one person; 10% of frames past 1.35 with two
MISMATCH = 0.2                   # of the trunk's length in the picture: at most 0.11 seen, 0.09 in 99% of frames
MAX_SPEED = 25.0                 # trunk lengths a second: 3% of frames walking, 10% with two people crossing
MOST = 0.85                      # each per-frame rule must hold in this share of the frames
# Degrees past the normal ranges (AAOS: thoracolumbar rotation 45, lateral flexion 35, hip flexion 120) by 1.3 to 1.7
# times, and for trunk flexion a pike with the chest on the thighs (about 160 from upright). Measured results of the
# realistic sweep's bodies stay well inside (docs/measurements.md); a patient refused by one is told in one sentence.
CEILINGS = {"trunk_flexion": 160.0, "hip_flexion": 160.0, "side_bend_left": 60.0, "side_bend_right": 60.0,
            "rotation_left": 70.0, "rotation_right": 70.0}
IMPOSSIBLE = ("The landmarks this device sent do not show a body a person could have ({why}): start the check "
              "again with the camera seeing you whole, or ask your therapist for a check in the clinic.")


def device_doubt(series: LandmarkSeries, result: TestResult | None) -> str | None:
    """Why landmarks measured on a patient's device cannot be a person's, in one sentence; None when nothing
    says so."""
    figures = body_figures(series)
    if figures is None:
        return None                                  # nothing measured: the check has refused already
    why = _proportions(figures) or _per_frame(figures) or _beyond(result)
    return IMPOSSIBLE.format(why=why) if why else None


def body_figures(series: LandmarkSeries) -> dict[str, float] | None:
    """What the checks read of a recording (benchmarks/device_body.py prints them): the trunk's length in metres, each
    proportion against it, and the shares of frames with a big bone off its neutral length, a picture missing its
    skeleton, and a landmark moving too fast. None with fewer than two frames found."""
    found = np.isfinite(series.world[:, :, 0]).all(axis=1) & np.isfinite(series.image[:, :, 0]).all(axis=1)
    if found.sum() < 2:
        return None
    world, image, t = series.world[found], series.image[found], series.t[found]
    trunk = float(np.median(_trunk(world)))
    figures = {"trunk_m": trunk}
    figures |= {name: float(np.median(_length(world, bone))) / trunk for name, (bone, _, _) in PROPORTIONS.items()}
    trunk_px = max(float(np.median(trunk_length(series[found]))), 1e-6)
    figures["drifting"] = float(_drifting(world).mean())
    figures["mismatched"] = float((_misses(image, world) / trunk_px > MISMATCH).mean())
    step = np.linalg.norm(np.diff(image[:, BODY], axis=0), axis=-1).max(axis=1)
    figures["fast"] = float((step / np.maximum(np.diff(t), 1e-3) / trunk_px > MAX_SPEED).mean())
    return figures


def _trunk(points: np.ndarray) -> np.ndarray:
    """Mid-shoulders to mid-hips, per frame, of the world skeleton (angles.trunk_length is the picture's)."""
    shoulders = (points[:, L.LEFT_SHOULDER] + points[:, L.RIGHT_SHOULDER]) / 2
    hips = (points[:, L.LEFT_HIP] + points[:, L.RIGHT_HIP]) / 2
    return np.linalg.norm(shoulders - hips, axis=-1)


def _length(points: np.ndarray, bone: tuple[int, int]) -> np.ndarray:
    return np.linalg.norm(points[:, bone[0]] - points[:, bone[1]], axis=-1)


def _drifting(world: np.ndarray) -> np.ndarray:
    """Per frame: a big bone off its neutral length (the first frames') by more than BONE_DRIFT either way."""
    neutral = world[:max(10, int(len(world) * NEUTRAL_SHARE))]
    off = np.zeros(len(world), bool)
    for bone in BIG_BONES:
        ratio = _length(world, bone) / max(float(np.median(_length(neutral, bone))), 1e-6)
        off |= (ratio > BONE_DRIFT) | (ratio < 1 / BONE_DRIFT)
    return off


def _misses(image: np.ndarray, world: np.ndarray) -> np.ndarray:
    """Per frame, in pixels: how far the picture's body landmarks lie from the world skeleton seen by the affine
    camera that fits them best."""
    image, world = image[:, BODY], world[:, BODY]
    design = np.concatenate([world, np.ones((*world.shape[:2], 1))], axis=-1)
    fit = np.linalg.pinv(design) @ image                          # every frame's least-squares camera at once
    return np.sqrt(((image - design @ fit) ** 2).sum(axis=-1).mean(axis=-1))


def _proportions(figures: dict[str, float]) -> str:
    if not TRUNK_M[0] <= figures["trunk_m"] <= TRUNK_M[1]:
        return f"a trunk {figures['trunk_m'] * 100:.0f} cm long"
    for name, (_, low, high) in PROPORTIONS.items():
        if not low <= figures[name] <= high:
            return f"a {name} {figures[name]:.2f} times the trunk's length"
    return ""


def _per_frame(figures: dict[str, float]) -> str:
    for key, why in (("drifting", "bones that change length"), ("mismatched", "a picture that does not match its "
                                                                               "3-D skeleton"),
                     ("fast", "limbs moving faster than a person can")):
        if figures[key] > 1 - MOST:
            return why
    return ""


def _beyond(result: TestResult | None) -> str:
    return next(filter(None, (past_a_body(m.name, m.value)
                              for m in (result.measurements if result is not None else ()))), "")


def past_a_body(name: str, value: float | None) -> str:
    """Words for a measured angle beyond what a spine or a hip can reach (CEILINGS): a device's claim, never a
    person's; '' for any other."""
    if value is None or name not in CEILINGS or abs(value) <= CEILINGS[name]:
        return ""
    return f"{name.replace('_', ' ')} of {abs(value):.0f} degrees, past what a body can do"
