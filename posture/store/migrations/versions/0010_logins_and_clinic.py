"""A login that survives a reload and ends in every tab at logout; the clinic's own settings (its name on reports).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "logins",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("therapist_id", sa.Integer, sa.ForeignKey("therapists.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime),
    )
    op.create_index("ix_logins_therapist_id", "logins", ["therapist_id"])
    op.create_index("ix_logins_token_hash", "logins", ["token_hash"], unique=True)
    op.create_table(
        "clinic_settings",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("clinic_settings")
    op.drop_index("ix_logins_token_hash", "logins")
    op.drop_index("ix_logins_therapist_id", "logins")
    op.drop_table("logins")
