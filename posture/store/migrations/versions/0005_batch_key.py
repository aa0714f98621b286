"""Sessions stored by `posture batch` carry the key of the manifest row they came from, once each.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    # A plain ADD COLUMN and a unique index: older sessions keep NULL, and NULLs never collide.
    op.add_column("sessions", sa.Column("batch_key", sa.String(64)))
    op.create_index("ix_sessions_batch_key", "sessions", ["batch_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_sessions_batch_key", "sessions")
    with op.batch_alter_table("sessions") as t:
        t.drop_column("batch_key")
