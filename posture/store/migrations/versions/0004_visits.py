"""The therapist's visit: the client's height, each session's planned battery of tests, saved protocols.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # Plain ADD COLUMNs: older clients have no height, older sessions no planned battery.
    op.add_column("clients", sa.Column("height_cm", sa.Float))
    op.add_column("sessions", sa.Column("protocol", sa.JSON))
    op.create_table("protocols",
                    sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("name", sa.String(80), nullable=False, unique=True),
                    sa.Column("tests", sa.JSON, nullable=False))


def downgrade() -> None:
    op.drop_table("protocols")
    with op.batch_alter_table("sessions") as t:
        t.drop_column("protocol")
    with op.batch_alter_table("clients") as t:
        t.drop_column("height_cm")
