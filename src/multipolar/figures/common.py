"""What the charts' callers need without importing matplotlib.

Which actors get a fan chart, and the file name of each.

``multipolar run`` decides its chart jobs in the main process while the helper processes
(:mod:`multipolar.cli.charts`) draw; importing :mod:`multipolar.figures.plots` there would put
matplotlib's import (about 0.3 s) on the path to the table. Depends on the standard library.
"""

from __future__ import annotations

import re
from typing import Any


def slug(name: str) -> str:
    """The part of a chart's file name that names ``name`` (``fan_{slug}.png``)."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()


def is_projected(summary: dict[str, Any], actor: str, key: str = "alignment") -> bool:
    """Whether the ensemble disagrees about ``actor`` in some year (i.e. the model projects it).

    False for actors held at a definition (Russia 0, the US 1), a fixed value or their last
    observation: every member then has the same path.
    """
    table = (summary.get(key) or {}).get(actor)
    if not table:
        return False
    return any(abs(c["p95"] - c["p05"]) > 1e-6 for c in table.values())
