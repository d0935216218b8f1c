"""Words shown to users for the alignment scale and for the seed documents, kept in one place.

The model's main outcome is a state's UN General Assembly voting position relative to Russia
and the United States, ``(state - Russia) / (US - Russia)`` on Voeten's ideal-point scale (the
data column ``rel_pos_ru0_us1``). That column name is internal: charts, tables and reports
use :data:`ALIGNMENT_AXIS`, :data:`ALIGNMENT_BEYOND` and :func:`alignment_words` instead.

Seeds are cited in the scenario by file number (``001``); :data:`SEED_BIBLIOGRAPHY` turns
such a number into author, year and title for display (:func:`source_label`).

Depends on the standard library only.
"""

from __future__ import annotations

import re
from typing import Any

ALIGNMENT_NAME = "UN voting alignment"
"""Short name of the outcome."""

ALIGNMENT_AXIS = "votes like Russia (0) ... votes like the US (1)"
"""Axis label: what the two ends of the scale mean."""

ALIGNMENT_BEYOND = ("below 0: votes even further from the US than Russia does; "
                    "above 1: even further from Russia than the US does")
"""What values outside 0..1 mean (the scale is not bounded by the two reference states)."""

ALIGNMENT_LONG = f"{ALIGNMENT_NAME}: {ALIGNMENT_AXIS}; {ALIGNMENT_BEYOND}"
"""One-line explanation for captions and table titles."""


def free_run_label(summary: dict[str, Any]) -> str | None:
    """The words that mark a free run (``run --free``) in tables and chart titles, else None.

    A run summary's ``history`` is ``free`` when the model ran on its own from its first year
    (a check of the model), ``observed`` when it followed the observed alignment up to its
    ``observed_until`` and projected from there.
    """
    if summary.get("history") != "free":
        return None
    years = summary.get("years") or ["its first year"]
    return f"free run from {years[0]} (a check of the model)"


def alignment_words(value: float) -> str:
    """A few words for one alignment value, e.g. ``0.1`` -> ``'close to Russia'``."""
    if value < 0:
        return "beyond Russia (further from the US)"
    if value > 1:
        return "beyond the US (further from Russia)"
    if value < 0.2:
        return "close to Russia"
    if value > 0.8:
        return "close to the US"
    if value < 0.4:
        return "nearer Russia"
    if value > 0.6:
        return "nearer the US"
    return "between Russia and the US"


SEED_BIBLIOGRAPHY: dict[str, str] = {
    "000": ('Torbakov, I. (2011), "What Does Russia Want?" (on the ties between Moscow\'s '
            "domestic and foreign policy; SSOAR catalogue entry and abstract)"),
    "001": ('Torbakov, I. (2011), "What Does Russia Want?" (on the ties between Moscow\'s '
            "domestic and foreign policy), DGAP analyse"),
    "002": ('GlobalSecurity.org (undated, quotes 2014-2021), "Russia - Foreign Relations"'),
    "003": ('Deriglazova, L., Makarychev, A. & Reut, O. (2012), "Russian Foreign Policy: What '
            'is not seen from the Kremlin", CEPS Policy Brief No. 365'),
    "004": ("Bolgova, I. (about 2016-17), on Russia's policy in the post-Soviet space, "
            "Russian International Affairs Council (RIAC)"),
}
"""Seed file number -> author, year and title (from the documents themselves)."""

SEED_SHORT: dict[str, str] = {
    "000": "Torbakov (2011, abstract)",
    "001": "Torbakov (2011)",
    "002": "GlobalSecurity.org (2014-21)",
    "003": "Deriglazova, Makarychev & Reut (2012)",
    "004": "Bolgova (2016-17)",
}
"""Seed file number -> a short author-year label for tables."""

_SEED_NUM = re.compile(r"^(\d{3})(?:[_.].*)?$")


def seed_number(source: str) -> str | None:
    """The three-digit number of a seed reference (``'001'``, ``'001_fd82....txt'``), or None."""
    m = _SEED_NUM.match(str(source).strip().rsplit("/", 1)[-1])
    return m.group(1) if m else None


def source_label(source: str, short: bool = False) -> str:
    """Author, year and title of a seed reference; other references come back unchanged."""
    num = seed_number(source)
    if num is None:
        return str(source)
    table = SEED_SHORT if short else SEED_BIBLIOGRAPHY
    return table.get(num, f"seed document {num}")
