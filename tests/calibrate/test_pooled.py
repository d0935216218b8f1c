"""The pooled calibration (`multipolar calibrate russia-world --until Y`): honest and usable.

A fit through 2010 must not move when every datum after 2010 is altered or removed (the
scenario's series, the oil price, and the UN membership the actor set is read from); the same
alteration must move a fit through 2013 (so the check can fail). The file's transfer section
is what the neighbourhood takes from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from multipolar.calibrate.history import read_calibration_file
from multipolar.calibrate.pooled import TRANSFER, calibrate_pooled, check_until, pooled_yaml
from multipolar.cli.main import app
from multipolar.core.errors import InputError
from tests.honesty import scramble_after

SMALL: dict[str, Any] = {"members": 4, "maxiter": 24, "seed": 5}


def test_a_fit_through_2010_ignores_everything_after_2010(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    clean, _ = calibrate_pooled(until=2010, **SMALL)
    clean13, _ = calibrate_pooled(until=2013, **SMALL)
    scramble_after(monkeypatch, 2010)
    altered, model = calibrate_pooled(until=2010, **SMALL)
    altered13, _ = calibrate_pooled(until=2013, **SMALL)
    assert altered.values == clean.values and altered.mae == clean.mae
    assert int(model.years[-1]) == 2010 and len(model.actors) == 192  # the UN of 2010
    assert altered13.mae != clean13.mae  # the same alteration does reach a later fit


def test_the_fit_improves_on_its_start_and_says_what_the_neighbourhood_takes() -> None:
    result, model = calibrate_pooled(until=2008, members=4, maxiter=60, seed=5)
    assert result.mae < result.start_mae
    assert result.until == 2008 and int(model.neighbours.sum()) > 180
    doc = yaml.safe_load(pooled_yaml(result, model))
    assert set(doc["transfer"]) == {f"mechanisms.{k.split('.')[0]}.params.{k.split('.')[1]}"
                                    for k in TRANSFER}
    assert doc["calibration"]["states"] == int(model.neighbours.sum())
    for v in doc["overrides"].values():  # no member turns a mechanism round
        low = v["low"] if isinstance(v, dict) else v
        assert low >= -0.9  # alignment.base is the only one allowed below 0
    either = ("response_ties", "response_near")  # the answers to force may take either sign
    strengths = {k: v for k, v in doc["overrides"].items()
                 if not k.endswith(".base") and not k.endswith(either)}
    assert all((v["low"] if isinstance(v, dict) else v) > 0 for v in strengths.values())
    # the democracies' and allies' answers to force keep the seeds' sign
    for k in ("response_democracy", "response_alliance"):
        assert doc["overrides"][f"mechanisms.use_of_force.params.{k}"] >= 0.02
    # Russia's and the US's own positions: fitted on the record through 2008 (closed form)
    standing = doc["calibration"]["standing"]
    assert standing["force_years"] == [2008]
    for k in ("isolation", "russia_noise", "us_noise"):
        assert doc["overrides"][f"mechanisms.russia_standing.params.{k}"] == \
            pytest.approx(standing["values"][f"russia_standing.{k}"], abs=1e-6)
    assert "mechanisms.russia_standing.params.russia_drift" not in doc["overrides"]


@pytest.mark.parametrize("year", [2004, 2020])
def test_until_outside_the_data_is_a_located_error(year: int) -> None:
    with pytest.raises(InputError) as err:
        check_until(year)
    assert "--until" in err.value.render()


def test_cli_writes_a_file_the_neighbourhood_reads_only_the_transfer_of(tmp_path: Path) -> None:
    out = tmp_path / "pooled.yaml"
    res = CliRunner().invoke(app, ["calibrate", "russia-world", "--until", "2007", "--members",
                                   "4", "--maxiter", "12", "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    world = read_calibration_file(out, "russia-world")
    neighbourhood = read_calibration_file(out, "russia-neighbourhood")
    # China's cover is no pooled parameter (no passage carries it): 0 by default
    assert "mechanisms.china_backing.params.cover" not in world.overrides
    assert "mechanisms.interference_backlash.params.backlash" in world.overrides
    assert "mechanisms.use_of_force.params.response_near" in world.overrides
    assert set(neighbourhood.overrides) == set(yaml.safe_load(out.read_text())["transfer"])
    assert "mechanisms.alignment.params.base" not in neighbourhood.overrides
    # the anchored target's strength, fitted through 2007 on the world's states, is the
    # world's forecast setting and does not transfer
    fitted = yaml.safe_load(out.read_text())["forecast"]
    assert world.forecast["anchor"] == fitted["anchor"] == fitted["anchor_fit"]["anchor"]
    assert fitted["anchor_fit"]["until"] == 2007 and max(fitted["anchor_fit"]["origins"]) == 2006
    # the stacking weights for the world's forecast, fitted on out-of-sample training
    # forecasts (2005 and 2006, each with its own pooled fit: honest_stack_weights)
    assert set(world.forecast["stack_weights"]) == {1, 2, 3, 4, 5}
    assert all(0.0 <= w <= 1.0 for w in world.forecast["stack_weights"].values())
    assert neighbourhood.forecast == {}
    bad = CliRunner().invoke(app, ["calibrate", "russia-world", "--until", "2003",
                                   "--out", str(tmp_path / "x.yaml")])
    assert bad.exit_code == 2 and "2005" in bad.output


def test_the_neighbourhood_runs_with_the_transferred_parameters(tmp_path: Path) -> None:
    from multipolar.forecast.origin import load_for_origin
    from multipolar.model.api import compile_model

    result, model = calibrate_pooled(until=2009, members=4, maxiter=12, seed=5)
    path = tmp_path / "pooled.yaml"
    path.write_text(pooled_yaml(result, model), encoding="utf-8")
    cf = read_calibration_file(path, "russia-neighbourhood")
    nb = compile_model(load_for_origin("russia-neighbourhood", 2009, overrides=cf.overrides))
    assert np.isclose(nb.nominal("alignment.adjustment"), result.values["alignment.adjustment"],
                      atol=1e-5)


def test_a_fit_sees_only_the_uses_of_force_up_to_its_year() -> None:
    """The world's history of force (Georgia 2008, Ukraine 2014) is cut at ``--until``; an
    event the user gives (``--event``) stays."""
    from multipolar.forecast.origin import load_for_origin

    def force(until: int, events: list[str] | None = None) -> list[tuple[str, int]]:
        ld = load_for_origin("russia-world", until, events=events)
        return [(e.target, e.year) for e in ld.scenario.events if e.kind == "use_of_force"]

    assert force(2007) == []
    assert force(2010) == [("GEO", 2008)]
    assert force(2019) == [("GEO", 2008), ("UKR", 2014)]
    assert force(2010, ["use_of_force:UKR@2022"]) == [("GEO", 2008), ("UKR", 2022)]


def test_the_china_hypothesis_fits_the_cover_with_either_sign_open() -> None:
    from multipolar.calibrate.pooled import HYPOTHESIS_PARAMETERS, POOLED_PARAMETERS, pooled_free
    from multipolar.scenario import load_scenario

    assert HYPOTHESIS_PARAMETERS["china_votes_with_russia"] == ("china_backing.cover",)
    # every hypothesis a declaration names is one the world scenario offers
    assert set(HYPOTHESIS_PARAMETERS) <= set(load_scenario("russia-world").raw["hypotheses"])
    low, high = POOLED_PARAMETERS["china_backing.cover"]
    assert low < 0 < high  # the seeds' reading (0) and its opposite are both inside
    assert "china_backing.cover" not in pooled_free(None)
    assert "china_backing.cover" in pooled_free("china_votes_with_russia")
    result, _ = calibrate_pooled(until=2008, members=4, maxiter=12, seed=5,
                                 hypothesis="china_votes_with_russia")
    assert "china_backing.cover" in result.values
    plain, _ = calibrate_pooled(until=2008, members=4, maxiter=12, seed=5)
    assert "china_backing.cover" not in plain.values


def _redeclare(monkeypatch: pytest.MonkeyPatch, path: str, **changes: Any) -> None:
    """Change the declaration of ``path`` (``mechanism.param``) for one test."""
    import dataclasses

    from multipolar.model.mechanisms import MECHANISMS

    mech, _, name = path.partition(".")
    for (n, _impl), cls in MECHANISMS.classes.items():
        if n == mech:
            monkeypatch.setattr(cls, "params", tuple(
                dataclasses.replace(p, **changes) if p.name == name else p for p in cls.params))


def test_every_fitted_range_comes_from_its_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pooled fit searches exactly the parameters that declare a pooled range, over that
    range: change a declaration and the fit follows; nothing else holds a range."""
    from multipolar.calibrate.pooled import HYPOTHESIS_PARAMETERS, pooled_free
    from multipolar.core.errors import ScenarioError
    from multipolar.model.mechanisms import declared_params

    declared = declared_params()
    for hypothesis in (None, *HYPOTHESIS_PARAMETERS):
        free = pooled_free(hypothesis)
        assert free == {k: declared[k].search["pooled"] for k in free}
        assert set(free) == {k for k, p in declared.items() if "pooled" in p.search
                             and p.hypothesis in (None, hypothesis)}
    # a narrower declared range binds the fit (the fitted value inside it, here at its end),
    # and a parameter that declares a pooled range joins the fit
    _redeclare(monkeypatch, "alignment.adjustment", search={"pooled": (0.5, 0.52)})
    _redeclare(monkeypatch, "interference_backlash.capacity_cap", search={"pooled": (1.0, 3.0)})
    result, _ = calibrate_pooled(until=2006, members=4, maxiter=16, seed=5)
    assert 0.5 <= result.values["alignment.adjustment"] <= 0.52
    assert result.start_values["alignment.adjustment"] == 0.5  # the default 0.215, clipped
    assert "interference_backlash.capacity_cap" in result.values
    # names without a declared pooled range are refused, naming the parameter
    with pytest.raises(ScenarioError) as err:
        calibrate_pooled(until=2006, members=4, maxiter=4, seed=5,
                         free=("alignment.base", "sphere.decay"))
    assert "sphere.decay" in err.value.render()


def test_the_identification_report_tells_flat_from_identified_and_names_the_bound(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Through 2007 the world has seen no use of force, so the four answers to one do not
    enter the objective: their profiles are flat (not identified). The adjustment rate
    shapes every state's path: identified. A range that excludes the data's value leaves the
    fit at its end: decided by the bound."""
    from multipolar.calibrate.identify import IDENTIFIED, NOT_IDENTIFIED
    from multipolar.calibrate.pooled import identify_pooled

    result, model = calibrate_pooled(until=2007, members=4, maxiter=40, seed=5)
    ident = identify_pooled(result, model, points=5)
    assert ident.optimum == pytest.approx(result.mae)
    for k in ("response_democracy", "response_alliance", "response_ties", "response_near"):
        p = ident.parameters[f"use_of_force.{k}"]
        assert p.status == NOT_IDENTIFIED and p.plausible is None
        assert max(p.objective) == min(p.objective)  # exactly flat: it does not enter
    adj = ident.parameters["alignment.adjustment"]
    assert adj.status == IDENTIFIED and adj.plausible is not None
    assert adj.plausible[1] - adj.plausible[0] < 0.5 * (adj.high - adj.low)
    assert max(adj.objective) - ident.optimum > 10 * ident.tolerance
    # every pooled parameter; the closed-form standing fit reports its own standard errors
    assert set(ident.parameters) == {k for k in result.values
                                     if not k.startswith("russia_standing.")}
    # the file carries it
    doc = yaml.safe_load(pooled_yaml(result, model, ident))
    assert doc["identification"]["parameters"]["use_of_force.response_near"]["status"] == \
        NOT_IDENTIFIED
    # the bound decides: the adjustment rate held below where the data put it
    assert adj.plausible[0] > 0.03
    _redeclare(monkeypatch, "alignment.adjustment", search={"pooled": (0.01, 0.02)})
    bound, model = calibrate_pooled(until=2007, members=4, maxiter=40, seed=5)
    assert identify_pooled(bound, model, points=3).parameters[
        "alignment.adjustment"].at_bound == "upper"


def test_cli_prints_the_identification_table_and_its_json(tmp_path: Path) -> None:
    import json

    args = ["calibrate", "russia-world", "--until", "2007", "--members", "4", "--maxiter",
            "12", "--profile-points", "3"]
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    ident = json.loads(res.output)["identification"]
    assert ident["method"] == "fixed"
    assert set(ident["parameters"]) == {k for k in json.loads(res.output)["values"]
                                        if not k.startswith("russia_standing.")}
    near = ident["parameters"]["use_of_force.response_near"]
    assert near["status"] == "not identified" and len(near["profile"]) >= 3
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "identification" in table.output and "no (flat)" in table.output
    off = CliRunner().invoke(app, [*args, "--json", "--profile", "off"])
    assert json.loads(off.output)["identification"] is None
    bad = CliRunner().invoke(app, [*args, "--profile", "bayes"])
    assert bad.exit_code == 2 and "--profile" in bad.output
    nb = CliRunner().invoke(app, ["calibrate", "--profile", "fixed", "--maxiter", "1"])
    assert nb.exit_code == 2 and "world" in nb.output
