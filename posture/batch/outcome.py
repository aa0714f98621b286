"""What became of one recording's analysis, typed: tracked by a worker, done (measured, its landmarks saved), or
failed with why, in words for people (`reason`) and as a code for programs (`refusal`)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

from posture.errors import PostureError

if TYPE_CHECKING:
    from posture.landmarks import LandmarkSeries

TRACKED, DONE, FAILED = "tracked", "done", "failed"
# Refusals that are no PostureError's kind (errors.py): a worker lost, an unexpected error, a bad manifest row.
WORKER, UNEXPECTED, MANIFEST = "worker", "unexpected", "manifest"
WORKER_DIED = ("the process analysing it stopped (killed, or out of memory); nothing of it was kept: "
               "run the batch again.")


@dataclass(frozen=True)
class Outcome:
    """One recording's analysis as it goes from a worker (TRACKED, with its series) through the batch's process
    (DONE: measured, `result` as export.result_dict, `landmarks` its saved file) or FAILED (reason, refusal)."""

    status: str
    reason: str = ""
    refusal: str = ""
    result: dict | None = None
    frames: int = 0
    seconds: float | None = None
    worker: str = ""
    landmarks: str = ""
    angles: str = ""                         # the angles-over-time CSV, when the batch writes them
    series: LandmarkSeries | None = None     # in memory only, never written to a record

    @classmethod
    def failed(cls, reason: str, refusal: str) -> Outcome:
        return cls(FAILED, reason, refusal)

    @classmethod
    def refused(cls, error: Exception) -> Outcome:
        """Failed with an error's sentence and kind (an unexpected error says its class)."""
        if isinstance(error, PostureError):
            return cls.failed(str(error), error.kind)
        return cls.failed(f"unexpected {error.__class__.__name__}: {error}", UNEXPECTED)

    def but(self, **changes) -> Outcome:
        return replace(self, **changes)

    def kept(self) -> dict:
        """What a job's record keeps of it (JSON): everything but the series."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "series"}

    @classmethod
    def from_record(cls, record: dict) -> Outcome:
        """A done analysis of an earlier run, from its record."""
        return cls(DONE, result=record["result"], frames=record["frames"], seconds=record.get("seconds"),
                   landmarks=record["landmarks"], angles=record.get("angles", ""))


LOST = Outcome.failed(WORKER_DIED, WORKER)
