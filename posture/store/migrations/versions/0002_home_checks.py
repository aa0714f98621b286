"""Home checks: a pairing key per client, and where each session came from.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    # Plain ADD COLUMN and an index: no table is copied, so no row can be lost on the way.
    op.add_column("clients", sa.Column("home_key", sa.String(64)))
    op.add_column("sessions", sa.Column("source", sa.String(20), nullable=False, server_default="video"))
    op.add_column("sessions", sa.Column("bundle_id", sa.String(40)))
    op.create_index("ix_sessions_bundle_id", "sessions", ["bundle_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_sessions_bundle_id", "sessions")
    with op.batch_alter_table("sessions") as t:
        t.drop_column("bundle_id")
        t.drop_column("source")
    with op.batch_alter_table("clients") as t:
        t.drop_column("home_key")
