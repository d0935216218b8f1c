"""``multipolar calibrate``, ``multipolar forecast`` and ``multipolar backtest``.

* ``calibrate`` fits the model's free parameters to a panel's years up to ``--until`` (by
  default on its own forecasts from origins inside those years) and writes a calibration file.
* ``forecast`` applies a calibration file and prints per-country, per-year forecasts of UN
  voting alignment and membership probabilities (table or ``--json``).
* ``backtest`` calibrates on years up to ``--train-until``, forecasts to ``--test-until`` and
  scores the model and the baselines against the panel (table, ``--json``, ``--png``).

Depends on Typer/Rich, :mod:`multipolar.calibration`, :mod:`multipolar.forecast` and
:mod:`multipolar.backtest`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from multipolar.cli.common import console, out, print_json, user_errors, writing
from multipolar.errors import InputError

_SCENARIO = typer.Argument("russia-neighbourhood", help="Scenario file, folder or bundled name.")


@contextmanager
def _bar(total: int, label: str, enabled: bool) -> Iterator[Callable[[int, float], None]]:
    """A Rich progress bar over objective evaluations (a no-op when disabled)."""
    if not enabled:
        yield lambda i, best: None
        return
    with Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("best MAE {task.fields[best]}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(label, total=total, best="–")

        def update(i: int, best: float) -> None:
            bar.update(task, completed=min(i, total), best=f"{best:.4f}")

        yield update


def _check_executor(executor: str, workers: int | None) -> None:
    from multipolar.ensemble import evaluator_from_name

    evaluator_from_name(executor, workers=workers)  # validates the name and workers


def calibrate(
    scenario: str = _SCENARIO,
    panel: Path = typer.Option(None, "--panel", help="Panel CSV (default: the bundled one)."),
    until: int = typer.Option(2013, "--until", help="Last year of data the fit may use."),
    out_file: Path = typer.Option(None, "--out", "-o", help="Calibration file to write."),
    members: int = typer.Option(64, "--members", "-n", help="Members per evaluation."),
    seed: int = typer.Option(2013, "--seed", help="Seed (common random numbers)."),
    maxiter: int = typer.Option(300, "--maxiter", help="Most objective evaluations."),
    objective: str = typer.Option("forecast", "--objective",
                                  help="forecast (rolling origins) or history (1992 on)."),
    perspective: str = typer.Option(None, "--perspective", "-p", help="Perspective overlay."),
    hypothesis: str = typer.Option(None, "--hypothesis", help="Hypothesis overlay."),
    set_: list[str] = typer.Option(None, "--set", help="Override PATH=VALUE (repeatable)."),
    executor: str = typer.Option("local", "--executor", "-e",
                                 help="local, processes or dask (evaluations are tiny, so "
                                      "the search itself always runs in this process)."),
    workers: int = typer.Option(None, "--workers", "-w", help="Workers (not local)."),
    json_: bool = typer.Option(False, "--json", help="Print the fit as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Fit the model's free parameters to the panel and write a calibration file."""
    from multipolar.calibration import calibrate as calib_history
    from multipolar.calibration import calibrate_forecast
    from multipolar.forecast import load_for_origin, load_panel

    with user_errors():
        _check_executor(executor, workers)
        if objective not in ("forecast", "history"):
            raise InputError(f"unknown objective '{objective}'", field="--objective",
                             fix="choose forecast or history")
        if members < 1 or maxiter < 1:
            raise InputError("--members and --maxiter must be at least 1", field="--members",
                             fix="pass e.g. --members 64 --maxiter 300")
        pnl = load_panel(panel)
        with _bar(maxiter, "calibrating", not quiet and not json_) as progress:
            if objective == "forecast":
                result, model = calibrate_forecast(
                    scenario, pnl, until=until, members=members, seed=seed, maxiter=maxiter,
                    sets=set_, perspective=perspective, hypothesis=hypothesis,
                    progress=progress)
            else:
                loaded = load_for_origin(scenario, until, sets=set_, perspective=perspective,
                                         hypothesis=hypothesis)
                result, model = calib_history(loaded, until=until, panel=pnl.path,
                                              members=members, seed=seed, maxiter=maxiter,
                                              restarts=0, progress=progress)
        text = result.to_yaml(model)
        if out_file is not None:
            with writing("the calibration file", out_file, fix="choose a writable path",
                         error=InputError):
                out_file.write_text(text, encoding="utf-8")
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
        if out_file is None:
            out.print(text)
        elif not quiet:
            console.print(f"{result.evaluations} evaluations in {result.seconds:.1f} s; "
                          f"calibration written to {out_file}")


def forecast(
    scenario: str = _SCENARIO,
    calibration: Path = typer.Option(None, "--calibration", "-c",
                                     help="Calibration file from `multipolar calibrate`."),
    from_: int = typer.Option(2014, "--from", help="First forecast year (origin = FROM-1)."),
    to: int = typer.Option(2030, "--to", help="Last forecast year."),
    members: int = typer.Option(2000, "--members", "-n", help="Ensemble members."),
    seed: int = typer.Option(7, "--seed", help="Master seed."),
    panel: Path = typer.Option(None, "--panel", help="Panel CSV for the origin state."),
    exogenous: str = typer.Option(None, "--exogenous",
                                  help="known (use driver data after the origin) or blind."),
    perspective: str = typer.Option(None, "--perspective", "-p", help="Perspective overlay."),
    hypothesis: str = typer.Option(None, "--hypothesis", help="Hypothesis overlay."),
    set_: list[str] = typer.Option(None, "--set", help="Override PATH=VALUE (repeatable)."),
    event: list[str] = typer.Option(None, "--event",
                                    help="Dated event KIND:TARGET[/INSTITUTION]@YEAR, e.g. "
                                         "use_of_force:UKR@2022 (repeatable)."),
    json_: bool = typer.Option(False, "--json", help="Print the forecasts as JSON."),
) -> None:
    """Forecast UN voting alignment and memberships per country and year."""
    from multipolar.calibration import read_calibration_file
    from multipolar.forecast import (
        ForecastSettings,
        forecast_records,
        load_for_origin,
        load_panel,
        prepare_model,
        run_forecast,
    )

    with user_errors():
        if to < from_:
            raise InputError(f"--to {to} is before --from {from_}", field="--to",
                             fix="choose --to at or after --from")
        if members < 1:
            raise InputError("--members must be at least 1", field="--members",
                             fix="pass e.g. --members 2000")
        overrides: dict[str, Any] = {}
        fc: dict[str, Any] = {}
        if calibration is not None:
            cf = read_calibration_file(calibration)
            overrides, fc = cf.overrides, cf.forecast
        settings = ForecastSettings.from_dict(fc, str(calibration) if calibration else None)
        settings = ForecastSettings(settings.alpha, settings.anchor, settings.spread,
                                    exogenous or "known")
        pnl = load_panel(panel)
        # the origin is the last year with data: FROM-1, or earlier if the data end earlier
        origin = min(from_ - 1, pnl.last_year())
        if origin < min(y for s in pnl.alignment.values() for y in s):
            raise InputError(f"the panel has no data at or before the origin {origin}",
                             file=pnl.path, field="--from", fix="forecast from a later year")
        loaded = load_for_origin(scenario, origin, overrides, sets=set_,
                                 perspective=perspective, hypothesis=hypothesis,
                                 events=event)
        origin = min(origin, loaded.scenario.time.observed_until)
        model = prepare_model(loaded, origin, to, pnl.truncated(origin), settings, seed)
        ens = run_forecast(model, seed, members, spread=settings.spread)
        countries = [a for a in ens.actors if a in pnl.alignment]
        records = forecast_records(ens, from_, countries)
        if json_:
            print_json({"scenario": loaded.scenario.name, "origin": origin, "members": members,
                        "seed": seed, "settings": settings.to_dict(),
                        "calibration": str(calibration) if calibration else None,
                        "applied": dict(loaded.applied), "forecasts": records})
            return
        t = Table(title=f"rel_pos_ru0_us1 forecast (0 = votes like Russia, 1 = like the US), "
                        f"origin {origin}, {members:,} members, seed {seed}")
        t.add_column("country")
        shown = sorted({from_, min(from_ + 4, to), to})
        for y in shown:
            t.add_column(f"{y} median [90%]", justify="right")
        t.add_column(f"P(member) {to}")
        for c in countries:
            row = [c]
            for y in shown:
                r = next(r for r in records if r["country"] == c and r["year"] == y)
                q = r["rel_pos_ru0_us1"]
                row.append(f"{q['median']:.2f} [{q['p05']:.2f}–{q['p95']:.2f}]")
            last = next(r for r in records if r["country"] == c and r["year"] == to)
            row.append(", ".join(f"{k} {v:.2f}" for k, v in last["memberships"].items()
                                 if v >= 0.05) or "–")
            t.add_row(*row)
        out.print(t)


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
    scenario: str = _SCENARIO,
    panel: Path = typer.Option(None, "--panel", help="Panel CSV (default: the bundled one)."),
    train_until: int = typer.Option(None, "--train-until", help="Last training year."),
    test_until: int = typer.Option(None, "--test-until", help="Last test year."),
    origins: str = typer.Option(None, "--origins",
                                help="Rolling origins, e.g. 2003,2008 (instead of "
                                     "--train-until); each tested --horizon years."),
    horizon: int = typer.Option(6, "--horizon", help="Years tested after each origin."),
    members: int = typer.Option(500, "--members", "-n", help="Forecast ensemble members."),
    calib_members: int = typer.Option(64, "--calib-members", help="Members per evaluation."),
    maxiter: int = typer.Option(300, "--maxiter", help="Most objective evaluations."),
    seed: int = typer.Option(2013, "--seed", help="Seed."),
    exogenous: str = typer.Option("blind", "--exogenous",
                                  help="blind (drivers cut at the origin) or known."),
    set_: list[str] = typer.Option(None, "--set", help="Override PATH=VALUE (repeatable)."),
    json_: bool = typer.Option(False, "--json", help="Print results as JSON."),
    png: Path = typer.Option(None, "--png", help="Write predicted vs observed paths here."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Calibrate on years up to an origin, forecast the years after, score against the panel."""
    from multipolar.backtest.harness import METHODS, backtest, plot_paths, rolling_backtest
    from multipolar.forecast import load_panel

    with user_errors():
        if exogenous not in ("blind", "known"):
            raise InputError(f"unknown exogenous mode '{exogenous}'", field="--exogenous",
                             fix="choose blind or known")
        pnl = load_panel(panel)
        kw: dict[str, Any] = {"scenario": scenario, "members": members,
                              "calib_members": calib_members, "maxiter": maxiter,
                              "seed": seed, "exogenous": exogenous, "sets": set_}
        with _bar(maxiter, "calibrating", not quiet and not json_) as progress:
            kw["progress"] = progress
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
        if json_:
            print_json(res.to_dict())
            return
        scores = res.scores()
        t = Table(title="back-test of rel_pos_ru0_us1, origins "
                        + ", ".join(str(o) for o in res.origins)
                        + f" ({scores.get('model', {}).get('n', 0)} country-years)")
        for c in ("method", "MAE", "vs persistence", "90% coverage", "CRPS", "Brier"):
            t.add_column(c, justify="left" if c == "method" else "right")
        base = scores.get("persistence", {}).get("mae")
        for m in METHODS:
            s = scores.get(m)
            if not s:
                continue
            rel = f"{100 * (1 - s['mae'] / base):+.0f}%" if base else "–"
            t.add_row(m, f"{s['mae']:.4f}", rel, f"{s['coverage90']:.2f}", f"{s['crps']:.4f}",
                      f"{s['brier']:.4f}" if "brier" in s else "–")
        out.print(t)
        h = Table(title="MAE by horizon")
        h.add_column("horizon")
        for m in METHODS:
            h.add_column(m, justify="right")
        for hz in res.horizons():
            sc = res.scores(hz)
            h.add_row(str(hz), *[f"{sc[m]['mae']:.4f}" if m in sc else "–" for m in METHODS])
        out.print(h)
        if png is not None and not quiet:
            console.print(f"paths written to {png}")


def register(app: typer.Typer) -> None:
    """Add ``calibrate``, ``forecast`` and ``backtest`` to the CLI."""
    app.command("calibrate")(calibrate)
    app.command("forecast")(forecast)
    app.command("backtest")(backtest)
