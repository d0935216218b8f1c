"""``multipolar coalition`` and ``multipolar calibrate-coalition``: who stands with Russia.

``coalition`` forecasts every UN member state's vote on a General Assembly resolution that
condemns a Russian use of force (``--event use_of_force:TARGET@YEAR``), from a calibration file
or the bundled fit through 2019; it prints a table of the states most likely to side with Russia
(or ``--json``) and can draw a world map (``--map FILE.png``). ``calibrate-coalition`` fits the
vote model on the Russia-related votes recorded up to ``--until`` and can score it
leave-one-vote-out against two baselines (``--scores``). Depends on typer and
:mod:`multipolar.votes`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from multipolar.cli.common import out, prepare_out, print_json, user_errors, writing
from multipolar.cli.options import Events, Json, Members, Out, Seed
from multipolar.core.errors import InputError, MultipolarError

BUNDLED_FIT = "coalition_fit_2019.json"


def load_fit(path: Path | None) -> Any:
    """The vote model of a calibration file (the bundled fit through 2019 if ``path`` is None)."""
    from multipolar.data.global_tables import global_dir  # pandas: on first use only
    from multipolar.votes.votemodel import from_json

    p = global_dir() / BUNDLED_FIT if path is None else Path(path)
    where = str(p)
    try:
        obj = json.loads(p.read_text(encoding="utf-8"))
        model = from_json(obj["model"])
        int(model.meta["until"])
        if model.coef.shape != (len(model.names) + 1, 3):
            raise ValueError("coefficient table does not match the feature names")
    except OSError as exc:
        raise InputError(f"cannot read calibration file ({exc.strerror or exc})", file=where,
                         field="--calibration",
                         fix="give a file written by `multipolar calibrate-coalition`") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"not a coalition calibration file ({exc})", file=where,
                         field="--calibration",
                         fix="write one with `multipolar calibrate-coalition --until 2019 "
                             "--out FILE`") from None
    model.meta["source"] = "bundled" if path is None else where
    return model


def _table(result: dict[str, Any], top: int) -> None:
    ev = result["event"]
    cal = result["calibration"]
    names = {s["iso3"]: s["name"] for s in result["states"]}
    out.print(f"Use of force by Russia against {names.get(ev['target'], ev['target'])} in "
              f"{ev['year']}: General Assembly vote")
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
    calibration: Path | None = typer.Option(None, "--calibration",
                                            help="Fit from calibrate-coalition (default: "
                                                 "the bundled fit through 2019)."),
    members: Members = 1000,
    seed: Seed = 0,
    as_json: Json = False,
    top: int = typer.Option(20, "--top", min=1, help="Rows of the table."),
    map_path: Path | None = typer.Option(None, "--map", help="Write a world map (PNG)."),
) -> None:
    """Forecast each UN member state's vote on condemning a Russian use of force."""
    from multipolar.data.global_tables import load_world
    from multipolar.votes.coalition import forecast, parse_event, scenario_groups

    with user_errors():
        if not event or len(event) != 1:
            raise MultipolarError("coalition forecasts the vote on one event", field="--event",
                                  fix="give one --event KIND:TARGET@YEAR, e.g. "
                                      "--event use_of_force:UKR@2022")
        if not 1 <= members <= 200_000:
            raise MultipolarError(f"--members {members} is outside 1 to 200,000",
                                  field="--members", fix="e.g. --members 1000")
        groups, _ = scenario_groups(scenario)
        ev = parse_event(event[0], set(groups))
        model = load_fit(calibration)
        world = load_world()
        result = forecast(world, model, ev, groups, members=members, seed=seed)
        if map_path is not None:
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
    until: int = typer.Option(2019, "--until", min=2008, max=2019,
                              help="Last year of data the fit may use."),
    out_path: Out = None,
    scenario: str = typer.Option("russia-world", "--scenario", help="Scenario with actor_sets."),
    with_record: bool = typer.Option(False, "--with-record",
                                     help="Add each state's record on the earlier "
                                          "Russia-related votes as an input (the variant "
                                          "of the bundled fit)."),
    scores: bool = typer.Option(False, "--scores",
                                help="Also score leave-one-vote-out and forward against the "
                                     "baselines (slower)."),
) -> None:
    """Fit the coalition vote model on Russia-related UN votes up to --until only."""
    from multipolar.data.global_tables import load_world
    from multipolar.votes.coalition import scenario_groups
    from multipolar.votes.evaluate import evaluate
    from multipolar.votes.fitting import fit_until

    with user_errors():
        if out_path is None:
            raise MultipolarError("say where to write the calibration", field="--out",
                                  fix="add --out FILE.json")
        prepare_out(out_path, is_file=True)
        groups, _ = scenario_groups(scenario)
        world = load_world()
        model = fit_until(world, until, groups, with_record=with_record)
        doc: dict[str, Any] = {"kind": "multipolar coalition calibration", "until": until,
                               "scenario": scenario, "model": model.to_json()}
        if scores:
            doc["scores"] = {m: evaluate(world, groups, until=until, forward=(m == "forward"))
                             for m in ("leave_one_vote_out", "forward")}
        with writing("the calibration", out_path):
            Path(out_path).write_text(json.dumps(_finite(doc), separators=(",", ":")) + "\n",
                                      encoding="utf-8")
    variant = " with the states' voting record" if with_record else ""
    out.print(f"fitted{variant} on {len(model.meta['votes'])} votes ({model.meta['n_rows']} state "
              f"votes) through {until}; wrote {out_path}")
    for mode, sc in doc.get("scores", {}).items():
        out.print(f"{mode} ({sc['n_votes']} votes, {sc['n_rows']} state votes):")
        for m, s in sc["methods"].items():
            out.print(f"  {m:<18} AUC yes {s['auc_yes']:.3f}  AUC no {s['auc_no']:.3f}  "
                      f"Brier {s['brier']:.3f}")


def _finite(obj: Any) -> Any:
    from multipolar.core.jsonutil import jsonable

    return jsonable(obj)


def register(app: typer.Typer) -> None:
    """Add ``coalition`` and ``calibrate-coalition`` to the CLI."""
    app.command("coalition")(coalition)
    app.command("calibrate-coalition")(calibrate_coalition)


__all__ = ["MultipolarError", "load_fit", "register"]
