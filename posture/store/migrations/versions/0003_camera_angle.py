"""How far the camera was from each test's view, in degrees.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    # A plain ADD COLUMN: older results keep NULL (the angle was not measured then).
    op.add_column("tests", sa.Column("camera_angle_deg", sa.Float))


def downgrade() -> None:
    with op.batch_alter_table("tests") as t:
        t.drop_column("camera_angle_deg")
