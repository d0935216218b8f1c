"""Country names and codes of the sources mapped to ISO3 (the data's key).

A code is looked up as ISO3, then as a Correlates of War number, then as a name (case, accents,
punctuation and a leading "the" ignored; a few published spellings are listed in
:data:`ALIASES`). Depends on pandas.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

ALIASES = {
    "russian federation": "RUS", "united states of america": "USA", "usa": "USA",
    "united kingdom of great britain and northern ireland": "GBR", "uk": "GBR",
    "republic of korea": "KOR", "south korea": "KOR",
    "democratic peoples republic of korea": "PRK", "north korea": "PRK",
    "iran islamic republic of": "IRN", "iran": "IRN", "syrian arab republic": "SYR",
    "republic of moldova": "MDA", "moldova": "MDA", "viet nam": "VNM",
    "lao peoples democratic republic": "LAO", "bolivia plurinational state of": "BOL",
    "venezuela bolivarian republic of": "VEN", "united republic of tanzania": "TZA",
    "democratic republic of the congo": "COD", "congo": "COG", "cote divoire": "CIV",
    "ivory coast": "CIV", "turkiye": "TUR", "czechia": "CZE", "czech republic": "CZE",
    "north macedonia": "MKD", "the former yugoslav republic of macedonia": "MKD",
    "eswatini": "SWZ", "swaziland": "SWZ", "cabo verde": "CPV", "cape verde": "CPV",
    "micronesia federated states of": "FSM", "brunei darussalam": "BRN",
    "kyrgyz republic": "KGZ", "timor leste": "TLS", "myanmar": "MMR", "burma": "MMR",
    "belarus": "BLR", "serbia": "SRB", "yugoslavia": "SRB", "serbia and montenegro": "SRB",
}
"""Names the sources use that differ from the data's plain English names."""

NOT_STATES = {"PSE", "PSG", "SML", "ZZB", "HKG", "XKX", "KSV", "TWN", "VAT", "SOL", "CYN"}
"""Codes of entities with no seat in the General Assembly (skipped, with a note, not errors)."""


def norm(name: str) -> str:
    """A name reduced for matching (ASCII, lower case, letters and spaces)."""
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z ]", " ", s.lower().replace("'", ""))
    s = re.sub(r"\s+", " ", s).strip()
    return s[4:] if s.startswith("the ") else s


class CodeMap:
    """Maps codes and names to ISO3, from the data set's ``countries`` table."""

    def __init__(self, countries: pd.DataFrame) -> None:
        self.iso = set(countries["iso3"].astype(str))
        self.cow = {int(c): str(i) for i, c in zip(countries["iso3"], countries["ccode"],
                                                   strict=True)}
        self.names = {norm(str(n)): str(i) for i, n in zip(countries["iso3"], countries["name"],
                                                          strict=True)}
        self.names.update({k: v for k, v in ALIASES.items() if v in self.iso})
        self.ccode_of = {v: k for k, v in self.cow.items()}

    def iso3(self, code: str = "", name: str = "", ccode: str = "") -> str | None:
        """ISO3 of a row (None if nothing maps)."""
        c = code.strip().upper()
        if c in self.iso:
            return c
        cc = ccode.strip()
        if cc:
            try:
                hit = self.cow.get(int(float(cc)))
            except ValueError:
                hit = None
            if hit:
                return hit
        for n in (name, code):
            if n.strip():
                hit = self.names.get(norm(n))
                if hit:
                    return hit
        return None
