"""Comparison of hypotheses and perspectives, reports, and the three CLI commands."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from multipolar.cli.main import app
from multipolar.core.errors import MultipolarError
from multipolar.explore.compare import CompareSpec, compare, paired_differences, resolve_names
from multipolar.explore.runner import write_summary
from multipolar.report import build_report


@pytest.fixture(scope="module")
def hyp(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    s = compare(CompareSpec(hypotheses=("strategic", "opportunist"), members=60, seed=3,
                            end=2025))
    d = tmp_path_factory.mktemp("hyp")
    write_summary(d, s)
    return s, d


def test_opportunist_hypothesis_stops_targeting_attraction(hyp: Any) -> None:
    s, _ = hyp
    strat = s["overlays"]["strategic"]["targeting"]
    opp = s["overlays"]["opportunist"]["targeting"]
    assert strat["correlation"] > 0.8
    assert abs(opp["correlation"]) < 0.2
    assert strat["correlation"] - opp["correlation"] > 5 * (strat["se"] + opp["se"])
    assert s["drivers"]["opportunist"][0]["path"] == "mechanisms.russia_policy.implementation"


def test_differences_are_paired_and_located(hyp: Any) -> None:
    s, _ = hyp
    d = s["differences"]["opportunist"]
    mean = np.asarray(d["alignment_mean"])
    assert mean.shape == (len(range(1992, 2026)), len(s["actors"]))
    for r in d["actors"]:
        assert r["lo"] <= r["difference"] <= r["hi"]
        assert abs(r["difference"]) >= s["min_effect"]
        assert r["lo"] > 0 or r["hi"] < 0


def test_paired_differences_of_identical_runs_are_zero() -> None:
    a = np.random.default_rng(1).normal(size=(30, 4, 3))
    d = paired_differences(a, a)
    assert np.all(d["mean"] == 0) and np.all(d["lo"] == 0) and np.all(d["hi"] == 0)


def test_perspective_drivers_rank_overrides() -> None:
    s = compare(CompareSpec(perspectives=("kremlin",), members=40, seed=2, end=2020))
    rows = s["drivers"]["kremlin"]
    assert {r["path"] for r in rows} == set(s["overlays"]["kremlin"]["overrides"])
    effects = [r["effect"] for r in rows]
    assert effects == sorted(effects, reverse=True)
    assert s["overlays"]["base"]["summary"]["members"] == 40


def test_resolve_names_errors() -> None:
    assert resolve_names("all", ["a", "b"], "perspective") == ("a", "b")
    with pytest.raises(MultipolarError, match="did you mean 'kremlin'"):
        resolve_names("kremlim", ["kremlin"], "perspective")


def _no_external(text: str) -> None:
    # nothing anywhere spells a URL; outside the inlined scripts no attribute points out
    assert "://" not in text
    markup = re.sub(r"<script>.*?</script>", "", text, flags=re.S)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:|//)", markup)
    # embedded PNGs are base64, where "http" can occur by chance: drop their payloads
    assert "http" not in re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", markup)
    assert "@import" not in text
    assert "<script src" not in text


def test_report_of_a_comparison(hyp: Any, tmp_path: Path) -> None:
    _, d = hyp
    w = build_report(d, html_out=tmp_path / "r.html", pdf_out=tmp_path / "r.pdf")
    text = (tmp_path / "r.html").read_text()
    for sec in ("overview", "fan-charts", "alignment-map", "memberships", "comparison",
                "evidence", "reproduction"):
        assert f'id="{sec}"' in text
    assert text.count("data:image/png;base64,") >= w["figures"]
    assert "Plotly" in text and "opportunist" in text and "seed" in text.lower()
    _no_external(text)
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"


def test_report_errors(tmp_path: Path) -> None:
    with pytest.raises(MultipolarError, match="no multipolar results"):
        build_report(tmp_path, html_out=tmp_path / "x.html")
    with pytest.raises(MultipolarError, match="nothing to write"):
        build_report(tmp_path)


def test_cli_explore_report_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "ex"
    r = runner.invoke(app, ["explore", "--design", "sobol", "--n", "8", "--end", "2025",
                            "-u", "attraction.effect,alignment.adjustment,russia_attraction",
                            "--outcome", "alignment[Belarus][2025]",
                            "--target", "alignment[Belarus][2025] < 0", "--out", str(out),
                            "--json", "--quiet"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert s["design"]["rows"] == 8 * 8
    assert s["observed_until"] == 2019  # where observation ends, as in every summary
    assert set(s["analyses"]["alignment[Belarus][2025]"]["sobol"]) >= {"S1", "ST", "S1_conf"}
    assert (out / "summary.json").is_file() and (out / "design.parquet").is_file()
    r = runner.invoke(app, ["report", str(out), "--html", str(tmp_path / "e.html"), "--json"])
    assert r.exit_code == 0, r.output
    text = (tmp_path / "e.html").read_text()
    for sec in ("sensitivity", "prim", "fan-charts", "evidence", "reproduction"):
        assert f'id="{sec}"' in text
    _no_external(text)
    bad = runner.invoke(app, ["explore", "--outcome", "alignment[Belarus][1800]", "--quiet"])
    assert bad.exit_code == 2
    assert "outside the simulated years" in bad.output and "Traceback" not in bad.output
    bad = runner.invoke(app, ["compare", "--hypotheses", "strategic"])
    assert bad.exit_code == 2 and "at least two" in bad.output
    bad = runner.invoke(app, ["report", str(tmp_path / "missing"), "--html", "x.html"])
    assert bad.exit_code == 2 and "no such run folder" in bad.output


def test_report_passages_from_a_corpus(hyp: Any, tmp_path: Path) -> None:
    from multipolar.scenario import load_scenario

    # a made-up corpus in which exactly one cited locator occurs
    sc = load_scenario("russia-neighbourhood").scenario
    cit = sc.citations["B1"]
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / cit.doc).write_text(f"Invented text before. {cit.locator}. After.")
    _, d = hyp
    build_report(d, html_out=tmp_path / "p.html", corpus=tmp_path / "corpus")
    text = (tmp_path / "p.html").read_text()
    assert "<blockquote>" in text and "Invented text before." in text


def test_cli_explore_explains_measures_and_warns_on_small_samples() -> None:
    r = CliRunner().invoke(app, ["explore", "--design", "sobol", "--n", "8", "--end", "2022",
                                 "-u", "attraction.effect,alignment.adjustment",
                                 "--outcome", "alignment[Belarus][2022]", "--quiet"])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "S1: first-order Sobol index" in text and "ST: total Sobol index" in text
    assert "rho: Spearman rank correlation" in text
    assert "warning: only 8 Sobol base samples" in text
