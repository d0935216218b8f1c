"""The bundled reference data: identical to the shared originals, and through 2019."""

from __future__ import annotations

from pathlib import Path

import pytest

from multipolar.data import column_by_actor_year, data_path, read_table

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
FILES = ["actor_year_panel.csv", "brent_annual.csv", "deu3_train.tsv", "igo_membership.csv",
         "trade_shares.csv", "unga_agreement.csv", "unga_idealpoints.csv",
         "reference/bdm_ec_emissions.csv"]


@pytest.mark.parametrize("name", FILES)
def test_bundled_copy_equals_the_shared_original(name: str) -> None:
    original = SHARED / name
    if not original.is_file():
        pytest.skip("shared reference data not present")
    assert data_path(name).read_bytes() == original.read_bytes()


def test_sources_sit_beside_the_data() -> None:
    sources = data_path("SOURCES.md").read_text(encoding="utf-8")
    assert "1991–2019" in sources and "EAEU" in sources


def test_outcomes_run_through_2019_and_memberships_end_in_2014() -> None:
    align = column_by_actor_year("actor_year_panel.csv", "rel_pos_ru0_us1")
    assert max(align["Ukraine"]) == 2019 and max(align["Armenia"]) == 2019
    _, rows = read_table("igo_membership.csv")
    assert max(int(r["year"]) for r in rows) == 2014
    vdem = column_by_actor_year("actor_year_panel.csv", "v2x_polyarchy")
    assert max(vdem["Belarus"]) == 2019
