"""The stated uncertainty judged out of sample: fitted on some bodies and cameras, judged on others.

Two halves of realistic renders that share no body and no camera set-up:
- the fitting half: the accuracy sweep's 4 bodies and 3 camera set-ups
  (benchmarks/accuracy.py) and 4 more bodies through the same set-ups, every
  test, plus forward bends of 45 and 100 degrees, a 55-degree turn and the
  rotation protocols (a bar across the shoulders, the arms crossed on the
  chest, each standing and seated);
- the held-out half: 4 other bodies (150 to 185 cm), 3 other camera set-ups (2.0 m
  away, low and tipped down; 3.6 m and high at 360 x 480 pixels, the fewest pixels
  per trunk; 2.8 m rolled -3 degrees at 720 x 1280), other clothes, forward bends
  of 45 to 100 degrees, a 55-degree turn and the same protocols.
Each moving clip is rendered at 30 frames a second and tracked at 30, 15 and 10
(every 1st, 2nd, 3rd frame; the pose model's tracker sees only those). Every
landmark series is kept (--keep), so that the analysis can be judged again
without tracking (--reuse).

The uncertainties and corrections in posture/measures/uncertainty.py were set
on the fitting half only (--half fit prints what they rest on). This prints,
per measurement and half: numbers shown, MAE, bias, worst error, the share
within the stated +/-, the median +/- beside the default MDC95; the coverage of
all shown values; trunk flexion's error against the size of the bend; and each
rotation protocol's MAE or refusals.

    python benchmarks/held_out.py [--keep DIR] [--reuse] [--half fit held-out] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.stats import t as student_t

from accuracy import BODIES, CAMERAS, CLOTHES, render, sweep
from frame_rate import tracked
from posture.analysis import analyse_landmarks
from posture.errors import PostureError
from posture.measures import TESTS, AnalysisConfig, rotation
from posture.measures.angles import facing_direction, head_forward_angle
from posture.measures.registry import default_mdc95
from posture_renders.clips import ClipSpec
from posture_renders.human import Shape
from posture_renders.raster import Clothes, Room
from posture.synthetic.skeleton import Pose

MORE_BODIES = {          # the fitting half's other 4 bodies
    "woman 160 cm, average": Shape(1.60, gender=0.0, weight=0.5, muscle=0.5),
    "woman 182 cm, slim": Shape(1.82, gender=0.0, weight=0.2),
    "man 170 cm, slim": Shape(1.70, gender=1.0, weight=0.25, muscle=0.5),
    "man 183 cm, heavy and muscular": Shape(1.83, gender=1.0, weight=0.8, muscle=0.8),
}
MORE_PEAKS = {"forward-bend": [40.0, 55.0, 80.0, 95.0], "side-bend": [18.0, 26.0, 33.0, 40.0],
              "rotation": [28.0, 50.0, 36.0, 42.0]}
MORE_STANCES = {
    "posture-frontal": [Pose(shoulder_tilt=4.0, pelvic_obliquity=-2.0, head_tilt=3.0),
                        Pose(shoulder_tilt=-2.0, pelvic_obliquity=3.0, trunk_lateral=2.0),
                        Pose(shoulder_tilt=1.0, head_tilt=-5.0), Pose(pelvic_obliquity=-3.0, trunk_lateral=-3.0)],
    "posture-sagittal": [Pose(neck_forward=18.0), Pose(neck_forward=28.0, trunk_flexion=3.0),
                         Pose(neck_forward=12.0, trunk_flexion=-2.0), Pose(neck_forward=24.0, trunk_flexion=4.0)],
}
HELD_BODIES = {
    "woman 150 cm, slim": Shape(1.50, gender=0.0, weight=0.3),
    "woman 175 cm, average": Shape(1.75, gender=0.0, weight=0.55, muscle=0.5),
    "man 165 cm, heavy": Shape(1.65, gender=1.0, weight=0.9, muscle=0.3),
    "man 185 cm, slim": Shape(1.85, gender=1.0, weight=0.2, muscle=0.6),
}
HELD_CAMERAS = {
    "2.0 m, 0.9 m high, tipped down 5 deg": dict(distance=2.0, camera_height=0.9, pitch_deg=5.0),
    "3.6 m, 1.6 m high, 360 x 480": dict(distance=3.6, camera_height=1.6, image_width=360, image_height=480,
                                         focal_px=420.0),
    "2.8 m, rolled -3 deg, 720 x 1280": dict(distance=2.8, camera_height=1.1, roll_deg=-3.0, image_width=720,
                                             image_height=1280, focal_px=1050.0),
}
FIT_CAMERAS = {name: dict(distance=d, camera_height=h, roll_deg=r) for name, (d, h, r) in CAMERAS.items()}
HELD_CLOTHES = [
    Clothes(shirt=(200, 180, 60), trousers=(50, 50, 55), skin=(120, 85, 60), hair=(15, 12, 10)),
    Clothes(shirt=(90, 60, 120), trousers=(150, 140, 120), hair=(200, 170, 120), sleeves="long", shirt_fit=0.03),
    Clothes(shirt=(40, 40, 40), trousers=(80, 90, 130), skin=(225, 185, 160), legs="shorts"),
    Clothes(shirt=(180, 200, 220), trousers=(30, 35, 50), skin=(190, 140, 105), hair=(60, 40, 25),
            shirt_fit=0.01),
]
HELD_STANCES = {
    "posture-frontal": [Pose(shoulder_tilt=-4.0, pelvic_obliquity=2.0, head_tilt=5.0),
                        Pose(shoulder_tilt=3.0, pelvic_obliquity=3.0, trunk_lateral=-2.0),
                        Pose(shoulder_tilt=-1.0, head_tilt=-6.0), Pose(pelvic_obliquity=-3.0, trunk_lateral=3.0)],
    "posture-sagittal": [Pose(neck_forward=16.0), Pose(neck_forward=26.0, trunk_flexion=-2.0),
                         Pose(neck_forward=10.0, trunk_flexion=4.0), Pose(neck_forward=22.0, trunk_flexion=1.0)],
}
HELD_PEAKS = {"forward-bend": [45.0, 65.0, 85.0, 100.0], "side-bend": [15.0, 28.0, 38.0, 22.0],
              "rotation": [25.0, 50.0, 38.0, 45.0]}
FRESH_BODIES = {         # the second held-out half: bodies of other builds and proportions
    "woman 155 cm, heavy": Shape(1.55, gender=0.0, weight=0.85, muscle=0.4, proportions=0.3),
    "woman 170 cm, slim and muscular": Shape(1.70, gender=0.0, weight=0.25, muscle=0.8, proportions=0.7),
    "man 178 cm, average": Shape(1.78, gender=1.0, weight=0.5, muscle=0.5, proportions=0.2),
    "man 192 cm, heavy": Shape(1.92, gender=1.0, weight=0.75, muscle=0.6, proportions=0.8),
}
FRESH_CAMERAS = {        # and cameras, rooms and light none of the others had
    "2.4 m, 1.4 m high, tipped down 8 deg, dim, lamp low at the left": dict(
        distance=2.4, camera_height=1.4, pitch_deg=8.0, room=Room(light=(-1.8, 1.2, 2.4), exposure=0.7)),
    "3.0 m, 0.7 m high, tipped up 4 deg, rolled +2 deg, 540 x 960": dict(
        distance=3.0, camera_height=0.7, pitch_deg=-4.0, roll_deg=2.0, image_width=540, image_height=960,
        focal_px=760.0, room=Room(wall=(170, 190, 200), light=(0.0, 2.6, 3.0))),
    "2.5 m, 0.9 m high, 640 x 480 wide lens, bright": dict(
        distance=2.5, camera_height=0.9, image_width=640, image_height=480, focal_px=380.0,
        room=Room(floor=(90, 90, 95), wall=(235, 235, 230), exposure=1.15)),
}
FRESH_CLOTHES = [
    Clothes(shirt=(150, 30, 40), trousers=(20, 20, 25), skin=(160, 110, 80), hair=(30, 20, 15), sleeves="long"),
    Clothes(shirt=(230, 230, 225), trousers=(110, 80, 60), skin=(240, 200, 180), hair=(230, 210, 160)),
    Clothes(shirt=(60, 110, 70), trousers=(60, 60, 70), skin=(95, 65, 45), hair=(10, 10, 10), legs="shorts"),
    Clothes(shirt=(120, 120, 130), trousers=(40, 50, 90), skin=(200, 150, 120), hair=(90, 60, 40),
            shirt_fit=0.03),
]
FRESH_STANCES = {        # two stances a body, the second through another camera
    "posture-frontal": [Pose(shoulder_tilt=3.0, pelvic_obliquity=-2.0, trunk_lateral=1.5),
                        Pose(shoulder_tilt=-3.0, head_tilt=4.0), Pose(pelvic_obliquity=3.0, trunk_lateral=-2.5),
                        Pose(shoulder_tilt=2.0, pelvic_obliquity=2.0, head_tilt=-3.0)],
    "posture-sagittal": [Pose(neck_forward=20.0, trunk_flexion=2.0), Pose(neck_forward=14.0),
                         Pose(neck_forward=30.0, trunk_flexion=-3.0), Pose(neck_forward=8.0, trunk_flexion=3.0)],
}
FRESH_STANCES_2 = {
    "posture-frontal": [Pose(trunk_lateral=-1.5, shoulder_tilt=-2.0), Pose(pelvic_obliquity=-2.5, head_tilt=-4.0),
                        Pose(shoulder_tilt=4.0, trunk_lateral=2.5), Pose(pelvic_obliquity=1.0, head_tilt=6.0)],
    "posture-sagittal": [Pose(neck_forward=25.0), Pose(neck_forward=18.0, trunk_flexion=-2.0),
                         Pose(neck_forward=12.0, trunk_flexion=4.0), Pose(neck_forward=28.0, trunk_flexion=1.0)],
}
FRESH_PEAKS = {"forward-bend": [50.0, 70.0, 90.0, 60.0], "side-bend": [20.0, 30.0, 35.0, 25.0],
               "rotation": [30.0, 40.0, 48.0, 35.0]}
THIRD_BODIES = {         # the third held-out half: rendered after the second joined the fitting evidence
    "woman 163 cm, slim, long-legged": Shape(1.63, gender=0.0, weight=0.3, muscle=0.4, proportions=0.9),
    "woman 180 cm, heavy": Shape(1.80, gender=0.0, weight=0.8, muscle=0.6, proportions=0.4),
    "man 168 cm, slim": Shape(1.68, gender=1.0, weight=0.15, muscle=0.3, proportions=0.6),
    "man 187 cm, muscular": Shape(1.87, gender=1.0, weight=0.55, muscle=0.9, proportions=0.3),
}
THIRD_CAMERAS = {
    "2.4 m, 1.2 m high, tipped down 3 deg, a warm lamp at the right": dict(
        distance=2.4, camera_height=1.2, pitch_deg=3.0, room=Room(light=(2.2, 2.0, 1.5), wall=(225, 210, 180),
                                                                   exposure=0.85)),
    "3.3 m, 1.0 m high, rolled -2 deg, 720 x 960": dict(
        distance=3.3, camera_height=1.0, roll_deg=-2.0, image_width=720, image_height=960, focal_px=900.0,
        room=Room(floor=(120, 100, 90), wall=(200, 200, 205))),
    "2.7 m, 1.3 m high, tipped down 2 deg, 480 x 854 phone, dim": dict(
        distance=2.7, camera_height=1.3, pitch_deg=2.0, image_width=480, image_height=854, focal_px=620.0,
        room=Room(exposure=0.75, light=(0.5, 3.0, 2.0))),
}
THIRD_CLOTHES = [
    Clothes(shirt=(70, 130, 180), trousers=(60, 45, 35), skin=(210, 160, 130), hair=(40, 25, 15), shirt_fit=0.02),
    Clothes(shirt=(20, 20, 20), trousers=(120, 120, 125), skin=(140, 95, 70), hair=(20, 15, 10), sleeves="long"),
    Clothes(shirt=(220, 200, 90), trousers=(35, 40, 60), skin=(235, 195, 170), hair=(150, 100, 50), legs="shorts"),
    Clothes(shirt=(160, 60, 110), trousers=(80, 80, 80), skin=(110, 75, 55), hair=(5, 5, 5)),
]
THIRD_STANCES = {
    "posture-frontal": [Pose(shoulder_tilt=-3.0, trunk_lateral=2.0), Pose(pelvic_obliquity=2.5, head_tilt=-5.0),
                        Pose(shoulder_tilt=2.5, pelvic_obliquity=-1.5), Pose(trunk_lateral=-2.0, head_tilt=3.0)],
    "posture-sagittal": [Pose(neck_forward=22.0, trunk_flexion=-1.0), Pose(neck_forward=11.0, trunk_flexion=3.0),
                         Pose(neck_forward=27.0), Pose(neck_forward=16.0, trunk_flexion=2.0)],
}
THIRD_STANCES_2 = {
    "posture-frontal": [Pose(pelvic_obliquity=-2.0, head_tilt=4.0), Pose(shoulder_tilt=3.5, trunk_lateral=-1.0),
                        Pose(head_tilt=-3.0, trunk_lateral=2.5), Pose(shoulder_tilt=-2.0, pelvic_obliquity=3.0)],
    "posture-sagittal": [Pose(neck_forward=14.0), Pose(neck_forward=29.0, trunk_flexion=-2.0),
                         Pose(neck_forward=19.0, trunk_flexion=4.0), Pose(neck_forward=9.0)],
}
THIRD_PEAKS = {"forward-bend": [42.0, 58.0, 74.0, 95.0], "side-bend": [17.0, 24.0, 31.0, 37.0],
               "rotation": [27.0, 38.0, 46.0, 52.0]}
THIRD_BENDS_2 = {"forward-bend": [66.0, 100.0, 50.0, 84.0]}     # a second bend each: one clip decides less
EXTRA_BENDS = (45.0, 100.0)           # the fitting half's bends span 45 to 100 degrees too
EXTRA_TURN = 55.0                     # and a turn past the sweep's 30 to 45 degrees, arms hanging
PROTOCOLS = {"bar, standing": dict(arms="bar"), "bar, seated": dict(arms="bar", seated=True),
             "crossed arms, standing": dict(arms="crossed"), "crossed arms, seated": dict(arms="crossed", seated=True)}
PROTOCOL_PEAKS = (35.0, 48.0)
RATES = {30: 1, 15: 2, 10: 3}         # frames a second: every k-th frame of the 30-fps render
KINDS = ("forward-bend", "side-bend", "rotation", "posture-frontal", "posture-sagittal")


def every_test(prefix: str, bodies: dict, cameras: dict, clothes: list, peaks: dict, stances: dict,
               seed: int, kinds: tuple[str, ...] = KINDS, turn: int = 0) -> list[ClipSpec]:
    """Every test on every body, the cameras rotating so that each test meets each set-up (as the accuracy sweep);
    turn moves each body on to another camera."""
    specs = []
    for t, kind in enumerate(kinds):
        for b, (body, shape) in enumerate(bodies.items()):
            camera = list(cameras)[(b + t + turn) % 3]
            kw = dict(shape=shape, clothes=clothes[(b + t) % 4], seed=seed + 10 * t + b, trials=2, fps=30.0,
                      side=("right", "left")[b % 2], about={"body": body, "camera": camera}, **cameras[camera])
            if kind in stances:
                specs.append(ClipSpec(f"{prefix}-{kind}{b}", kind, stance=stances[kind][b], **kw))
            else:
                specs.append(ClipSpec(f"{prefix}-{kind}{b}", kind, peak_deg=peaks[kind][b], **kw))
    return specs


def first_held_out_sweep() -> list[ClipSpec]:
    """The first held-out half (judged once, now fitting evidence): every test on every one of its bodies."""
    return every_test("held", HELD_BODIES, HELD_CAMERAS, HELD_CLOTHES, HELD_PEAKS, HELD_STANCES, 100)


def fresh_sweep() -> list[ClipSpec]:
    """The held-out half: every test on every fresh body, and each posture twice (another stance, another camera)."""
    postures = ("posture-frontal", "posture-sagittal")
    return (every_test("fresh", FRESH_BODIES, FRESH_CAMERAS, FRESH_CLOTHES, FRESH_PEAKS, FRESH_STANCES, 600)
            + every_test("fresh2", FRESH_BODIES, FRESH_CAMERAS, FRESH_CLOTHES[::-1], FRESH_PEAKS, FRESH_STANCES_2,
                         700, kinds=postures, turn=1))


def fitting_sweep() -> list[ClipSpec]:
    """The fitting half: the accuracy sweep rendered at 30 fps (as benchmarks/frame_rate.py keeps it), and every test
    on 4 more bodies through the same camera set-ups."""
    return ([replace(s, fps=30.0, name=f"{s.name}_30fps") for s in sweep(False)]
            + every_test("fit", MORE_BODIES, FIT_CAMERAS, CLOTHES, MORE_PEAKS, MORE_STANCES, 400))


def extras(half: str) -> list[ClipSpec]:
    """Bends at both ends of the range, a large turn, and each rotation protocol on two bodies, in one set of bodies
    and cameras: 'fit', 'held-out' and 'fresh' (the first two held-out halves, now fitting evidence) or 'third'."""
    bodies, cameras, clothes = {"fit": (BODIES, FIT_CAMERAS, CLOTHES),
                                "held-out": (HELD_BODIES, HELD_CAMERAS, HELD_CLOTHES),
                                "fresh": (FRESH_BODIES, FRESH_CAMERAS, FRESH_CLOTHES),
                                "third": (THIRD_BODIES, THIRD_CAMERAS, THIRD_CLOTHES)}[half]
    names, cams = list(bodies), list(cameras)
    out = []
    for k, peak in enumerate(EXTRA_BENDS):
        body, camera = names[k + 1], cams[k]
        out.append(ClipSpec(f"{half}-bend{peak:.0f}", "forward-bend", peak_deg=peak, shape=bodies[body],
                            clothes=clothes[k], seed=200 + k, trials=2, fps=30.0, side=("left", "right")[k],
                            about={"body": body, "camera": camera}, **cameras[camera]))
    body, camera = names[3], cams[2]
    out.append(ClipSpec(f"{half}-turn{EXTRA_TURN:.0f}", "rotation", peak_deg=EXTRA_TURN, shape=bodies[body],
                        clothes=clothes[2], seed=250, trials=2, fps=30.0, about={"body": body, "camera": camera},
                        **cameras[camera]))
    for p, (protocol, how) in enumerate(PROTOCOLS.items()):
        for k, peak in enumerate(PROTOCOL_PEAKS):
            body, camera = names[(p + 2 * k) % 4], cams[(p + k) % 3]
            out.append(ClipSpec(f"{half}-{protocol.replace(', ', '-').replace(' ', '-')}{k}", "rotation",
                                peak_deg=peak, shape=bodies[body], clothes=clothes[(p + k) % 4], seed=300 + 10 * p + k,
                                trials=2, fps=30.0, about={"body": body, "camera": camera, "protocol": protocol},
                                **how, **cameras[camera]))
    return out


def third_sweep() -> list[ClipSpec]:
    """The held-out half: every test on every body of the third set, each posture twice and each forward bend twice
    (another size, another camera)."""
    postures = ("posture-frontal", "posture-sagittal")
    return (every_test("third", THIRD_BODIES, THIRD_CAMERAS, THIRD_CLOTHES, THIRD_PEAKS, THIRD_STANCES, 800)
            + every_test("third2", THIRD_BODIES, THIRD_CAMERAS, THIRD_CLOTHES[::-1], THIRD_PEAKS | THIRD_BENDS_2,
                         THIRD_STANCES_2, 900, kinds=("forward-bend", *postures), turn=1))


def halves() -> dict[str, list[ClipSpec]]:
    """The fitting half (with the first and second held-out halves, each of which judged a fit and so is evidence
    now) and the held-out half, the third set of bodies and cameras, rendered after the +/- were set."""
    return {"fit": (fitting_sweep() + extras("fit") + first_held_out_sweep() + extras("held-out") + fresh_sweep()
                    + extras("fresh")),
            "held-out": third_sweep() + extras("third")}


@dataclass(frozen=True)
class Shown:
    """One number shown for one clip at one frame rate, against the renderer's truth."""

    half: str
    clip: str
    fps: float
    name: str
    unit: str
    value: float
    truth: float
    plus_minus: float | None
    protocol: str

    @property
    def refused(self) -> bool:
        """Measured only for the figures: the tool refuses this protocol."""
        return self.protocol.startswith("refused: ")

    @property
    def error(self) -> float:
        return self.value - self.truth

    @property
    def within(self) -> bool | None:
        return None if self.plus_minus is None else abs(self.error) <= self.plus_minus + 1e-9


HEAD_FORWARD = "head_forward_angle (withheld)"


@contextmanager
def crossed_arms_measured():
    """Rotation with the arms crossed measured as if it were allowed (the tool refuses it): the figures behind that."""
    spec, agree = TESTS["rotation"], rotation.ARMS_AGREE_DEG
    TESTS["rotation"] = replace(spec, protocol=lambda series, still: rotation.CROSSED)
    rotation.ARMS_AGREE_DEG = float("inf")          # the arms' reading, whatever the shoulders say
    try:
        yield
    finally:
        TESTS["rotation"], rotation.ARMS_AGREE_DEG = spec, agree


def judge(half: str, spec: ClipSpec, folder: Path, reuse: bool) -> tuple[list[Shown], list[dict]]:
    """Every number shown for the clip at each frame rate, and each refusal (the arms crossed on the chest are
    measured anyway, as if allowed, under the protocol 'refused: ...', for the figures that refuse them)."""
    video = render(spec, folder, reuse)
    truth = json.loads(video.with_suffix(".json").read_text())["expected"]
    config = AnalysisConfig(roll_deg=spec.roll_deg, calibrated=bool(spec.roll_deg))
    shown, refused = [], []
    protocol = spec.about.get("protocol", "arms hanging" if spec.test == "rotation" else "")
    for fps, stride in RATES.items():
        series = tracked(video, stride, folder, reuse)
        try:
            analysis = analyse_landmarks(series, spec.test, config, height_cm=spec.shape.height * 100)
            result = analysis.result
            if spec.test == "posture-sagittal":        # withheld by the tool: read here for the figures
                head = head_forward_angle(analysis.series, facing_direction(analysis.series), spec.roll_deg)
                shown.append(Shown(half, spec.name, fps, HEAD_FORWARD, "deg", float(np.nanmedian(head)),
                                   truth["head_forward_angle"], None, ""))
        except PostureError as e:
            refused.append({"half": half, "clip": spec.name, "fps": fps, "protocol": protocol, "refused": str(e)})
            if not str(e).startswith(rotation.CROSSED_REFUSED[:40]):
                continue
            with crossed_arms_measured():
                result = analyse_landmarks(series, spec.test, config, height_cm=spec.shape.height * 100).result
        as_if = "refused: " if refused and refused[-1]["fps"] == fps else ""
        for m in result.measurements:
            if m.value is not None and m.name in truth:
                shown.append(Shown(half, spec.name, fps, m.name, m.unit, m.value, truth[m.name], m.uncertainty,
                                   as_if + protocol))
    return shown, refused


def measurement_table(shown: list[Shown]) -> list[str]:
    rows = ["| measurement | numbers | MAE | bias | worst | within +/- | median +/- | default MDC95 |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    by_name = defaultdict(list)
    for x in shown:
        by_name[x.name].append(x)
    for name, xs in sorted(by_name.items()):
        e = [x.error for x in xs]
        stated = [x for x in xs if x.within is not None]
        median_pm = statistics.median(x.plus_minus for x in stated) if stated else None
        rows.append(f"| {name} | {len(xs)} | {statistics.fmean(map(abs, e)):.1f} | {statistics.fmean(e):+.1f} | "
                    f"{max(e, key=abs):+.1f} | {sum(x.within for x in stated)} of {len(stated)} | "
                    f"{'-' if median_pm is None else f'{median_pm:.1f}'} | {default_mdc95(name, xs[0].unit)} |")
    return rows


def bend_trend(shown: list[Shown]) -> str:
    """Trunk flexion's error against the size of the bend: the least-squares slope per 10 degrees."""
    xs = [x for x in shown if x.name == "trunk_flexion"]
    if len(xs) < 3:
        return "too few bends"
    slope, intercept = np.polyfit([x.truth for x in xs], [x.error for x in xs], 1)
    return (f"error = {intercept:+.2f} {slope * 10:+.2f} per 10 degrees of bend "
            f"(at 45: {intercept + 45 * slope:+.1f}, at 100: {intercept + 100 * slope:+.1f})")


def half_up(x: float) -> float:
    """Rounded up to the next 0.5."""
    return float(np.ceil(x * 2 - 1e-9) / 2)


def interval(per_clip: list[float]) -> float:
    """Where the error of a new clip falls 95 times in 100 if the clips' errors spread normally: |bias| plus the
    95% prediction interval, t(0.975, n - 1) x SD x sqrt(1 + 1/n), which is wider than 2 SD for few clips. The
    clips, not the frame rates, are the independent evidence (a clip tracked at 30, 15 and 10 fps errs nearly
    alike), so each clip counts once, at its mean over the frame rates."""
    n = len(per_clip)
    if n < 2:
        return float("inf")
    spread = float(student_t.ppf(0.975, n - 1)) * statistics.stdev(per_clip) * (1 + 1 / n) ** 0.5
    return abs(statistics.fmean(per_clip)) + spread


def stated_key(x: Shown) -> str:
    """What a +/- is stated for: the measurement (left and right together), for rotation the way the arms were held."""
    name = x.name.removesuffix("_left").removesuffix("_right")
    return f"{name} ({rotation.arms_of(x.protocol)})" if name == "rotation" else name


def fit(folder: Path, reuse: bool) -> None:
    """What the corrections and the +/- rest on, from the fitting half alone: trunk flexion's bias uncorrected (the
    line the correction was fitted as), then each +/- after the correction the tool makes."""
    from posture.measures import forward_bend

    shipped, forward_bend.FLEXION_BIAS = forward_bend.FLEXION_BIAS, (0.0, 0.0)
    raw = [x for spec in halves()["fit"] for x in judge("fit", spec, folder, reuse)[0] if not x.refused]
    bends = [x for x in raw if x.name == "trunk_flexion"]
    slope, intercept = np.polyfit([x.value for x in bends], [x.error for x in bends], 1)
    print(f"trunk flexion, uncorrected: error = {intercept:+.3f} {slope:+.4f} x peak ({len(bends)} numbers)")
    forward_bend.FLEXION_BIAS = shipped
    shown = [x for spec in halves()["fit"] for x in judge("fit", spec, folder, reuse)[0] if not x.refused]
    by_key = defaultdict(list)
    for x in shown:
        by_key[stated_key(x)].append(x)
    print("\n| stated for | clips | numbers | bias | SD of the clips | largest | 95% prediction | +/- (the larger, "
          "up to 0.5) | now stated |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for key, xs in sorted(by_key.items()):
        e = [x.error for x in xs]
        clips = defaultdict(list)
        for x in xs:
            clips[(x.clip, x.name)].append(x.error)
        per_clip = [statistics.fmean(v) for v in clips.values()]
        largest, predicted = max(map(abs, e)), interval(per_clip)
        sd = statistics.stdev(per_clip) if len(per_clip) > 1 else 0.0
        print(f"| {key} | {len(per_clip)} | {len(e)} | {statistics.fmean(e):+.2f} | {sd:.2f} | {largest:.1f} | "
              f"{predicted:.1f} | {half_up(max(largest, predicted)):.1f} | {xs[0].plus_minus} |")
    print(f"\ncorrection the tool makes: FLEXION_BIAS = {shipped}")


def print_head_forward(as_if: list[Shown]) -> None:
    """The head-forward angle the tool withholds: a constant correction fitted on one half, judged on the other."""
    fit_e = [x.error for x in as_if if x.name == HEAD_FORWARD and x.half == "fit"]
    held = [x.error for x in as_if if x.name == HEAD_FORWARD and x.half == "held-out"]
    if not fit_e or not held:
        return
    offset, sd = statistics.fmean(fit_e), statistics.stdev(fit_e)
    after = [e - offset for e in held]
    need = half_up(max(2 * sd, max(abs(e - offset) for e in fit_e)))
    print(f"\nhead-forward angle (withheld): fitting half error {offset:+.1f} (SD {sd:.1f}, {len(fit_e)} numbers); "
          f"held-out before correction MAE {statistics.fmean(map(abs, held)):.1f}, after taking {offset:+.1f} off: "
          f"MAE {statistics.fmean(map(abs, after)):.1f}, worst {max(after, key=abs):+.1f}; the +/- it would need "
          f"{need:.1f}, within it {sum(abs(e) <= need for e in after)} of {len(after)}; default MDC95 "
          f"{default_mdc95('head_forward_angle', 'deg')}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, help="keep the renders and landmark series in this folder")
    ap.add_argument("--reuse", action="store_true", help="with --keep: take what an earlier run kept")
    ap.add_argument("--half", nargs="+", default=["fit", "held-out"], choices=["fit", "held-out"])
    ap.add_argument("--json", type=Path, help="write every shown number and refusal to this JSON file")
    ap.add_argument("--fit", action="store_true", help="print what the corrections and +/- rest on (fitting half)")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="posture-held-out-"))
    if args.fit:
        return fit(folder, args.reuse)
    started = time.time()
    shown: dict[str, list[Shown]] = defaultdict(list)
    refused: list[dict] = []
    as_if: list[Shown] = []                 # what the refused protocol would have shown
    for half, specs in halves().items():
        if half not in args.half:
            continue
        for spec in specs:
            got, no = judge(half, spec, folder, args.reuse)
            shown[half] += [x for x in got if not x.refused and x.name != HEAD_FORWARD]
            as_if += [x for x in got if x.refused or x.name == HEAD_FORWARD]
            refused += no
            print(f"  {half} {spec.name}: {len(got)} shown, {len(no)} refused ({time.time() - started:.0f} s)",
                  flush=True)
    print(f"\n{time.strftime('%Y-%m-%d')}, {time.time() - started:.0f} s")
    for half, xs in shown.items():
        stated = [x for x in xs if x.within is not None]
        print(f"\n### {half} half: {sum(x.within for x in stated)} of {len(stated)} shown values within their "
              f"stated +/- ({100 * sum(x.within for x in stated) / max(len(stated), 1):.0f}%)\n")
        print("\n".join(measurement_table(xs)))
        print(f"\ntrunk flexion against the bend: {bend_trend(xs)}")
        for fps in RATES:
            at = [x for x in stated if x.fps == fps]
            print(f"at {fps} fps: {sum(x.within for x in at)} of {len(at)} within")
    print("\n| half | rotation protocol | shown | MAE | worst | refused |\n| --- | --- | --- | --- | --- | --- |")
    for half in shown:
        for protocol in ("arms hanging", *PROTOCOLS):
            xs = [x for x in shown[half] + as_if if x.half == half and x.protocol.removeprefix("refused: ") == protocol]
            no = [r for r in refused if r["half"] == half and r["protocol"] == protocol]
            mae = f"{statistics.fmean(abs(x.error) for x in xs):.1f}" if xs else "-"
            worst = f"{max((x.error for x in xs), key=abs):+.1f}" if xs else "-"
            print(f"| {half} | {protocol} | {len(xs)} | {mae} | {worst} | {len(no)} |")
    print_head_forward(as_if)
    for r in refused:
        print(f"refused: {r['half']} {r['clip']} at {r['fps']} fps: {r['refused']}")
    if args.json:
        args.json.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"),
                                         "shown": [x.__dict__ for x in (shown["fit"] + shown["held-out"])],
                                         "refused": refused}, indent=1))


if __name__ == "__main__":
    main()
