"""``multipolar calibrate``, ``multipolar forecast`` and ``multipolar backtest``.

* ``calibrate`` fits the model's free parameters to a panel's years up to ``--until`` (by
  default on its own forecasts from origins inside those years) and writes a calibration file.
* ``forecast`` applies a calibration file and prints per-country, per-year forecasts of UN
  voting alignment and membership probabilities (table or ``--json``).
* ``backtest`` calibrates on years up to ``--train-until``, forecasts to ``--test-until`` and
  scores the model and the baselines against the panel (table, ``--json``, ``--png``).

Depends on Typer/Rich, :mod:`multipolar.calibrate.history`, :mod:`multipolar.forecast.origin` and
:mod:`multipolar.backtest`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from multipolar.cli import membership_view, world_view
from multipolar.cli.common import (
    console,
    interruptible,
    out,
    prepare_out,
    print_json,
    refuse_to_replace,
    user_errors,
    write_atomic,
    writing,
)
from multipolar.cli.identify_view import identification_note, identification_table
from multipolar.cli.options import (
    Anchor,
    Events,
    Executor,
    Force,
    Hypothesis,
    Json,
    Members,
    MembersOrDefault,
    Out,
    Perspective,
    Quiet,
    Scenario,
    Scheduler,
    Seed,
    Sets,
    Workers,
)
from multipolar.cli.progress import Bar
from multipolar.core.errors import InputError
from multipolar.core.specs import (
    BACKTEST_MEMBERS,
    CALIBRATION_MEMBERS,
    CALIBRATION_SEED,
    DEFAULT_SCENARIO,
    FORECAST_TO,
    MAXITER,
    PROFILE_POINTS,
    RUN_MEMBERS,
    RUN_SEED,
    BacktestSpec,
    CalibrationSpec,
    ForecastSpec,
)
from multipolar.core.textformat import band, provenance


def _evaluator(executor: str, workers: int | None, scheduler: str | None) -> Any:
    """The evaluator the options name (a clean error for a bad name or worker count)."""
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.ensemble import evaluator_from_name

    return evaluator_from_name(executor, workers=workers, scheduler=scheduler)


def calibrate(
    scenario: Scenario = DEFAULT_SCENARIO,
    panel: Path = typer.Option(None, "--panel", help="Panel CSV (default: the bundled one)."),
    until: int = typer.Option(None, "--until",
                              help="Last year of data the fit may use (default: the panel's "
                                   "last year, 2019 for the bundled data)."),
    out_file: Out = None,
    members: Members = CALIBRATION_MEMBERS,
    seed: Seed = CALIBRATION_SEED,
    maxiter: int = typer.Option(MAXITER, "--maxiter", help="Most objective evaluations."),
    objective: str = typer.Option("forecast", "--objective",
                                  help="forecast (rolling origins), history (1992 on) or "
                                       "memberships (the accession and exit hazards, by "
                                       "maximum likelihood on the record)."),
    perspective: Perspective = None,
    hypothesis: Hypothesis = None,
    set_: Sets = None,
    starts: int = typer.Option(1, "--starts",
                               help="Searches from this many starting points (parallel "
                                    "restarts on --executor; forecast, history and world "
                                    "fits)."),
    executor: Executor = "local",
    workers: Workers = None,
    scheduler: Scheduler = None,
    profile: str = typer.Option(None, "--profile",
                                help="World fits: how well each parameter is identified, "
                                     "from the objective along it: fixed (the others at "
                                     "their fit; the default), refit (the others searched "
                                     "again at every point, about 60 times the cost) or off."),
    profile_points: int = typer.Option(PROFILE_POINTS, "--profile-points",
                                       help="Points across each parameter's range for "
                                            "--profile."),
    json_: Json = False,
    quiet: Quiet = False,
    force: Force = False,
) -> None:
    """Fit the model's free parameters to the panel and write a calibration file.

    A world scenario (one with actor_sets, e.g. russia-world) gets the pooled fit: the
    parameters shared across states, fitted on every state's UN voting alignment up to
    --until (2005-2019), with a transfer section other scenarios take (see
    multipolar.calibrate.pooled), and a report of how well the data identify each parameter
    (--profile; multipolar.calibrate.identify).
    """
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.calibrate.history import calibrate as calib_history

    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.calibrate.history import calibrate_forecast

    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.forecast.origin import load_for_origin, load_panel

    kept = f"{out_file} was not written" if out_file else "nothing was written"
    if out_file is not None and out_file.exists():
        kept = f"{out_file} is unchanged"
    with user_errors(set_), interruptible("the calibration", kept):
        ev = _evaluator(executor, workers, scheduler)
        if starts < 1:
            raise InputError(f"--starts {starts} is below 1", field="--starts",
                             fix="pass --starts 1 (one search) or more (parallel restarts)")
        prepare_out(out_file, is_file=True)
        if out_file is not None:
            refuse_to_replace([out_file], out_file.parent, force, quiet or json_)
        if _is_world(scenario):
            _calibrate_pooled(scenario, until, out_file, members, seed, maxiter, perspective,
                              hypothesis, set_, json_, quiet, starts=starts, evaluator=ev,
                              profile=profile or "fixed", points=profile_points)
            return
        if profile is not None:
            raise InputError("--profile reports the world's pooled fit", field="--profile",
                             fix="use it with a world scenario (russia-world), or leave it out")
        if objective not in ("forecast", "history", "memberships"):
            raise InputError(f"unknown objective '{objective}'", field="--objective",
                             fix="choose forecast, history or memberships")
        if starts != 1 and objective == "memberships":
            raise InputError("--starts applies to the forecast, history and world fits, not "
                             "the memberships objective", field="--starts",
                             fix="add --objective forecast or history, or drop --starts")
        if objective == "memberships":
            _calibrate_memberships(scenario, until, set_, perspective, hypothesis, out_file,
                                   json_)
            return
        if members < 1 or maxiter < 1:
            raise InputError("--members and --maxiter must be at least 1", field="--members",
                             fix="pass e.g. --members 64 --maxiter 300")
        pnl = load_panel(panel)
        if until is None:
            until = pnl.last_year()
        with Bar(not quiet and not json_, transient=True) as bar:
            progress = bar.evaluations("calibrating", maxiter * starts)
            if objective == "forecast":
                spec = CalibrationSpec(scenario, until=until, members=members, seed=seed,
                                       maxiter=maxiter, sets=set_, perspective=perspective,
                                       hypothesis=hypothesis, anchor=None)
                with ev:  # one Dask client (or cluster) for the origins and the searches
                    result, model = calibrate_forecast(spec, pnl, progress=progress,
                                                       starts=starts, evaluator=ev)
            else:
                loaded = load_for_origin(scenario, until, sets=set_, perspective=perspective,
                                         hypothesis=hypothesis)
                result, model = calib_history(loaded, until=until, panel=pnl.path,
                                              members=members, seed=seed, maxiter=maxiter,
                                              restarts=0, progress=progress, starts=starts,
                                              evaluator=ev)
        text = result.to_yaml(model)
        _write(text, out_file)
        if json_:
            print_json({"values": result.values, "mae": result.mae,
                        "start_mae": result.start_mae, "mae_by_actor": result.mae_by_actor,
                        "forecast": result.forecast, "evaluations": result.evaluations,
                        "seed": seed, "members": members, "until": until})
            return
        t = Table(title=f"fit per actor ({result.objective} objective, until {until}): "
                        f"MAE {result.start_mae:.4f} -> {result.mae:.4f}")
        t.add_column("actor")
        t.add_column("MAE before", justify="right")
        t.add_column("MAE after", justify="right")
        for a, v in sorted(result.mae_by_actor.items()):
            t.add_row(a, f"{result.start_mae_by_actor.get(a, float('nan')):.4f}", f"{v:.4f}")
        out.print(t)
        _say_written(result, text, out_file, quiet)


def _write(text: str, out_file: Path | None) -> None:
    """Write the calibration file to ``out_file`` (if given), announcing a replaced one."""
    if out_file is None:
        return
    with writing("the calibration file", out_file, fix="choose a writable path",
                 error=InputError):
        write_atomic(out_file, text)


def _say_written(result: Any, text: str, out_file: Path | None, quiet: bool) -> None:
    """The calibration file's text when there is no --out, else where it went (and its cost)."""
    if out_file is None:
        out.print(text)
    elif not quiet:
        console.print(f"{result.evaluations} evaluations in {result.seconds:.1f} s; "
                      f"calibration written to {out_file}")


def _scenario_name(scenario: str) -> str:
    """The ``name`` of a scenario (bundled name or file)."""
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import load_scenario

    return load_scenario(scenario).scenario.name


def _is_world(scenario: str) -> bool:
    """Whether the scenario generates its actors from a table (the world model)."""
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import load_scenario

    return bool(load_scenario(scenario).raw.get("actor_sets"))


def _calibrate_pooled(scenario: str, until: int | None, out_file: Path | None, members: int,
                      seed: int, maxiter: int, perspective: str | None,
                      hypothesis: str | None, sets: list[str] | None, json_: bool,
                      quiet: bool, *, starts: int = 1, evaluator: Any = None,
                      profile: str = "fixed", points: int = PROFILE_POINTS) -> None:
    """``multipolar calibrate`` for a world scenario: the pooled fit (calibrate.pooled)."""
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.calibrate.identify import METHODS as PROFILE_METHODS
    from multipolar.calibrate.identify import NOISE_DRAWS, REFIT_MAXITER
    from multipolar.calibrate.pooled import (
        calibrate_pooled,
        identify_pooled,
        last_until,
        pooled_yaml,
    )

    if members < 1 or maxiter < 1:
        raise InputError("--members and --maxiter must be at least 1", field="--members",
                         fix="pass e.g. --members 16 --maxiter 300")
    if profile not in (*PROFILE_METHODS, "off"):
        raise InputError(f"unknown --profile '{profile}'", field="--profile",
                         fix="choose fixed, refit or off")
    if points < 2:
        raise InputError(f"--profile-points {points} is below 2", field="--profile-points",
                         fix="pass 2 or more (both ends of each range are points)")
    until = last_until() if until is None else until
    with Bar(not quiet and not json_, transient=True) as bar:
        result, model = calibrate_pooled(
            scenario, until=until, members=members, seed=seed, maxiter=maxiter, sets=sets,
            perspective=perspective, hypothesis=hypothesis,
            progress=bar.evaluations("calibrating", maxiter * starts), starts=starts,
            evaluator=evaluator)
    ident = None
    if profile != "off":
        per_point = REFIT_MAXITER + 1 if profile == "refit" else 1
        total = NOISE_DRAWS + 1 + len(result.values) * points * per_point
        with Bar(not quiet and not json_, transient=True) as bar:
            step = bar.evaluations(f"profiles ({profile})", total)
            ident = identify_pooled(result, model, method=profile, points=points,
                                    progress=lambda n: step(n, result.mae))
    text = pooled_yaml(result, model, ident)
    # the anchored target's strength, fitted on the forecasts of the origins before --until
    # with the pooled values just fitted (calibrate.anchor), for `forecast --calibration`
    from multipolar.calibrate.anchor import with_anchor

    text, anchor = with_anchor(text, scenario, until, seed=seed, sets=sets,
                               perspective=perspective, hypothesis=hypothesis)
    _write(text, out_file)
    if json_:
        print_json({"values": result.values, "mae": result.mae, "start_mae": result.start_mae,
                    "states": int(model.neighbours.sum()), "evaluations": result.evaluations,
                    "seconds": result.seconds, "seed": seed, "members": members,
                    "until": until, "anchor": anchor.to_dict(),
                    "identification": None if ident is None else ident.to_dict()})
        return
    t = Table(title=f"pooled fit on {int(model.neighbours.sum())} states' UN voting alignment "
                    f"through {until}: MAE {result.start_mae:.4f} -> {result.mae:.4f}")
    t.add_column("parameter")
    t.add_column("start", justify="right")
    t.add_column("fitted", justify="right")
    for k, v in result.values.items():
        t.add_row(k, f"{result.start_values[k]:.3f}", f"{v:.3f}")
    out.print(t)
    if ident is not None:
        out.print(identification_table(ident))
        out.print(identification_note(ident))
    if not quiet:
        out.print(f"anchored target: strength {anchor.value:g} (forecast MAE "
                  + ", ".join(f"{k:g}: {v:.4f}" for k, v in anchor.mae.items())
                  + f"; persistence {anchor.persistence:.4f}; origins "
                  f"{anchor.origins[0]}-{anchor.origins[-1]})")
    _say_written(result, text, out_file, quiet)


def _calibrate_memberships(scenario: str, until: int | None, sets: list[str] | None,
                           perspective: str | None, hypothesis: str | None,
                           out_file: Path | None, json_: bool) -> None:
    """``calibrate --objective memberships``: fit the membership hazards and show the fit."""
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.calibrate.memberships import brier, fit, summary, to_yaml

    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.model.compile import compile_model

    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import load_scenario

    model = compile_model(load_scenario(scenario, sets=sets, perspective=perspective,
                                        hypothesis=hypothesis))
    result = fit(model, until)
    scores = {"fit_until": result.until - 7, **brier(model, result.until - 7)}
    text = to_yaml(result, str(model.name), scores)
    _write(text, out_file)
    if json_:
        print_json({**summary(result), "brier_holdout": scores})
        return
    t = Table(title=f"membership hazards to {result.until} (log-lik {result.loglik:.2f})")
    for col in ("coefficient", "estimate", "s.e."):
        t.add_column(col, justify="left" if col == "coefficient" else "right")
    for k, v in result.values.items():
        t.add_row(k, f"{v:.3f}", f"{result.se[k]:.3f}")
    out.print(t)
    for k, (n, e) in result.counts.items():
        out.print(f"{k}: {n} country-years at risk, {e} events")
    for k, b in scores.items():
        if isinstance(b, dict):
            out.print(f"held-out {k} after {scores['fit_until']}: Brier {b['brier']:.4f} "
                      f"(base rate {b['base_rate_brier']:.4f})")
    if out_file is None:
        out.print(text)


def forecast(
    scenario: Scenario = DEFAULT_SCENARIO,
    calibration: Path = typer.Option(None, "--calibration", "-c",
                                     help="Calibration file from `multipolar calibrate`."),
    from_: int | None = typer.Option(None, "--from", help="First forecast year (origin = "
                                                          "FROM-1; default: the year after the "
                                                          "data's last, 2020 for the bundled "
                                                          "data)."),
    to: int = typer.Option(FORECAST_TO, "--to", help="Last forecast year."),
    members: Members = RUN_MEMBERS,
    seed: Seed = RUN_SEED,
    panel: Path = typer.Option(None, "--panel", help="Panel CSV for the origin state."),
    exogenous: str = typer.Option(None, "--exogenous",
                                  help="known (use driver data after the origin) or blind."),
    perspective: Perspective = None,
    hypothesis: Hypothesis = None,
    set_: Sets = None,
    event: Events = None,
    raw: bool = typer.Option(False, "--raw", help="The model alone (no stacking with "
                                                  "persistence)."),
    anchor: Anchor = None,
    bundled: bool = typer.Option(True, "--bundled/--no-bundled",
                                 help="Without --calibration, use the calibration the scenario "
                                      "ships (fitted through 2019) when the forecast starts "
                                      "after its fit ends; --no-bundled: the declared values."),
    assimilate: bool = typer.Option(True, "--assimilate/--no-assimilate",
                                    help="Resample members on the years before the origin."),
    map_: Path = typer.Option(None, "--map",
                              help="Write a world map (PNG) of the observed alignment at the "
                                   "origin and the forecast median of the last year (a world "
                                   "scenario, e.g. russia-world)."),
    json_: Json = False,
) -> None:
    """Forecast UN voting alignment and memberships per country and year.

    Every simulated state starts from its observed alignment at the origin (FROM-1). A world
    scenario (russia-world) forecasts every UN member from the bundled global table and
    prints a table by group; its JSON has one record per state (country = ISO3 code).
    """
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.calibrate.bundled import choose as bundled_choice
    from multipolar.calibrate.history import read_calibration_file

    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.forecast.conditional import parse_event

    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.forecast.origin import (
        ForecastSettings,
        forecast_records,
        panel_for,
        pole_records,
        starting_state,
    )

    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.forecast.pipeline import forecast_ensemble

    given = calibration is not None
    with user_errors(set_), interruptible("the forecast"):
        if from_ is not None and to < from_:
            raise InputError(f"--to {to} is before --from {from_}", field="--to",
                             fix="choose --to at or after --from")
        if members < 1:
            raise InputError("--members must be at least 1", field="--members",
                             fix="pass e.g. --members 2000")
        if anchor is not None:  # this forecast's own strength, over any calibration's
            from multipolar.model.anchor import check_anchor

            anchor = check_anchor(anchor)
        pnl = panel_for(scenario, panel)
        world = _is_world(scenario)
        if map_ is not None and not world:
            raise InputError("--map draws a world scenario's states (ISO3 actor ids)",
                             field="--map", fix="use it with russia-world, or leave it out")
        if from_ is None:  # the year after the data's last (the active data set, --data)
            from_ = min(pnl.last_year(), _observed_until(scenario, perspective, hypothesis)) + 1
            if to < from_:
                raise InputError(f"--to {to} is before the first forecast year {from_}",
                                 field="--to", fix=f"choose --to {from_} or later")
        # the origin is the last year with data: FROM-1, or earlier if the data end earlier
        origin = min(from_ - 1, pnl.last_year())
        if origin < min(y for s in pnl.alignment.values() for y in s):
            raise InputError(f"the panel has no data at or before the origin {origin}",
                             file=pnl.path, field="--from", fix="forecast from a later year")
        events = [parse_event(e) for e in event or []]
        origin = min(origin, _observed_until(scenario, perspective, hypothesis))
        bundled_note = None
        if calibration is None and bundled:  # the scenario's own fit, if it ends by the origin
            choice = bundled_choice(_scenario_path(scenario), origin)
            calibration = choice.path
            bundled_note = choice.note if choice.path or choice.until else None
        bundled_used = not given and calibration is not None
        overrides: dict[str, Any] = {}
        fc: dict[str, Any] = {}
        if calibration is not None:
            cf = read_calibration_file(calibration, _scenario_name(scenario))
            overrides, fc = cf.overrides, cf.forecast
        settings = ForecastSettings.from_dict(fc, str(calibration) if calibration else None)
        settings = ForecastSettings(settings.alpha,
                                    settings.anchor if anchor is None else anchor,
                                    settings.spread, exogenous or "known")
        weights = {int(h): float(w) for h, w in (fc.get("stack_weights") or {}).items()}
        source: dict[str, Any] | None = None
        if weights and world:
            source = {"fitted_on": f"the anchor fit's training forecasts in {calibration}"}
        elif world and not raw:
            # the world's weights are fitted here, on the training forecasts of the ten
            # origins before the origin (years up to the origin only)
            weights, source = _world_stack_weights(scenario, pnl, origin, overrides, settings,
                                                   seed, set_, perspective, hypothesis,
                                                   assimilate)
        raw = raw or not weights  # no fitted weights (no calibration file): the model alone
        _check_covered(scenario, pnl, origin, set_, perspective, hypothesis)
        if map_ is not None:
            prepare_out(map_, is_file=True)
        spec = ForecastSpec(scenario, origin, to, seed=seed, members=members, sets=set_,
                            perspective=perspective, hypothesis=hypothesis, events=events,
                            assimilation=assimilate)
        ens, _, info = forecast_ensemble(spec, pnl.truncated(origin), overrides=overrides,
                                         settings=settings,
                                         stack_weights=None if raw else weights)
        countries = [a for a in ens.actors if a in pnl.alignment]
        records = forecast_records(ens, from_, countries)
        poles = pole_records(ens, from_)
        start = starting_state(from_, origin)
        how = method_note(raw, calibration, bool(weights), bundled_note, source)
        if info.event_spread:  # the stacked interval's widening for dated events
            how = f"{how}\ninterval: {info.event_spread['method']}"
        groups = world_view.groups_of(scenario) if world else {}
        if map_ is not None:
            with writing("the map", map_, fix="choose a writable path for --map"):
                world_view.forecast_map(records, pnl, origin, to, map_, members, seed)
        if json_:
            print_json({"scenario": scenario, "origin": origin,
                        "observed_until": origin, "starting_state": start, "members": members,
                        "seed": seed, "settings": settings.to_dict(),
                        "calibration": str(calibration) if calibration else None,
                        "calibration_source": _calibration_source(given, bundled_used),
                        "method": "model" if raw else "stacked", "method_note": how,
                        **info.to_dict(),
                        **({} if raw or source is None else
                           {"stack_source": {**source, **(info.stack_source or {})}}),
                        **({"groups": {a: groups.get(a, "") for a in countries}}
                           if world else {}),
                        "memberships_at_origin": origin_memberships(ens, countries),
                        "data_scale": ens.data_scale(), "poles": poles,
                        "forecasts": records})
            return
        caption = provenance(perspective, hypothesis, set_, event, origin,
                             anchor=settings.anchor)
        note = f"{start['note']}\n{how}" if start.get("note") else how
        if world:
            out.print(world_view.forecast_group_table(records, pnl, groups, from_, to, origin,
                                                      members, seed, f"{note}\n{caption}"))
            near, far = world_view.forecast_extremes(records, to)
            out.print(f"closest to Russia in {to}: {', '.join(near)}")
            out.print(f"closest to the US in {to}: {', '.join(far)}")
            if ens.data_scale():
                out.print(pole_line(poles, from_, to))
            if map_ is not None:
                console.print(f"map written to {map_}")
            return
        out.print(forecast_table(records, countries, from_, to, origin, members, seed,
                                 caption, note))
        at_origin = origin_memberships(ens, countries)
        last = {r["country"]: r["memberships"] for r in records if r["year"] == to}
        members_t = membership_view.membership_table(
            ((c, {inst: (at_origin[c].get(inst), p) for inst, p in last[c].items()})
             for c in countries), origin, to)
        if members_t is not None:
            out.print(members_t)
        if ens.data_scale():
            out.print(pole_line(poles, from_, to))


def pole_line(poles: dict[str, dict[str, dict[str, float]]], from_: int, to: int) -> str:
    """Russia's and the US's ideal points (the data's scale) in the first and last years."""
    years = sorted({from_, to})
    cells = "; ".join(f"{y}: Russia {band(poles['russia'].get(str(y)))}, the US "
                      f"{band(poles['us'].get(str(y)))}" for y in years)
    return f"standing on the data's scale (UN ideal points, median [90%]): {cells}"


def _world_stack_weights(scenario: str, pnl: Any, origin: int, overrides: dict[str, Any],
                         settings: Any, seed: int, sets: list[str] | None,
                         perspective: str | None, hypothesis: str | None,
                         assimilation: bool = True
                         ) -> tuple[dict[int, float], dict[str, Any] | None]:
    """Stacking weights of a world forecast from ``origin``, fitted on the anchor's forecasts.

    The training forecasts of :func:`multipolar.calibrate.anchor.fit_anchor` at the forecast's
    anchor strength and with its assimilation, from the origins before ``origin`` that a
    pooled fit may end in (:func:`multipolar.calibrate.origins.stack_origins`), each with its own
    pooled calibration through its origin (the back-test's size): out-of-sample forecasts,
    as the back-test fits its weights. ``overrides`` (fitted on the years those forecasts are
    scored on) would make the model look better than it forecasts. No weights (the model
    alone) where no training origin precedes it.
    """
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.calibrate.anchor import honest_stack_weights

    try:
        weights, fitted = honest_stack_weights(scenario, pnl, origin, settings.anchor, seed=seed,
                                               sets=sets, perspective=perspective,
                                               hypothesis=hypothesis, assimilation=assimilation)
    except InputError:
        return {}, None
    if fitted is None:
        return {}, None
    return weights, {"fitted_on": f"the forecasts of the origins {fitted.origins[0]}-"
                                  f"{fitted.origins[-1]}, each calibrated on the years up to "
                                  f"its origin, scored on years up to {origin}",
                     "anchor": settings.anchor,
                     "state_years": fitted.n}


def method_note(raw: bool, calibration: Path | None, has_weights: bool,
                bundled_note: str | None = None,
                stack_source: dict[str, Any] | None = None) -> str:
    """The line that says which forecast this is: the model alone or the combined one."""
    if not raw and stack_source is not None:
        return (f"method: combined (the model stacked with persistence, weights fitted on "
                f"{stack_source['fitted_on']}; --raw: the model alone)")
    source = bundled_note if bundled_note is not None and calibration is not None \
        else str(calibration)
    if not raw:
        return f"method: combined (the model stacked with persistence, weights from {source})"
    if calibration is None:
        # lazy: keeps start-up fast (loads the model)
        from multipolar.model.anchor import ANCHOR

        why = f"{bundled_note}; " if bundled_note else "no --calibration: "
        return (f"method: the model alone ({why}the declared target anchor "
                f"{ANCHOR.default:g}, no fitted spread or stacking weights; the combined "
                f"forecast needs a calibration file from `multipolar calibrate`)")
    if not has_weights:
        return (f"method: the model alone ({source} has no stacking weights; "
                "recalibrate to combine it with persistence)")
    return "method: the model alone (--raw)"


def _calibration_source(given: bool, bundled_used: bool) -> str:
    """Where the forecast's calibration came from, for the JSON."""
    return "--calibration" if given else "bundled" if bundled_used else "declared values"


def _scenario_path(scenario: str) -> Path:
    """The scenario file a bundled name or path resolves to."""
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import load_scenario

    return load_scenario(scenario).path


def origin_memberships(ens: Any, countries: list[str]) -> dict[str, dict[str, bool]]:
    """Per country, whether it is a member of each forecast institution at the origin."""
    from multipolar.forecast import FORECAST_INSTITUTIONS

    years = [int(y) for y in ens.years]
    if ens.origin not in years:
        return {c: {} for c in countries}
    prob = ens.membership_prob()[years.index(ens.origin)]
    return {c: {inst: bool(prob[ens.actors.index(c), ens.institutions.index(inst)] >= 0.5)
                for inst in FORECAST_INSTITUTIONS if inst in ens.institutions}
            for c in countries}


def forecast_table(records: list[dict[str, Any]], countries: list[str], from_: int, to: int,
                   origin: int, members: int, seed: int, caption: str,
                   note: str | None = None) -> Table:
    """The forecast as a table: median [90%] in three years (memberships: their own table)."""
    t = Table(title=f"alignment forecast (0 = votes like Russia, 1 = like the US), "
                    f"origin {origin}, {members:,} members, seed {seed}",
              caption=f"{note}\n{caption}" if note else caption, caption_justify="left")
    t.add_column("country", overflow="fold")
    shown = sorted({from_, min(from_ + 4, to), to})
    for y in shown:
        t.add_column(f"{y} median [90%]", justify="right")
    by_key = {(r["country"], r["year"]): r for r in records}
    for c in countries:
        t.add_row(c, *[band(by_key[(c, y)]["alignment"]) for y in shown])
    return t


def _check_covered(scenario: str, pnl: Any, origin: int, sets: list[str] | None,
                   perspective: str | None, hypothesis: str | None) -> None:
    """A located error unless the panel has an observed state for every simulated actor."""
    import numpy as np

    from multipolar.forecast.origin import check_coverage, load_for_origin
    from multipolar.model.compile import SIMULATED_ROLES

    sc = load_for_origin(scenario, origin, sets=sets, perspective=perspective,
                         hypothesis=hypothesis).scenario
    ids = [a.id for a in sc.actors]
    check_coverage(ids, np.array([(a.role or a.kind) in SIMULATED_ROLES for a in sc.actors]),
                   pnl, origin, scenario)


def _observed_until(scenario: str, perspective: str | None, hypothesis: str | None) -> int:
    """The last year the scenario has data for (the latest possible forecast origin)."""
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import load_scenario

    sc = load_scenario(scenario, perspective=perspective, hypothesis=hypothesis).scenario
    return int(sc.time.observed_until)


def _parse_origins(text: str) -> list[int]:
    try:
        vals = [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise InputError(f"--origins '{text}' is not a list of years", field="--origins",
                         fix="write e.g. --origins 2003,2008") from None
    if not vals:
        raise InputError("--origins is empty", field="--origins", fix="write e.g. 2003,2008")
    return vals


def backtest(
    scenario: Scenario = DEFAULT_SCENARIO,
    panel: Path = typer.Option(None, "--panel", help="Panel CSV (default: the bundled one)."),
    train_until: int = typer.Option(None, "--train-until", help="Last training year."),
    test_until: int = typer.Option(None, "--test-until", help="Last test year."),
    origins: str = typer.Option(None, "--origins",
                                help="Rolling origins, e.g. 2003,2008 (instead of "
                                     "--train-until); each tested --horizon years."),
    horizon: int = typer.Option(5, "--horizon", help="Years tested after each origin."),
    members: MembersOrDefault = None,
    calib_members: int = typer.Option(None, "--calib-members",
                                      help="Members per evaluation (default "
                                           f"{CALIBRATION_MEMBERS}; 8 for a world "
                                           "scenario)."),
    maxiter: int = typer.Option(None, "--maxiter",
                                help="Most objective evaluations per calibration (default "
                                     f"{MAXITER}; "
                                     "60 for a world scenario)."),
    seed: Seed = CALIBRATION_SEED,
    anchor: Anchor = None,
    conditional: bool = typer.Option(True, "--conditional/--no-conditional",
                                     help="World scenario: also forecast the uses of force the "
                                          "record holds (origin 2007 given GEO@2008, 2013 "
                                          "given UKR@2014), with and without the event."),
    exogenous: str = typer.Option("blind", "--exogenous",
                                  help="blind (drivers cut at the origin) or known."),
    set_: Sets = None,
    event: Events = None,
    warmup: int = typer.Option(5, "--warmup", help="Extra earlier origins that train the "
                                                   "stacking weights."),
    assimilate: bool = typer.Option(True, "--assimilate/--no-assimilate",
                                    help="Resample members on the years before the origin."),
    prefit: int = typer.Option(200, "--prefit",
                               help="Evaluations of a history fit on the years up to each "
                                    "origin that chooses where its calibration starts (0: "
                                    "from the scenario's values, fitted on all the data)."),
    executor: Executor = "local",
    workers: Workers = None,
    scheduler: Scheduler = None,
    json_: Json = False,
    png: Path = typer.Option(None, "--png", help="Write predicted vs observed paths here "
                                                 "(and the scores to NAME-scores.png)."),
    quiet: Quiet = False,
) -> None:
    """Calibrate on years up to an origin, forecast the years after, score against the panel.

    Forecast members: 500 by default, 100 for a world scenario (russia-world), whose back-test
    runs rolling origins 2005-2018 over every state, by group, with the uses of force of 2008
    and 2014 (see multipolar.backtest.world).
    """
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.backtest.harness import backtest, plot_paths, plot_scores, rolling_backtest

    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.cli.backtest_tables import print_backtest

    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.forecast.conditional import parse_event

    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.forecast.origin import load_panel

    with user_errors(set_), interruptible("the back-test"):
        if exogenous not in ("blind", "known"):
            raise InputError(f"unknown exogenous mode '{exogenous}'", field="--exogenous",
                             fix="choose blind or known")
        if anchor is not None:
            from multipolar.model.anchor import check_anchor

            anchor = check_anchor(anchor)
        if _is_world(scenario):
            _backtest_world(scenario, panel, train_until, test_until, origins, horizon, members,
                            calib_members, maxiter, seed, anchor, conditional, set_, event,
                            assimilate, exogenous, png, json_, quiet)
            return
        if anchor is not None:
            raise InputError("--anchor is for a world scenario (the neighbourhood's calibration "
                             "chooses its anchor)", field="--anchor", fix="leave it out")
        members = BACKTEST_MEMBERS if members is None else members
        calib_members = CALIBRATION_MEMBERS if calib_members is None else calib_members
        maxiter = MAXITER if maxiter is None else maxiter
        ev = _evaluator(executor, workers, scheduler)
        pnl = load_panel(panel)
        spec = BacktestSpec(scenario, members=members, calib_members=calib_members,
                            maxiter=maxiter, seed=seed, exogenous=exogenous, sets=set_,
                            events=[parse_event(e) for e in event or []],
                            assimilation=assimilate, prefit=prefit)
        with Bar(not quiet and not json_, transient=True) as bar:
            # in this process: every evaluation; on other executors: each finished origin
            n_runs = (len(_parse_origins(origins)) if origins is not None else 1) + warmup

            def origins_done(i: int, _best: float) -> None:
                bar.update("origins", i, max(i, n_runs))

            kw: dict[str, Any] = {
                "spec": spec, "warmup": warmup, "evaluator": ev,
                "progress": (bar.evaluations("calibrating", maxiter) if ev.name == "local"
                             else origins_done)}
            if origins is not None:
                res = rolling_backtest(pnl, _parse_origins(origins), horizon, **kw)
            else:
                if train_until is None:
                    raise InputError("give --train-until (or --origins)", field="--train-until",
                                     fix="e.g. --train-until 2003 --test-until 2008")
                z = test_until if test_until is not None else train_until + horizon
                res = backtest(pnl, train_until, z, **kw)
        if png is not None:
            plot_paths(res, pnl, png)
            plot_scores(res, png.with_name(png.stem + "-scores.png"))
        if json_:
            print_json(res.to_dict())
            return
        print_backtest(res)
        if png is not None and not quiet:
            console.print(f"paths written to {png}, scores to "
                          f"{png.with_name(png.stem + '-scores.png')}")


def _backtest_world(scenario: str, panel: Path | None, train_until: int | None,
                    test_until: int | None, origins: str | None, horizon: int,
                    members: int | None, calib_members: int | None, maxiter: int | None,
                    seed: int, anchor: float | None, conditional: bool,
                    sets: list[str] | None,
                    event: list[str] | None, assimilate: bool, exogenous: str,
                    png: Path | None, json_: bool, quiet: bool) -> None:
    """``backtest`` of a world scenario (:mod:`multipolar.backtest.world`)."""
    from multipolar.backtest import world as bw
    from multipolar.cli.backtest_tables import print_world_backtest
    from multipolar.forecast.conditional import parse_event
    from multipolar.forecast.origin import panel_for

    if png is not None:
        raise InputError("--png is not drawn for a world back-test yet", field="--png",
                         fix="leave it out; --json has every score")
    if exogenous != "blind":
        raise InputError("a world back-test cuts the drivers at each origin", field="--exogenous",
                         fix="leave --exogenous out")
    for e in event or []:
        parse_event(e)
    if origins is not None:
        years = _parse_origins(origins)
    elif train_until is not None:
        years = [train_until]
        if test_until is not None:
            if test_until <= train_until:
                raise InputError(f"--test-until {test_until} is not after --train-until "
                                 f"{train_until}", field="--test-until",
                                 fix="choose a later test year")
            horizon = test_until - train_until
    else:
        years = list(bw.WORLD_ORIGINS)
    pnl = panel_for(scenario, panel)
    say = (lambda text: None) if quiet or json_ else (lambda text: console.print(text))
    res = bw.world_backtest(
        scenario, pnl, years, horizon,
        members=bw.WORLD_MEMBERS if members is None else members,
        calib_members=bw.WORLD_CALIB_MEMBERS if calib_members is None else calib_members,
        maxiter=bw.WORLD_MAXITER if maxiter is None else maxiter, seed=seed, sets=sets,
        events=list(event or []), conditional=conditional, assimilation=assimilate,
        anchor=anchor, progress=say)
    if json_:
        print_json(res.to_dict())
        return
    print_world_backtest(res)


def register(app: typer.Typer) -> None:
    """Add ``calibrate``, ``forecast`` and ``backtest`` to the CLI."""
    app.command("calibrate")(calibrate)
    app.command("forecast")(forecast)
    app.command("backtest")(backtest)
