"""Event-conditional forecasts: parsing, targets, and what a use of force does."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from multipolar.cli.main import app
from multipolar.core.errors import InputError
from multipolar.forecast.conditional import Event, event_sets, parse_event, resolve_target
from multipolar.forecast.origin import ForecastSettings, load_for_origin, load_panel
from multipolar.forecast.pipeline import forecast_ensemble

runner = CliRunner()


def test_parse_event_and_its_errors(monkeypatch):
    import multipolar.forecast.conditional as cond

    assert parse_event("use_of_force:UKR@2022") == Event("use_of_force", "UKR", 2022)
    assert parse_event(" use_of_force : GEO @ 2008 ").text() == "use_of_force:GEO@2008"
    if cond.events_supported():  # the scenario language checks the kinds
        assert parse_event("accession:ARM/EAEU@2015").text() == "accession:ARM/EAEU@2015"
    else:
        with pytest.raises(InputError, match="unknown event kind"):
            parse_event("accession:ARM/EAEU@2015")
    with pytest.raises(InputError, match="KIND:TARGET@YEAR"):
        parse_event("use_of_force UKR 2022")
    # without dated events in the scenario language only use_of_force is understood
    monkeypatch.setattr(cond, "events_supported", lambda: False)
    with pytest.raises(InputError, match="unknown event kind"):
        parse_event("invasion:UKR@2022")


def test_targets_resolve_by_iso3_or_id():
    loaded = load_for_origin("russia-neighbourhood", 2007)
    assert resolve_target(loaded, parse_event("use_of_force:geo@2008")) == "Georgia"
    assert resolve_target(loaded, parse_event("use_of_force:Ukraine@2014")) == "Ukraine"
    with pytest.raises(InputError, match="not an actor") as err:
        resolve_target(loaded, parse_event("use_of_force:FRA@2014"))
    assert "UKR" in str(err.value)


def test_events_before_the_origin_change_nothing_and_later_ones_are_dated():
    war = [parse_event("use_of_force:GEO@2008"), parse_event("use_of_force:UKR@2014")]
    assert event_sets(war, 2014) == {}
    assert event_sets(war, 2007) == {"levers.russia_assertion": 1.0}
    assert event_sets(war, 2007, dated=True) == {"levers.russia_assertion@2008": 1.0}
    assert event_sets(war, 2010, dated=True) == {"levers.russia_assertion@2014": 1.0}


def _diff(event: str) -> dict[str, float]:
    panel = load_panel().truncated(2007)
    kw = {"overrides": None, "settings": ForecastSettings(), "seed": 3, "members": 200,
          "assimilation": False}
    base, _, _ = forecast_ensemble("russia-neighbourhood", panel, 2007, 2012, **kw)
    war, _, info = forecast_ensemble("russia-neighbourhood", panel, 2007, 2012,
                                     events=[parse_event(event)], **kw)
    assert info.events == [event]
    d = np.median(war.alignment, axis=0)[-1] - np.median(base.alignment, axis=0)[-1]
    return dict(zip(base.actors, d, strict=True))


def test_use_of_force_reaches_the_forecast():
    import multipolar.forecast.conditional as cond

    diff = _diff("use_of_force:GEO@2008")
    if cond.events_honoured():  # the engine acts on it: the target turns away from Russia
        assert diff["Georgia"] > 0.05
        assert diff["Georgia"] > max(abs(v) for k, v in diff.items() if k != "Georgia")
        # the others answer (use_of_force's fitted answers): the states near Russia outside
        # Russia's arms and trade (the Baltic states, in the West's formats) turn away too
        assert min(diff[b] for b in ("Estonia", "Latvia", "Lithuania")) > 0.0
    else:
        assert max(abs(v) for v in diff.values()) > 0.01


def test_the_stand_in_lever_drives_democracies_and_autocracies_away(monkeypatch):
    """Pressure pushes every neighbour away, kindred autocracies included (D1_bully, 000)."""
    import multipolar.forecast.conditional as cond

    monkeypatch.setattr(cond, "events_honoured", lambda: False)
    diff = _diff("use_of_force:GEO@2008")
    for west in ("Estonia", "Latvia", "Lithuania", "Ukraine", "Georgia"):
        assert diff[west] > 0.01, west
    for autocracy in ("Azerbaijan", "Tajikistan", "Turkmenistan"):
        assert diff[autocracy] > 0, autocracy


def test_forecast_cli_takes_events_and_rejects_bad_ones():
    res = runner.invoke(app, ["forecast", "--from", "2014", "--to", "2015", "--members", "20",
                              "--event", "use_of_force:UKR@2014", "--json"])
    assert res.exit_code == 0, res.output
    assert '"use_of_force:UKR@2014"' in res.stdout
    for bad, needle in (("use_of_force:XXX@2014", "XXX"), ("war@2014", "KIND")):
        res = runner.invoke(app, ["forecast", "--members", "5", "--event", bad])
        assert res.exit_code == 2 and needle in res.output and "Traceback" not in res.output
