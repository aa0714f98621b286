"""First schema: clients, visits, sessions, tests, measurements.

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pseudonym", sa.String(80), nullable=False, unique=True),
        sa.Column("birth_year", sa.Integer),
        sa.Column("conditions", sa.JSON, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("visit_date", sa.Date, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("label", sa.String(20), nullable=False),
        sa.Column("pain", sa.Integer),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("software_version", sa.String(40), nullable=False),
        sa.Column("calibration", sa.JSON),
        sa.Column("video_path", sa.Text),
        sa.CheckConstraint("pain IS NULL OR (pain >= 0 AND pain <= 10)", name="pain_0_10"),
    )
    op.create_table(
        "tests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("test", sa.String(40), nullable=False),
        sa.Column("view", sa.String(20), nullable=False),
        sa.Column("detected_share", sa.Float, nullable=False),
        sa.Column("notes", sa.JSON, nullable=False),
        sa.Column("trial_frames", sa.JSON, nullable=False),
        sa.Column("landmarks", sa.LargeBinary),
    )
    op.create_table(
        "measurements",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("test_id", sa.Integer, sa.ForeignKey("tests.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("quality", sa.Float, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("flags", sa.JSON, nullable=False),
        sa.Column("trials", sa.JSON, nullable=False),
        sa.Column("spread", sa.Float),
        sa.Column("maximum", sa.Float),
    )


def downgrade() -> None:
    for table in ("measurements", "tests", "sessions", "visits", "clients"):
        op.drop_table(table)
