"""Test helper: data dated after a cut altered, half of it dropped, the later UN thinned.

Shared by the honesty tests of the pooled calibration and of the world back-test: a fit or
forecast that uses nothing after the cut gives the same result with and without it.
"""

from __future__ import annotations

from typing import Any

import pytest

import multipolar.data as data_mod
import multipolar.model.compile as compile_mod
import multipolar.scenario.tables as tables_mod


def scramble_after(monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    """Alter every value dated after ``after``, drop half of them, thin the later UN."""
    by_actor, yearly, members = (data_mod.column_by_actor_year, compile_mod.yearly_column,
                                 tables_mod._members)

    def bad(y: int, v: float) -> float:
        return -3.0 * v + 0.7 + 0.01 * y

    def by_actor_year(*args: Any, **kw: Any) -> dict[str, dict[int, float]]:
        table = by_actor(*args, **kw)
        return {a: {y: (bad(y, v) if y > after else v) for y, v in s.items()
                    if y <= after or y % 2 == 0} for a, s in table.items()}

    def by_year(*args: Any, **kw: Any) -> dict[int, float]:
        return {y: (bad(y, v) if y > after else v) for y, v in yearly(*args, **kw).items()}

    for mod in (data_mod, compile_mod):
        monkeypatch.setattr(mod, "column_by_actor_year", by_actor_year)
    monkeypatch.setattr(compile_mod, "yearly_column", by_year)
    from multipolar.scenario import load_scenario

    raw = load_scenario("russia-world").raw["actor_sets"][0]
    kept = set(raw.get("overrides") or {}) | set(raw.get("group_overrides") or {}) | {
        "RUS", "USA", "CHN", "UKR", "GEO"}  # the scenario names these: they stay members

    def later_members(y: int) -> set[str]:
        now = sorted(members(y))
        return set(now) if y <= after else {c for i, c in enumerate(now) if i % 3 or c in kept}

    monkeypatch.setattr(tables_mod, "_members", later_members)
