"""Each measurement keeps the +/- its analysis stated, which now depends on how the test was done (rotation's arms).
Measurements stored before keep the +/- they were shown with then: one figure per measurement. A test keeps how it
was done (rotation: the arms hanging or a bar across the shoulders; empty for the tests done one way).

Trunk flexion is now measured with the pose model's bias at a deep bend taken off (forward_bend.FLEXION_BIAS). A
stored trunk flexion gets the same correction, each repetition and so its median, largest and spread, with the
+/- of the corrected measurement and a note on its test, so that a patient's earlier visits compare with later ones.

Revision ID: 0009
Revises: 0008
"""
import statistics

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"

# The +/- every value of these measurements was shown with until this revision (the registry of 2026-11-24).
SHOWN_UNTIL_NOW = {
    "trunk_flexion": 5.5, "hip_flexion": 5.5, "fingertip_to_floor": 3.5, "knee_flexion_at_peak": 3.5,
    "side_bend_left": 2.0, "side_bend_right": 2.0, "rotation_left": 4.0, "rotation_right": 4.0,
    "shoulder_tilt": 3.0, "pelvic_tilt": 5.0, "trunk_lateral_lean": 1.5, "head_tilt": 4.5, "lateral_shift": 1.0,
    "trunk_inclination": 5.0, "plumb_ear": 4.5, "plumb_shoulder": 1.5, "plumb_hip": 4.5, "plumb_knee": 2.0,
}


FLEXION_BIAS = (-4.81, 0.1295)        # forward_bend.FLEXION_BIAS as this revision applies it
CORRECTED_PLUS_MINUS = 2.0             # uncertainty.PLUS_MINUS["trunk_flexion"] as this revision states it
CORRECTED_NOTE = ("Trunk flexion was corrected after it was measured, as later versions measure it: the pose "
                  "model's bias at a deep bend was taken off each repetition.")


def corrected(peak: float) -> float:
    return peak - max(FLEXION_BIAS[0] + FLEXION_BIAS[1] * peak, 0.0)


def correct_stored_flexion() -> None:
    """Every stored trunk flexion in degrees, measured before the correction, corrected as the analysis now does."""
    conn = op.get_bind()
    m = sa.table("measurements", sa.column("id", sa.Integer), sa.column("test_id", sa.Integer),
                 sa.column("name", sa.String), sa.column("unit", sa.String), sa.column("value", sa.Float),
                 sa.column("maximum", sa.Float), sa.column("spread", sa.Float), sa.column("trials", sa.JSON),
                 sa.column("uncertainty", sa.Float))
    tests = sa.table("tests", sa.column("id", sa.Integer), sa.column("notes", sa.JSON))
    rows = conn.execute(sa.select(m.c.id, m.c.test_id, m.c.trials).where(
        m.c.name == "trunk_flexion", m.c.unit == "deg", m.c.value.isnot(None))).fetchall()
    for row_id, test_id, trials in rows:
        peaks = [corrected(float(v)) for v in trials or []]
        if not peaks:
            continue
        conn.execute(m.update().where(m.c.id == row_id).values(
            value=statistics.median(peaks), maximum=max(peaks, key=abs), trials=peaks,
            spread=statistics.stdev(peaks) if len(peaks) > 1 else 0.0, uncertainty=CORRECTED_PLUS_MINUS))
        notes = conn.execute(sa.select(tests.c.notes).where(tests.c.id == test_id)).scalar() or []
        conn.execute(tests.update().where(tests.c.id == test_id).values(notes=list(notes) + [CORRECTED_NOTE]))


def upgrade() -> None:
    op.add_column("tests", sa.Column("protocol", sa.String(80), nullable=False, server_default=""))
    op.add_column("measurements", sa.Column("uncertainty", sa.Float))
    measurements = sa.table("measurements", sa.column("name", sa.String), sa.column("unit", sa.String),
                            sa.column("value", sa.Float), sa.column("uncertainty", sa.Float))
    for name, plus_minus in SHOWN_UNTIL_NOW.items():
        op.execute(measurements.update()
                   .where(measurements.c.name == name, measurements.c.unit.in_(("deg", "cm")),
                          measurements.c.value.isnot(None))
                   .values(uncertainty=plus_minus))
    correct_stored_flexion()


def downgrade() -> None:
    with op.batch_alter_table("measurements") as t:
        t.drop_column("uncertainty")
    with op.batch_alter_table("tests") as t:
        t.drop_column("protocol")
