"""The clinic's own settings, kept in its database: its name, shown on every report."""

from __future__ import annotations

from sqlalchemy import Engine

from posture import limits
from posture.store.db import reading, writing
from posture.store.models import ClinicSetting

NAME = "name"


def clinic_name(engine: Engine) -> str:
    """The clinic's name as its reports show it ('' until it is set)."""
    with reading(engine) as db:
        setting = db.get(ClinicSetting, NAME)
        return setting.value if setting is not None else ""


def set_clinic_name(engine: Engine, name: str) -> None:
    """Set the clinic's name (empty: none shown)."""
    name = limits.text(name, "The clinic's name", limits.NAME_CHARS)
    with writing(engine) as db:
        setting = db.get(ClinicSetting, NAME) or ClinicSetting(key=NAME)
        setting.value = name
        db.add(setting)
