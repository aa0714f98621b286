"""A check measured on a patient's device is stored once: its run (named by the device) and its landmarks (a SHA-256
of them) are each unique, so a replayed check, or the same run sent again, is refused.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    # Plain ADD COLUMNs and unique indexes: older sessions keep NULL, and NULLs never collide.
    op.add_column("sessions", sa.Column("device_run", sa.String(40)))
    op.add_column("sessions", sa.Column("device_digest", sa.String(64)))
    op.create_index("ix_sessions_device_run", "sessions", ["device_run"], unique=True)
    op.create_index("ix_sessions_device_digest", "sessions", ["device_digest"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_sessions_device_digest", "sessions")
    op.drop_index("ix_sessions_device_run", "sessions")
    with op.batch_alter_table("sessions") as t:
        t.drop_column("device_digest")
        t.drop_column("device_run")
