"""The comparison's charts, drawn once and shown both on the page and in the PDF (the same PNG bytes).

Matplotlib through its object API (a Figure rendered to PNG): no backend is
chosen and nothing changes at import. Figures are returned so that tests can
read their axes.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import numpy as np

LINE_COLOURS = ("#1f5f8b", "#d35400", "#27ae60", "#8e44ad")


def png(fig) -> bytes:
    """A figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    return buf.getvalue()


def curves_figure(title: str, unit: str, curves: dict[str, tuple[np.ndarray, np.ndarray]]):
    """Angle over time, one line per session, each starting at 0 s where its first movement starts."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.2, 2.3))
    ax = fig.subplots()
    for colour, (name, (t, y)) in zip(LINE_COLOURS, curves.items()):
        ax.plot(t, y, color=colour, lw=1.5, label=name)
    ax.axvline(0.0, color="grey", lw=0.6, ls=":")
    ax.set_xlabel("seconds from the start of the movement", fontsize=7)
    _finish(ax, title, unit)
    return fig


def _finish(ax, title: str, unit: str) -> None:
    """The look every chart shares: small type, a light grid, the legend."""
    ax.set_ylabel(unit, fontsize=7)
    ax.set_title(title, fontsize=8)
    ax.tick_params(labelsize=6)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6)


def value_range(values: list[float], mdc: float | None) -> tuple[float, float]:
    """The value axis: the data with a margin, never narrower than the MDC (a smaller wiggle is noise)."""
    lo, hi = min(values), max(values)
    span = max(hi - lo, mdc or 0.0, 1.0) * 1.2
    mid = (lo + hi) / 2
    return mid - span / 2, mid + span / 2


def date_range(days: list[date]) -> tuple[date, date]:
    """The date axis: the visits with a margin of a tenth of their span (at least a day) each side."""
    lo, hi = min(days), max(days)
    pad = timedelta(days=max((hi - lo).days / 10, 1))
    return lo - pad, hi + pad


def trend_figure(title: str, unit: str, points: dict[str, list[tuple[date, float]]], mdc: float | None):
    """One measurement over visits, a line per session label (pre, post), dates as dates."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.6, 2.1))
    ax = fig.subplots()
    for colour, (name, pts) in zip(LINE_COLOURS, points.items()):
        ax.plot([d for d, _ in pts], [v for _, v in pts], marker="o", color=colour, label=name)
    ax.set_xlim(*date_range([d for pts in points.values() for d, _ in pts]))
    ax.set_ylim(*value_range([v for pts in points.values() for _, v in pts], mdc))
    locator = AutoDateLocator(maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.xaxis.get_offset_text().set_fontsize(6)
    _finish(ax, title, unit)
    return fig
