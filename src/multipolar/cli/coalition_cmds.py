"""``multipolar coalition`` and ``multipolar calibrate-coalition``: who stands with Russia.

``coalition`` forecasts every UN member state's vote on a General Assembly resolution about a
Russian use of force (``--event use_of_force:TARGET@YEAR``, ``--resolution KIND``,
``--vote-year Y``) on the simulated world of the scenario (``--set``, ``--perspective``,
``--hypothesis``, more ``--event``s), from a calibration file or the bundled fit through 2019
(:func:`multipolar.votes.coalition.coalition_forecast`); it prints a table of the states most
likely to side with Russia (or ``--json``) and can draw a world map (``--map FILE.png``); while
it computes, a progress line on stderr counts the members done (percentage, time left).
``calibrate-coalition`` fits the vote model on the Russia-related votes recorded up to
``--until`` and can score it leave-one-vote-out against two baselines (``--scores``) and judge
its probabilities and count ranges (``--calibration-check``). Depends on typer and
:mod:`multipolar.votes`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from multipolar.cli.common import (
    interruptible,
    out,
    prepare_out,
    print_json,
    user_errors,
    write_atomic,
    writing,
)
from multipolar.cli.options import (
    Events,
    Executor,
    Hypothesis,
    Json,
    Members,
    Out,
    Perspective,
    Scheduler,
    Seed,
    Sets,
    Workers,
)
from multipolar.cli.progress import Bar
from multipolar.core.errors import MultipolarError
from multipolar.core.jsonutil import jsonable
from multipolar.datasets.follow import last_year


def load_fit(path: Path | None) -> Any:
    """The vote model of a calibration file (see :func:`multipolar.votes.coalition.load_fit`)."""
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.votes.coalition import load_fit as _load

    return _load(path)


def _table(result: dict[str, Any], top: int) -> None:
    ev = result["event"]
    cal = result["calibration"]
    names = {s["iso3"]: s["name"] for s in result["states"]}
    res = result["resolution"]
    out.print(f"Use of force by Russia against {names.get(ev['target'], ev['target'])} in "
              f"{ev['year']}: General Assembly vote ({res['kind']}, {res['vote_year']})")
    if result.get("hindsight"):
        out.print(f"HINDSIGHT: the fit (data through {cal['until']}) may have seen this vote; "
                  "this is not a forecast")
    if res["recorded_as"] is None:
        out.print(f"no past vote of the kind '{res['kind']}': its level is pooled from the "
                  "recorded kinds (wider range)")
    elif res.get("level_spread", {}).get("pooled"):
        out.print(f"few earlier forecast errors of the kind '{res['kind']}': its range draws "
                  "the spread of all kinds' errors (wider)")
    wd = result["world"]
    if wd["simulated"]:
        out.print(f"inputs of {wd['to']} from the simulated world ({wd['origin']}-{wd['to']})")
    out.print(f"States most likely to side with Russia (fit through {cal['until']}, "
              f"{cal['members']} members, seed {cal['seed']})")
    head = f"{'ISO':<4}{'state':<22}{'group':<14}{'yes':>6}{'abst':>6}{'no':>6}{'absent':>7}"
    out.print(head + f"{'no, 90%':>15}")
    out.print("-" * 80)
    shown = [s for s in result["states"] if not s.get("fixed")][:top]
    for s in shown:
        lo, hi = s["interval"]["no"]
        out.print(f"{s['iso3']:<4}{s['name'][:21]:<22}{str(s['group'])[:13]:<14}"
                  f"{s['p_yes']:>6.2f}{s['p_abstain']:>6.2f}{s['p_no']:>6.2f}"
                  f"{s['p_absent']:>7.2f}{f'{lo:.2f}-{hi:.2f}':>15}")
    tot = result["totals"]
    parts = [f"{k} {tot[k]['expected']:.0f} ({tot[k]['interval'][0]:.0f}-"
             f"{tot[k]['interval'][1]:.0f})" for k in ("yes", "abstain", "no", "absent")]
    out.print(f"expected votes of the {len(result['states'])} members (90% range):")
    out.print("  " + ", ".join(parts))


def coalition(
    scenario: Annotated[str, typer.Argument(help="Scenario with actor_sets.")] = "russia-world",
    event: Events = None,
    resolution: str | None = typer.Option(
        None, "--resolution", help="Kind of resolution: condemnation (default for a use of "
        "force), humanitarian, suspension, reparations, human_rights, nuclear_safety, "
        "militarization."),
    vote_year: int | None = typer.Option(None, "--vote-year",
                                         help="Year of the vote (default: the event's)."),
    sets: Sets = None,
    perspective: Perspective = None,
    hypothesis: Hypothesis = None,
    calibration: Path | None = typer.Option(None, "--calibration",
                                            help="Fit from calibrate-coalition (default: "
                                                 "the bundled fit through 2019)."),
    members: Members = 1000,
    seed: Seed = 0,
    hindsight: bool = typer.Option(False, "--hindsight",
                                   help="Allow a vote within the calibration's data, "
                                        "labelled as hindsight."),
    as_json: Json = False,
    top: int = typer.Option(20, "--top", min=1, help="Rows of the table."),
    map_path: Path | None = typer.Option(None, "--map", help="Write a world map (PNG)."),
    executor: Executor = "local",
    workers: Workers = None,
    scheduler: Scheduler = None,
) -> None:
    """Forecast each UN member state's vote on a resolution about a Russian use of force."""
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.data.global_tables import load_world

    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.ensemble import evaluator_from_name

    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.votes.coalition import CoalitionSettings, coalition_forecast

    with user_errors(), interruptible("the coalition forecast",
                                      "nothing was written (the map is drawn at the end)"):
        if map_path is not None:  # before any work: the map's folder must be writable
            where = Path(map_path).parent
            why = ("does not exist" if not where.is_dir() else
                   "is not writable" if not os.access(where, os.W_OK) else None)
            if why is not None:
                raise MultipolarError(f"cannot write the map: the folder {where} {why}",
                                      file=str(map_path), field="--map",
                                      fix="choose a path in a writable folder (nothing was "
                                          "computed yet)")
        if not event:
            raise MultipolarError("coalition forecasts the vote on an event", field="--event",
                                  fix="give --event KIND:TARGET@YEAR, e.g. "
                                      "--event use_of_force:UKR@2022")
        ev = evaluator_from_name(executor, workers=workers, scheduler=scheduler)
        world = load_world()
        settings = CoalitionSettings(scenario=scenario, events=tuple(event),
                                     resolution=resolution, vote_year=vote_year,
                                     perspective=perspective, hypothesis=hypothesis,
                                     sets=tuple(sets or ()), members=members, seed=seed,
                                     calibration=calibration, hindsight=hindsight)
        with Bar(enabled=not as_json) as bar:
            result = coalition_forecast(settings, world=world, evaluator=ev,
                                        progress=bar.stages("coalition members"))
        if map_path is not None:
            # lazy: keeps start-up fast (loads pandas, pyarrow)
            from multipolar.figures.worldmap import coalition_map

            cy = world.country_year
            last = cy[cy["year"] == result["calibration"]["until"]]
            align = dict(zip(last["iso3"].astype(str),
                             last["rel_pos_ru0_us1"].astype(float), strict=True))
            with writing("the map", map_path, field="--map"):
                coalition_map(result, align, map_path)
    if as_json:
        print_json(result)
    else:
        _table(result, top)


def calibrate_coalition(
    until: int | None = typer.Option(None, "--until", min=2008,
                                     help="Last year of data the fit may use (default and "
                                          "latest: the data's last year of roll calls)."),
    out_path: Out = None,
    scenario: str = typer.Option("russia-world", "--scenario", help="Scenario with actor_sets."),
    with_record: bool = typer.Option(False, "--with-record",
                                     help="Add each state's record on the earlier "
                                          "Russia-related votes as an input (the variant "
                                          "of the bundled fit)."),
    scores: bool = typer.Option(False, "--scores",
                                help="Also score leave-one-vote-out and forward against the "
                                     "baselines (slower)."),
    check_png: Path | None = typer.Option(
        None, "--calibration-check",
        help="Judge the forecast's probabilities and count ranges on the past votes "
             "(leave-one-vote-out and forward) and draw the reliability diagram here (PNG; "
             "a few minutes)."),
) -> None:
    """Fit the coalition vote model on Russia-related UN votes up to --until only."""
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.data.global_tables import load_world

    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.votes.coalition import scenario_groups

    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.votes.evaluate import evaluate

    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.votes.fitting import fit_until

    with user_errors(), interruptible("the coalition calibration",
                                      "nothing was written (the file is written at the end)"):
        if out_path is None:
            raise MultipolarError("say where to write the calibration", field="--out",
                                  fix="add --out FILE.json")
        prepare_out(out_path, is_file=True)

        last = last_year(("unga-votes",))
        until = last if until is None else until
        if until > last:
            raise MultipolarError(f"--until {until} is after the data's last roll call year "
                                  f"{last}", field="--until",
                                  fix=f"choose --until {last} or earlier, or import newer "
                                      "votes (multipolar data import unga-votes)")
        groups, _ = scenario_groups(scenario)
        world = load_world()
        model = fit_until(world, until, groups, with_record=with_record)
        doc: dict[str, Any] = {"kind": "multipolar coalition calibration", "until": until,
                               "scenario": scenario, "model": model.to_json()}
        if scores:
            doc["scores"] = {m: evaluate(world, groups, until=until, forward=(m == "forward"))
                             for m in ("leave_one_vote_out", "forward")}
        if check_png is not None:
            # lazy: keeps start-up fast (loads pandas, pyarrow)
            from multipolar.votes.reliability import check, reliability_png

            doc["calibration_check"] = {
                m: check(world, groups, until=until, forward=(m == "forward"),
                         with_record=with_record) for m in ("leave_one_vote_out", "forward")}
            with writing("the reliability diagram", check_png, field="--calibration-check"):
                reliability_png(doc["calibration_check"]["forward"], Path(check_png))
        with writing("the calibration", out_path):
            write_atomic(Path(out_path),
                         json.dumps(_finite(doc), separators=(",", ":")) + "\n")
    variant = " with the states' voting record" if with_record else ""
    out.print(f"fitted{variant} on {len(model.meta['votes'])} votes ({model.meta['n_rows']} state "
              f"votes) through {until}; wrote {out_path}")
    for mode, sc in doc.get("scores", {}).items():
        out.print(f"{mode} ({sc['n_votes']} votes, {sc['n_rows']} state votes):")
        for m, s in sc["methods"].items():
            out.print(f"  {m:<18} AUC yes {s['auc_yes']:.3f}  AUC no {s['auc_no']:.3f}  "
                      f"Brier {s['brier']:.3f}")
    for mode, sc in doc.get("calibration_check", {}).items():
        out.print(f"calibration check, {mode} ({sc['n_votes']} votes, {sc['n_rows']} state "
                  "votes; 90% ranges):")
        for m, s in sc["methods"].items():
            out.print(f"  {m:<16} Brier {s['brier']:.3f}  AUC not-yes {s['auc_not_yes']:.3f}  "
                      f"yes count inside {s['coverage_yes']:.0%} (width {s['width_yes']:.0f})  "
                      f"no count inside {s['coverage_no']:.0%}")


def _finite(obj: Any) -> Any:
    return jsonable(obj)


def register(app: typer.Typer) -> None:
    """Add ``coalition`` and ``calibrate-coalition`` to the CLI."""
    app.command("coalition")(coalition)
    app.command("calibrate-coalition")(calibrate_coalition)


__all__ = ["MultipolarError", "load_fit", "register"]
