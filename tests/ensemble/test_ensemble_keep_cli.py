"""`multipolar run --keep` end to end (real model, tiny ensembles): what is stored and said."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from multipolar.cli.main import app

runner = CliRunner()
TINY = ["--members", "30", "--seed", "3", "--end", "1996", "--quiet", "--no-plots"]


def _ok(args: list[str]):
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return res


def test_keep_summary_stores_no_members_and_says_so(tmp_path):
    rd = tmp_path / "s"
    full = json.loads(_ok(["run", *TINY, "--json", "--keep", "members",
                           "--out", str(tmp_path / "m")]).stdout)
    got = json.loads(_ok(["run", *TINY, "--json", "--keep", "summary",
                          "--out", str(rd)]).stdout)
    assert got["alignment"] == full["alignment"] and got["russia"] == full["russia"]
    assert got["kept"] == "summary" and full["kept"] == "members"
    assert not list((rd / "chunks").glob("*.parquet"))
    info = json.loads(_ok(["runs", "show", str(rd), "--json"]).stdout)
    assert info["keep"] == "summary" and info["members_kept"] == 0
    assert "summary only" in info["kept"]
    res = _ok(["query", str(rd), "select count(*) as n from actors", "--json"])
    assert json.loads(res.stdout) == [{"n": 0}]
    assert "summary only" in res.stderr
    bad = runner.invoke(app, ["query", str(rd), "select alignment from actors"])
    assert bad.exit_code == 2 and "--keep summary" in bad.output


def test_unknown_keep_is_a_clean_error(tmp_path):
    res = runner.invoke(app, ["run", *TINY, "--keep", "all", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2
    assert "--keep" in res.output and "Traceback" not in res.output
