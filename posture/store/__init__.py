"""Clients, visits and sessions on disk: SQLAlchemy models, Alembic migrations, comparison, export, reports."""
