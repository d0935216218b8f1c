"""The one summary format: quantile bands, membership cells and the provenance line."""

from __future__ import annotations

import math

from multipolar.core.textformat import band, members_cell, number, provenance


def test_band_and_missing_values() -> None:
    assert band({"median": 0.4249, "p05": -0.1, "p95": 0.91}) == "0.42 [-0.10–0.91]"
    assert band(None) == "–" and number(math.nan) == "–" and number(None) == "–"
    assert band({"median": math.nan, "p05": 0.0, "p95": 1.0}) == "– [0.00–1.00]"


def test_members_cell_keeps_only_likely_memberships() -> None:
    cell = members_cell([("CIS", 0.951), ("CSTO", 0.04), ("EAEU", None), ("EU", math.nan),
                         ("NATO", 0.05)])
    assert cell == "CIS 0.95, NATO 0.05"
    assert members_cell([("CSTO", 0.01)]) == "–"


def test_provenance_names_every_input() -> None:
    line = provenance("kremlin", None, ["a=1", "b=2@2014"], ["use_of_force:UKR@2022"], 2019)
    assert line == ("overrides: a=1; b=2@2014 · perspective: kremlin · hypothesis: default · "
                    "events: use_of_force:UKR@2022 · observed until 2019")
    assert provenance() == ("overrides: none · perspective: none (base) · hypothesis: default · "
                            "events: none")
