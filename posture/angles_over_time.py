"""Angles over time, for research: per-frame segment and joint angles of any recording, not a clinical result.

A research archive asks what the body did frame by frame, whatever the
movement: no test, no neutral, no baseline, no repetitions, no MDC. The angles
are the clinical measures' own (measures/angles.py, forward_bend.py), on each
recorded frame at its true time, unfiltered; a frame the subject checks set
aside (someone overlapping, the tracking jumping, left and right mixed up)
keeps its row, with no angles and the reason. Angles the camera cannot see are
left empty: sagittal ones (trunk inclination, hip and knee) from the side,
frontal ones (lateral lean, shoulder and pelvic line) from the front. The
pelvic line is given only while the trunk is upright (stillness.UPRIGHT_DEG):
in a side bend the pose model's hip points follow the trunk (15.8 degrees off
on the side-bend sample, where the pelvis stays level).
Columns, signs and the +/- of each: docs/measurements.md.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

from posture.calibration import CameraProfile
from posture.landmarks import EXCLUDED_WHY, Excluded, LandmarkSeries
from posture.measures.angles import (facing_direction, pelvic_tilt, shoulder_tilt, trunk_inclination,
                                     trunk_lateral_lean)
from posture.measures import AnalysisConfig
from posture.measures.common import FRONTAL, SAGITTAL, WHOLE_BODY, frame_quality, view_ratio
from posture.measures.forward_bend import hip_flexion, knee_flexion
from posture.measures.recognise import SIDE_ON_RATIO
from posture.measures.stillness import UPRIGHT_DEG
from posture.measures.subject import keep_subject
from posture.prepare import Preparation



@dataclass(frozen=True)
class Column:
    """One angle: its column, the view it is seen in, and its +/- on a single frame.

    plus_minus: the largest per-frame error on the realistic sweep's frames of two bodies (a woman 155 cm heavy,
    a man 176 cm average), rounded up to 0.5 degree, as every clinical +/- is set (benchmarks/angles.py,
    2026-12-07); judged on the other two bodies in docs/measurements.md. Larger than the clinical measures' +/-:
    a single frame's angle has no neutral to measure from, so it carries the body's own offset.
    """

    name: str
    view: str
    plus_minus: float


COLUMNS = (Column("trunk_inclination_deg", SAGITTAL, 7.0),
           Column("hip_flexion_deg", SAGITTAL, 14.5),
           Column("knee_flexion_deg", SAGITTAL, 9.5),
           Column("trunk_lateral_lean_deg", FRONTAL, 2.5),
           Column("shoulder_tilt_deg", FRONTAL, 5.0),
           Column("pelvic_tilt_deg", FRONTAL, 9.5))
NOT_CLINICAL = ("Angles over time for research: per-frame, unfiltered, with no neutral, baseline or MDC; not a "
                "clinical result.")


@dataclass(frozen=True)
class AnglesOverTime:
    """Per-frame angles of one recording: its view, the frames' times, quality and set-aside reasons, the angles."""

    view: str
    t: np.ndarray
    quality: np.ndarray
    set_aside: tuple[str, ...]
    angles: dict[str, np.ndarray]
    notes: tuple[str, ...]


def seen_from(series: LandmarkSeries) -> str:
    """The view of the recording as a whole: from the side when the body looks narrow, else from the front."""
    detected = np.flatnonzero(series.detected)
    return SAGITTAL if len(detected) and view_ratio(series, detected) < SIDE_ON_RATIO else FRONTAL


def angles_over_time(series: LandmarkSeries, roll_deg: float = 0.0) -> AnglesOverTime:
    """Every frame's angles (NaN where none was found, set aside, or not seen from this view)."""
    view = seen_from(series)
    kept = keep_subject(series, frontal=view == FRONTAL)
    subject = kept.series
    values = {}
    if view == SAGITTAL:
        forward = facing_direction(subject, np.flatnonzero(subject.detected))
        values = {"trunk_inclination_deg": trunk_inclination(subject, forward, roll_deg),
                  "hip_flexion_deg": hip_flexion(subject, forward, roll_deg),
                  "knee_flexion_deg": knee_flexion(subject)}
    else:
        lean = trunk_lateral_lean(subject, roll_deg)
        values = {"trunk_lateral_lean_deg": lean, "shoulder_tilt_deg": shoulder_tilt(subject, roll_deg),
                  "pelvic_tilt_deg": np.where(np.abs(lean) <= UPRIGHT_DEG, pelvic_tilt(subject, roll_deg), np.nan)}
    empty = np.full(len(subject), np.nan)
    angles = {c.name: values.get(c.name, empty) for c in COLUMNS}
    body = tuple(i for idx in WHOLE_BODY.values() for i in idx)
    why = tuple(EXCLUDED_WHY[Excluded(c)] if c else ("no person found" if not d else "")
                for c, d in zip(subject.excluded, subject.detected))
    return AnglesOverTime(view, subject.t, frame_quality(subject, body), why, angles,
                          subject.notes + kept.notes)


def recording_angles(series: LandmarkSeries, profile: CameraProfile | None = None,
                     config: AnalysisConfig = AnalysisConfig(), mirrored: bool = False) -> AnglesOverTime:
    """The angles of landmarks as recorded: prepared as an analysis prepares them (prepare.py: the camera's lens,
    roll, mirroring), the same for `posture angles` and `posture batch --angles`."""
    prep = Preparation.for_frames(series.width, series.height, config, profile, mirrored)
    return angles_over_time(prep.landmarks(series), prep.config.roll_deg)


def angles_csv(result: AnglesOverTime) -> str:
    """The angles as CSV: one row per recorded frame, numbers to 0.1 degree, empty where there is none."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["frame", "time_s", "view", "quality", "set_aside", *(c.name for c in COLUMNS)])
    for k, t in enumerate(result.t):
        cells = [f"{result.angles[c.name][k]:.1f}" if np.isfinite(result.angles[c.name][k]) else ""
                 for c in COLUMNS]
        writer.writerow([k, f"{t:.4f}", result.view, f"{result.quality[k]:.2f}", result.set_aside[k], *cells])
    return out.getvalue()


def plus_minus_words(result: AnglesOverTime) -> str:
    """The +/- of each angle the view gives, in words, for the person reading the file."""
    return "; ".join(f"{c.name.removesuffix('_deg').replace('_', ' ')} +/- {c.plus_minus:g} deg"
                     for c in COLUMNS if c.view == result.view)
