"""Malformed files get located errors and change nothing; the other kinds and options work."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from multipolar.cli.main import app
from multipolar.core.errors import InputError
from multipolar.datasets import ops, publish, store
from tests.datasets.same import assert_same_file

runner = CliRunner()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """A set cut at 2018 and the 2019 rows in the published formats."""
    root = tmp_path_factory.mktemp("sets")
    pub = tmp_path_factory.mktemp("pub")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(store.ENV_DIR, str(root))
        mp.delenv(store.ENV_ACTIVE, raising=False)
        bundled = store.get(store.BUNDLED)
        publish.write_undl(bundled, pub / "undl.csv", 2019, 2019)
        publish.write_vdem(bundled, pub / "vdem.csv", 2019, 2019, "panel")
        ops.cut(2018, "c2018", base=store.BUNDLED)
        yield {"root": root, "undl": pub / "undl.csv", "vdem": pub / "vdem.csv"}


@pytest.fixture
def sets(base: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv(store.ENV_DIR, str(base["root"]))
    monkeypatch.delenv(store.ENV_ACTIVE, raising=False)
    return base


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def _state(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir())


def _fails(sets: dict[str, Path], kind: str, path: Path) -> InputError:
    before = _state(sets["root"])
    with pytest.raises(InputError) as exc:
        ops.import_file(kind, path, "never", base="c2018")
    assert _state(sets["root"]) == before  # nothing written, no temporary folder left
    return exc.value


def test_wrong_columns_name_what_is_missing_and_what_is_there(sets: dict[str, Path],
                                                              tmp_path: Path) -> None:
    head, rows = _rows(sets["undl"])
    bad = [h if h != "ms_votes" else "stimme" for h in head]
    err = _fails(sets, "unga-votes", _write(tmp_path / "v.csv", bad, rows[:50]))
    p = err.problems[0]
    assert p.line == 1 and "ms_votes" in p.message and "stimme" in (p.fix or "")


def test_singular_column_names_of_other_releases_are_accepted(sets: dict[str, Path],
                                                              tmp_path: Path) -> None:
    head, rows = _rows(sets["undl"])
    singular = {"ms_codes": "ms_code", "ms_names": "ms_name", "ms_votes": "ms_vote",
                "resolutions": "resolution"}
    path = _write(tmp_path / "v.csv", [singular.get(h, h) for h in head], rows)
    ds = ops.import_file("unga-votes", path, "singular", base="c2018")
    assert_same_file(ds.file("global/unga_votes.parquet"),
                     store.bundled_dir() / "global/unga_votes.parquet")


def test_wide_layout_is_accepted(sets: dict[str, Path], tmp_path: Path) -> None:
    head, rows = _rows(sets["undl"])
    h = {c: i for i, c in enumerate(head)}
    wide: dict[str, dict[str, str]] = {}
    for r in rows:
        rec = wide.setdefault(r[h["undl_id"]], {"undl_id": r[h["undl_id"]],
                                                "resolution": r[h["resolutions"]],
                                                "title": r[h["title"]], "date": r[h["date"]]})
        rec[r[h["ms_codes"]]] = r[h["ms_votes"]]
    cols = ["undl_id", "resolution", "title", "date", *sorted({c for rec in wide.values() for c in rec} - {"undl_id", "resolution", "title", "date"})]
    path = _write(tmp_path / "wide.csv", cols,
                  [[rec.get(c, "") for c in cols] for rec in wide.values()])
    ds = ops.import_file("unga-votes", path, "wide", base="c2018")
    for rel in ("global/unga_votes.parquet", "unga_agreement.csv"):
        assert_same_file(ds.file(rel), store.bundled_dir() / rel)


def test_unknown_country_is_located_with_its_value(sets: dict[str, Path],
                                                   tmp_path: Path) -> None:
    head, rows = _rows(sets["undl"])
    i, j = head.index("ms_codes"), head.index("ms_names")
    rows[6][i], rows[6][j] = "XYZ", "ATLANTIS"
    err = _fails(sets, "unga-votes", _write(tmp_path / "v.csv", head, rows))
    p = err.problems[0]
    assert p.line == 8 and p.field == "ms_codes" and "XYZ" in p.message
    assert "ISO 3166" in (p.fix or "")


def test_vote_outside_y_n_a_blank(sets: dict[str, Path], tmp_path: Path) -> None:
    head, rows = _rows(sets["undl"])
    rows[3][head.index("ms_votes")] = "X"
    err = _fails(sets, "unga-votes", _write(tmp_path / "v.csv", head, rows))
    p = err.problems[0]
    assert (p.line, p.field) == (5, "ms_votes") and "'X'" in p.message


def test_truncated_csv(sets: dict[str, Path], tmp_path: Path) -> None:
    text = sets["undl"].read_text(encoding="utf-8")
    cut = tmp_path / "cut.csv"
    cut.write_text(text[: len(text) // 3].rsplit(",", 3)[0], encoding="utf-8")
    err = _fails(sets, "unga-votes", cut)
    p = err.problems[-1]
    assert p.file == str(cut) and p.line == text[: len(text) // 3].count("\n") + 1
    assert "truncated" in (p.fix or "")


def test_a_duplicate_vote(sets: dict[str, Path], tmp_path: Path) -> None:
    head, rows = _rows(sets["undl"])
    err = _fails(sets, "unga-votes", _write(tmp_path / "v.csv", head, [*rows, rows[10]]))
    assert "twice" in err.problems[0].message and "line 12" in err.problems[0].message


def test_year_going_backwards(sets: dict[str, Path], tmp_path: Path) -> None:
    rows = [["ccode", "iso3c", "countryname", "year", "idealpointfp"],
            ["2", "USA", "United States", "2019", "2.5"],
            ["365", "RUS", "Russia", "2019", "0.1"],
            ["365", "RUS", "Russia", "2017", "0.2"]]
    err = _fails(sets, "idealpoints", _write(tmp_path / "ip.csv", rows[0], rows[1:]))
    p = err.problems[0]
    assert p.line == 4 and "backwards" in p.message and "2017" in p.message


def test_a_gap_needs_allow_gap(sets: dict[str, Path], tmp_path: Path) -> None:
    rows = [["year", "price"], ["2021", "70.1"]]
    path = _write(tmp_path / "oil.csv", rows[0], rows[1:])
    ops.cut(2019, "oil2019", base=store.BUNDLED, series=("oil",))
    before = _state(sets["root"])
    with pytest.raises(InputError) as exc:
        ops.import_file("oil", path, "gap", base="oil2019")
    assert "2020" in exc.value.problems[0].message and _state(sets["root"]) == before
    ds = ops.import_file("oil", path, "gap", base="oil2019", allow_gap=True)
    assert ds.series["oil"] == 2021


def test_nothing_new_and_name_taken(sets: dict[str, Path]) -> None:
    with pytest.raises(InputError, match="nothing after 2019"):
        ops.import_file("unga-votes", sets["undl"], "again", base=store.BUNDLED)
    with pytest.raises(InputError, match="exists already"):
        ops.cut(2018, "c2018", base=store.BUNDLED)


def test_daily_brent_is_averaged_by_year_and_an_incomplete_last_year_left_out(
        sets: dict[str, Path], tmp_path: Path) -> None:
    days = pd.bdate_range("2024-01-01", "2026-03-31")
    price = [60.0 + (i % 7) * 1.5 for i in range(len(days))]
    path = _write(tmp_path / "RBRTEd.csv", ["Date", "Price"],
                  [[d.strftime("%Y-%m-%d"), f"{p:.2f}"] for d, p in zip(days, price,
                                                                        strict=True)])
    ops.cut(2023, "oil2023", base=store.BUNDLED, series=("oil",))
    ds = ops.import_file("oil", path, "daily", base="oil2023")
    got = pd.read_csv(ds.file("brent_annual.csv")).set_index("year")
    for year in (2024, 2025):
        vals = [p for d, p in zip(days, price, strict=True) if d.year == year]
        assert got.loc[year, "brent_usd_per_barrel"] == round(sum(vals) / len(vals), 2)
        assert got.loc[year, "trading_days"] == len(vals)
    assert 2026 not in got.index  # 64 days: incomplete
    assert "2026 left out" in ds.manifest["import"]["summary"]["note"]


def test_events_need_a_source_and_known_states(sets: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("events:\n- {date: 2016-01-01, kind: membership, state: ARM, "
                   "institution: EAEU, status: joined}\n"
                   "- {date: 2016-02-01, kind: use_of_force, target: Narnia, source: x}\n"
                   "- {date: 2016-03-01, kind: regime_change, target: ARM, source: x}\n",
                   encoding="utf-8")
    err = _fails(sets, "events", bad)
    assert [p.field for p in err.problems] == ["events[0].source", "events[1].target",
                                               "events[2].kind"]


def test_imported_events_reach_the_scenario(sets: dict[str, Path], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from multipolar.scenario import load_scenario

    good = tmp_path / "good.yaml"
    good.write_text("events:\n- date: 2016-04-02\n  kind: use_of_force\n  target: Armenia\n"
                    "  description: test event\n  source: a public report\n"
                    "- date: 2016-05-01\n  kind: membership\n  status: left\n  state: MDA\n"
                    "  institution: cis\n  source: a public decree\n"
                    "- date: 2016-06-01\n  kind: accession\n  target: ARM\n"
                    "  institution: NOT-IN-SCENARIO\n  source: x\n", encoding="utf-8")
    ds = ops.import_file("events", good, "ev", base="c2018")
    assert ds.series["events"] == 2016
    monkeypatch.setenv(store.ENV_ACTIVE, store.BUNDLED)
    before = load_scenario("russia-neighbourhood").scenario.events
    monkeypatch.setenv(store.ENV_ACTIVE, "ev")
    after = load_scenario("russia-neighbourhood").scenario.events
    added = [(e.kind, e.target, e.year, e.institution) for e in after[len(before):]]
    assert added == [("use_of_force", "Armenia", 2016, None), ("exit", "Moldova", 2016, "CIS")]
    assert "a public report" in (after[len(before)].description or "")


def test_vdem_values_out_of_range(sets: dict[str, Path], tmp_path: Path) -> None:
    head, rows = _rows(sets["vdem"])
    rows[2][head.index("v2x_polyarchy")] = "1.7"
    err = _fails(sets, "vdem", _write(tmp_path / "v.csv", head, rows))
    assert err.problems[0].line == 4 and "outside 0-1" in err.problems[0].message


def test_vote_kind_given_by_the_user_makes_a_training_vote(sets: dict[str, Path],
                                                            tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    from multipolar.data.global_tables import load_world
    from multipolar.votes.records import russia_votes

    head, rows = _rows(sets["undl"])
    t = head.index("title")
    sym = rows[0][head.index("resolutions")]
    for r in rows:
        if r[head.index("resolutions")] == sym:
            r[t] = "A title that names no kind"
    path = _write(tmp_path / "v.csv", head, rows)
    plain = ops.import_file("unga-votes", path, "plain", base="c2018")
    kinded = ops.import_file("unga-votes", path, "kinded", base="c2018",
                             kinds={sym: "territorial_integrity"})
    monkeypatch.setenv(store.ENV_ACTIVE, plain.name)
    n_plain = len(russia_votes(load_world()))
    monkeypatch.setenv(store.ENV_ACTIVE, kinded.name)
    rv = russia_votes(load_world())
    assert len(rv) == n_plain + 1
    assert rv.loc[rv["unres"] == sym, "kind"].tolist() == ["territorial_integrity"]


def test_cli_import_error_exits_2_without_traceback(sets: dict[str, Path],
                                                    tmp_path: Path) -> None:
    path = _write(tmp_path / "v.csv", ["a", "b"], [["1", "2"]])
    res = runner.invoke(app, ["data", "import", "unga-votes", str(path), "--base", "c2018"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "missing column" in res.output


def test_adoptions_without_a_recorded_vote_are_no_roll_calls(sets: dict[str, Path],
                                                             tmp_path: Path) -> None:
    head, rows = _rows(sets["undl"])
    i_id, i_vote = head.index("undl_id"), head.index("ms_votes")
    extra = []
    for r in rows[:193]:
        r2 = list(r)
        r2[i_id], r2[i_vote] = "999999", ""
        extra.append(r2)
    path = _write(tmp_path / "v.csv", head, [*rows, *extra])
    ds = ops.import_file("unga-votes", path, "adopted", base="c2018")
    assert ds.manifest["import"]["summary"]["without_recorded_votes_skipped"] == 1
    rc = pd.read_parquet(ds.file("global/unga_rollcalls.parquet"))
    assert 999999 not in set(rc["rcid"])
    assert_same_file(ds.file("global/unga_votes.parquet"),
                     store.bundled_dir() / "global/unga_votes.parquet")
