"""`multipolar run russia-world` end to end: a by-group table that fits 80 columns, a few
fan charts and one overview (never one chart per state)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from multipolar.cli import world_view
from multipolar.cli.main import app


def test_world_run_prints_groups_in_80_columns_and_draws_a_few_charts(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["run", "russia-world", "--members", "24", "--seed", "3",
                                   "--out", str(tmp_path / "r")],
                             env={"COLUMNS": "80"}, terminal_width=80)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(x) for x in lines) <= 80
    for label in ("the West", "Sub-Saharan Africa", "the post-Soviet space",
                  "Latin America and the Caribbean"):
        assert any(x.startswith("│ " + label) for x in lines), label
    near = next(x for x in lines if x.startswith("closest to Russia"))
    far = next(x for x in lines if x.startswith("closest to the US"))
    assert "SYR" in near and "RUS" not in near  # the seeds' client; the scale's 0 left out
    far_ids = [w for w in far.split(":", 1)[1].replace(",", " ").split() if w.isalpha()]
    assert far_ids and "USA" not in far_ids  # the scale's 1 is not a finding
    groups = world_view.groups_of("russia-world")
    assert sum(groups.get(a) == "the West" for a in far_ids) >= 2, far_ids
    groups_table = lines[:lines.index(near)]  # Russia is no group of the alignment table
    assert not any(x.startswith("│ Russia ") or x.startswith("│ -  ") for x in groups_table)
    # the standing table: Russia's and the US's ideal points, then the groups' means
    standing = lines[lines.index(far):]
    assert any(x.startswith("│ Russia ") for x in standing)
    assert any(x.startswith("│ the US ") for x in standing)
    assert any(x.startswith("│ the West ") for x in standing)
    pngs = sorted(p.name for p in (tmp_path / "r").glob("*.png"))
    assert {"alignment-overview.png", "alignment-map.png"} <= set(pngs)
    assert "sphere-overview.png" not in pngs
    assert len(pngs) == len(world_view.SHOWCASE) + 2 < 30
