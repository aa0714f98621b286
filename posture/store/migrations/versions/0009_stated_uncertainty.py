"""Each measurement keeps the +/- its analysis stated, which now depends on the recording (the bend, the protocol).
Measurements stored before keep the +/- they were shown with then: one figure per measurement. A test keeps how it
was done (rotation: the arms hanging or a bar across the shoulders; empty for the tests done one way).

Revision ID: 0009
Revises: 0008
"""
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


def downgrade() -> None:
    with op.batch_alter_table("measurements") as t:
        t.drop_column("uncertainty")
    with op.batch_alter_table("tests") as t:
        t.drop_column("protocol")
