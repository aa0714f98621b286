"""Therapist accounts (password hashes) and patients' home-check codes (hashes), for the app's logins.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table("therapists",
                    sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("name", sa.String(80), nullable=False, unique=True),
                    sa.Column("password_hash", sa.String(255), nullable=False),
                    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
                    sa.Column("locked_until", sa.DateTime),
                    sa.Column("created_at", sa.DateTime, nullable=False))
    op.create_table("home_codes",
                    sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id", ondelete="CASCADE"),
                              nullable=False, index=True),
                    sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
                    sa.Column("hint", sa.String(8), nullable=False),
                    sa.Column("created_at", sa.DateTime, nullable=False),
                    sa.Column("expires_at", sa.DateTime, nullable=False),
                    sa.Column("revoked_at", sa.DateTime))


def downgrade() -> None:
    op.drop_table("home_codes")
    op.drop_table("therapists")
