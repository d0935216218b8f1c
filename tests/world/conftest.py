"""Fixtures the world's tests share: the bundled global tables and the scenario's groups."""

from __future__ import annotations

from typing import Any

import pytest

from multipolar.data.global_tables import load_world
from multipolar.votes.coalition import scenario_groups


@pytest.fixture(scope="module")
def world() -> Any:
    """The bundled global tables (one load per test module)."""
    return load_world()


@pytest.fixture(scope="module")
def groups() -> dict[str, str]:
    """Each state's seed-002 group in the bundled russia-world scenario."""
    return scenario_groups("russia-world")[0]
