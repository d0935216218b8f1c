"""Import the bundled 2015-2019 rows, written out as the sources publish them, onto a data set cut
at 2014: every derived table, and a run, forecast and coalition for a fixed seed, equal those
from the bundled data bit for bit; the cut set alone does not (the data set is really read)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from multipolar.cli.main import app
from multipolar.datasets import ops, publish, store
from tests.datasets.same import assert_same_file

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_VOETEN = Path(__file__).resolve().parents[3] / "shared/data/formats/" \
    "voeten_idealpoints_2015_2019.csv"
runner = CliRunner()


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """cut2014 -> +votes -> +ideal points -> +V-Dem (global, panel) -> +oil, in a fresh dir."""
    root = tmp_path_factory.mktemp("data")
    pub = tmp_path_factory.mktemp("published")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(store.ENV_DIR, str(root / "sets"))
        mp.delenv(store.ENV_ACTIVE, raising=False)
        bundled = store.get(store.BUNDLED)
        files = {
            "undl": pub / "undl_ga_voting_2015_2019.csv",
            "voeten": pub / "IdealpointsJuly2025_2015_2019.csv",
            "vdem_global": pub / "vdem_v14_2015_2019.csv",
            "vdem_panel": pub / "vdem_v15_2015_2019.csv",
            "oil": pub / "brent_annual_2015_2025.csv",
        }
        publish.write_undl(bundled, files["undl"], 2015, 2019)
        files["voeten"].write_bytes(
            gzip.decompress((FIXTURES / "voeten_idealpoints_2015_2019.csv.gz").read_bytes()))
        publish.write_vdem(bundled, files["vdem_global"], 2015, 2019, "global")
        publish.write_vdem(bundled, files["vdem_panel"], 2015, 2019, "panel")
        publish.write_oil_annual(bundled, files["oil"], 2015, 2025)
        ops.cut(2014, "cut2014", base=store.BUNDLED)
        ops.import_file("unga-votes", files["undl"], "votes")
        ops.import_file("idealpoints", files["voeten"], "ideal")
        ops.import_file("vdem", files["vdem_global"], "vdem14", tables="global")
        ops.import_file("vdem", files["vdem_panel"], "vdem15", tables="panel")
        ops.import_file("oil", files["oil"], "full")
        yield {**files, "root": root / "sets"}


def test_the_fixture_is_the_published_sample() -> None:
    if not SHARED_VOETEN.is_file():
        pytest.skip("the shared data (../shared/data/formats) are not here")
    got = gzip.decompress((FIXTURES / "voeten_idealpoints_2015_2019.csv.gz").read_bytes())
    assert got == SHARED_VOETEN.read_bytes()


def test_the_cut_empties_the_series_after_2014(chain: dict[str, Path]) -> None:
    cut = store.get("cut2014")
    assert {k: cut.series[k] for k in ("unga-votes", "idealpoints", "vdem", "oil")} == \
        dict.fromkeys(("unga-votes", "idealpoints", "vdem", "oil"), 2014)
    cy = pd.read_parquet(cut.file("global/country_year.parquet"))
    late = cy[cy["year"] > 2014]
    assert late["idealpoint"].isna().all() and late["agree_russia"].isna().all()
    assert (late["n_votes"] == 0).all() and late["v2x_polyarchy"].isna().all()
    assert late["cinc"].notna().any()  # series no importer brings are kept


@pytest.mark.parametrize("rel", ["actor_year_panel.csv", "unga_idealpoints.csv",
                                 "unga_agreement.csv", "global/country_year.parquet",
                                 "global/unga_votes.parquet", "igo_membership.csv",
                                 "global/countries.parquet"])
def test_derived_tables_equal_the_bundled_ones_byte_for_byte(chain: dict[str, Path],
                                                             rel: str) -> None:
    full = store.get("full")
    assert full.file(rel) != store.bundled_dir() / rel  # the set's own copy
    assert_same_file(full.file(rel), store.bundled_dir() / rel)


def test_rollcalls_equal_on_what_the_library_publishes(chain: dict[str, Path]) -> None:
    a = pd.read_parquet(store.bundled_dir() / "global/unga_rollcalls.parquet")
    b = pd.read_parquet(store.get("full").file("global/unga_rollcalls.parquet"))
    pd.testing.assert_frame_equal(a[a["date"] < "2015"], b[b["date"] < "2015"],
                                  check_exact=True)
    late_a, late_b = a[a["date"] >= "2015"], b[b["date"] >= "2015"]
    for col in ("rcid", "session", "date", "unres"):
        assert late_a[col].tolist() == late_b[col].tolist()
    title = late_a["short"].where(late_a["short"].notna(), late_a["descr"])
    assert late_b["short"].tolist() == title.tolist()
    assert late_b["importantvote"].isna().all()  # not in the Library's layout: unknown, not 0


def test_oil_prices_equal_and_trading_days_are_not_invented(chain: dict[str, Path]) -> None:
    a = pd.read_csv(store.bundled_dir() / "brent_annual.csv")
    b = pd.read_csv(store.get("full").file("brent_annual.csv"))
    assert a["year"].tolist() == b["year"].tolist()
    assert a["brent_usd_per_barrel"].tolist() == b["brent_usd_per_barrel"].tolist()
    assert b.loc[b["year"] > 2014, "trading_days"].isna().all()  # annual data have none


def _cli(args: list[str], data: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(store.ENV_ACTIVE, store.BUNDLED)  # restored after the test
    res = runner.invoke(app, ["--data", data, *args])
    assert res.exit_code == 0, res.output
    return "\n".join(line for line in res.output.splitlines() if '"rundir"' not in line)


@pytest.mark.parametrize("args", [
    ["run", "--members", "12", "--seed", "5", "--json", "--no-plots", "--quiet"],
    ["forecast", "--members", "30", "--from", "2017", "--to", "2021", "--seed", "3", "--json"],
    ["coalition", "--event", "use_of_force:UKR@2022", "--members", "150", "--seed", "4",
     "--json"],
], ids=["run", "forecast", "coalition"])
def test_results_equal_the_bundled_ones_bit_for_bit(chain: dict[str, Path], args: list[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert _cli(args, "full", monkeypatch) == _cli(args, store.BUNDLED, monkeypatch)


@pytest.mark.parametrize("args", [
    ["run", "--members", "12", "--seed", "5", "--json", "--no-plots", "--quiet"],
    ["forecast", "--members", "30", "--from", "2017", "--to", "2021", "--seed", "3", "--json"],
], ids=["run", "forecast"])
def test_the_cut_set_gives_other_results(chain: dict[str, Path], args: list[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cut = _cli(args, "cut2014", monkeypatch)
    full = _cli(args, "full", monkeypatch)
    key = '"observed_until": ' if args[0] == "run" else '"origin": '
    assert key + "2014" in cut and key + ("2019" if args[0] == "run" else "2016") in full
    assert cut != full


def test_stata_file_imports_like_the_csv(chain: dict[str, Path], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pd.read_csv(chain["voeten"])
    dta = tmp_path / "IdealpointsJuly2025.dta"
    frame.to_stata(dta, write_index=False, version=118)
    ds = ops.import_file("idealpoints", dta, "ideal-dta", base="votes")
    for rel in ("unga_idealpoints.csv", "global/country_year.parquet"):
        assert ds.file(rel).read_bytes() == store.get("ideal").file(rel).read_bytes()


def test_the_shared_undl_sample_imports_like_the_written_one(chain: dict[str, Path],
                                                             tmp_path: Path) -> None:
    sample = SHARED_VOETEN.parent / "undl_ga_voting_2019.csv"
    if not sample.is_file():
        pytest.skip("the shared data (../shared/data/formats) are not here")
    ops.cut(2018, "cut2018", base=store.BUNDLED, series=("unga-votes",))
    ds = ops.import_file("unga-votes", sample, "sample2019", base="cut2018")
    for rel in ("global/country_year.parquet", "global/unga_votes.parquet",
                "unga_agreement.csv", "actor_year_panel.csv"):
        assert_same_file(ds.file(rel), store.bundled_dir() / rel)


def test_manifest_checksums_and_sources(chain: dict[str, Path]) -> None:
    ds = store.get("ideal")
    assert ds.manifest["parent"] == "votes"
    assert ds.manifest["import"]["sha256"] == store.sha256(chain["voeten"])
    assert store.verify(ds) == []
    src = (ds.path / "SOURCES.md").read_text() if ds.path else ""
    assert "## votes" in src and "## ideal" in src and "Voeten" in src
    # tampering is found
    victim = store.get("vdem14")
    assert victim.path is not None
    copy = chain["root"].parent / "tampered"
    shutil.copytree(victim.path, copy)
    (copy / "unga_agreement.csv").write_text("country,year\n")
    assert store.verify(store.DataSet("tampered", copy, victim.manifest)) == \
        ["unga_agreement.csv"]


def test_newest_set_is_the_default_and_list_show_diff(chain: dict[str, Path],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(store.ENV_ACTIVE, raising=False)
    assert store.active_name() == store.versions()[-1].name
    res = runner.invoke(app, ["data", "list", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert rows[0]["name"] == "bundled" and sum(r["active"] for r in rows) == 1
    res = runner.invoke(app, ["data", "diff", "cut2014", "votes", "--json"])
    by = {r["file"]: r for r in json.loads(res.output)}
    assert by["global/unga_votes.parquet"]["years_added"] == [] or \
        by["global/unga_votes.parquet"]["added"] > 0
    assert by["unga_agreement.csv"]["years_added"] == [2015, 2019]
    assert by["unga_idealpoints.csv"]["same"] is True
    res = runner.invoke(app, ["data", "show", "votes", "--json"])
    info = json.loads(res.output)
    assert info["checksums_ok"] and info["series"]["unga-votes"] == 2019
    assert info["series"]["idealpoints"] == 2014


def test_provenance_names_an_imported_data_set(chain: dict[str, Path],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from multipolar.core.textformat import provenance

    monkeypatch.setenv(store.ENV_ACTIVE, "full")
    assert provenance().endswith("data: full")
    monkeypatch.setenv(store.ENV_ACTIVE, store.BUNDLED)
    assert "data:" not in provenance()


def test_unknown_data_set_is_a_located_error(chain: dict[str, Path],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(store.ENV_ACTIVE, store.BUNDLED)
    res = runner.invoke(app, ["--data", "nope", "forecast"])
    assert res.exit_code == 2
    assert "no data set 'nope'" in res.output and "cut2014" in res.output
    assert os.environ[store.ENV_ACTIVE] == store.BUNDLED
