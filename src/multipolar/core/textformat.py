"""How results are written as text: the one place for the summary format.

The CLI's tables (``run``, ``forecast``) and the dashboard's fallback report show an ensemble's
quantiles and membership probabilities the same way: :func:`band` (``0.42 [0.30–0.55]``),
:func:`members_cell` (``CIS 0.95, CSTO 0.80``) and :func:`provenance` (which overrides,
perspective, hypothesis and events produced the numbers). No dependencies.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

DASH = "–"
MIN_SHOWN = 0.05  # membership probabilities below this are left out of tables


def number(x: float | None, nd: int = 2) -> str:
    """``x`` with ``nd`` decimals, or a dash when missing or NaN."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return DASH
    return f"{x:.{nd}f}"


def band(q: Mapping[str, Any] | None, nd: int = 2) -> str:
    """Median and 90% band of a quantile record (``median``, ``p05``, ``p95``)."""
    if not q:
        return DASH
    return (f"{number(q.get('median'), nd)} "
            f"[{number(q.get('p05'), nd)}{DASH}{number(q.get('p95'), nd)}]")


def members_cell(probs: Iterable[tuple[str, float | None]], minimum: float = MIN_SHOWN) -> str:
    """Institutions with their membership probability, those at or above ``minimum`` only."""
    shown = [f"{inst} {p:.2f}" for inst, p in probs
             if p is not None and not math.isnan(p) and p >= minimum]
    return ", ".join(shown) or DASH


def provenance(perspective: str | None = None, hypothesis: str | None = None,
               sets: Sequence[str] | None = None, events: Sequence[str] | None = None,
               observed_until: int | None = None, anchor: float | None = None) -> str:
    """The line under a table that says what produced it.

    ``anchor``: the anchor strength the projection used (``run``, ``forecast``), if any.
    """
    parts = [f"overrides: {'; '.join(sets) if sets else 'none'}",
             f"perspective: {perspective or 'none (base)'}",
             f"hypothesis: {hypothesis or 'default'}",
             f"events: {'; '.join(events) if events else 'none'}"]
    if anchor is not None:
        parts.append(f"anchor: {anchor:g}")
    if observed_until is not None:
        parts.append(f"observed until {observed_until}")
    label = _DATA_LABEL[0]() if _DATA_LABEL else None  # an imported data set is named
    if label is not None:
        parts.append(f"data: {label}")
    return " · ".join(parts)


_DATA_LABEL: list[Callable[[], str | None]] = []


def register_data_label(label: Callable[[], str | None]) -> None:
    """Let :func:`provenance` name the active data set.

    ``multipolar.datasets`` registers it when imported (the ground imports nothing above it).
    """
    _DATA_LABEL[:] = [label]
