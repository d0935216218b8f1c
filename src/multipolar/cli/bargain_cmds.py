"""``multipolar bargain``: run bargaining models on issue files, evaluate them on DEU data.

``multipolar bargain INPUT --model NAME`` runs a model (the group forwards an INPUT that is not
a sub-command name to ``run``); ``deu FILE`` predicts every issue of a DEU file; ``evaluate deu
FILE`` scores a model with the compromise and median baselines; ``cv FILE`` cross-validates
every model; ``models`` and ``examples`` list what is available. Depends on Typer, Rich and
:mod:`multipolar.bargaining`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from multipolar.cli.common import out, print_json, user_errors
from multipolar.cli.options import Json, Members, Seed
from multipolar.core.errors import InputError


class _DefaultRun(TyperGroup):
    """A group whose first argument, when not a sub-command, is the INPUT of ``run``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_DefaultRun, no_args_is_help=True,
                  help="Bargaining models over issues: compromise, median, Nash, BDM, KTAB PCM.")


def _model_names() -> list[str]:
    # lazy: keeps start-up fast (loads numpy, pydantic)
    from multipolar.bargaining import MODELS

    return list(MODELS)


def _check_model(name: str) -> str:
    names = _model_names()
    if name not in names:
        raise InputError(f"unknown model '{name}'", field="--model",
                         fix=f"use one of: {', '.join(names)}")
    return name


@app.command("run")
def run_cmd(
    input: str = typer.Argument(..., help="Issue file (YAML, KTAB CSV, simple CSV, DEU TSV) "
                                          "or a bundled example name."),
    model: str = typer.Option("compromise", "--model", "-m", help="Model name (see `models`)."),
    rounds: int | None = typer.Option(None, "--rounds", "-r", min=0,
                                      help="Rounds for dynamic models."),
    seed: Seed = 0,
    members: Members = 0,
    fmt: str | None = typer.Option(None, "--format", help="yaml, csv, ktab or deu (auto)."),
    as_json: Json = False,
    png: Path | None = typer.Option(None, "--png", help="Write positions over rounds to PNG."),
) -> None:
    """Run a model on an issue file and show the predicted outcome and who moved whom."""
    # lazy: keeps start-up fast (loads numpy, pydantic)
    from multipolar.bargaining import load_issues, outcome_dict

    # lazy: keeps start-up fast (loads numpy, pydantic)
    from multipolar.bargaining.models import get_model

    with user_errors():
        name = _check_model(model)
        if members < 0:
            raise InputError("--members cannot be negative", field="--members",
                             fix="use 0 (deterministic) or a positive ensemble size")
        issues = load_issues(input, fmt)
        params: dict[str, Any] = {"members": members} if name == "ktab-pcm" else {}
        result = get_model(name, **params).run(issues, rounds=rounds, seed=seed)
        if png is not None:
            # lazy: keeps start-up fast (loads numpy, pydantic)
            from multipolar.bargaining.plot import plot_rounds

            plot_rounds(issues, result, png)
    if as_json:
        print_json(outcome_dict(issues, result))
        return
    means = result.mean_by_round(issues)
    for i, iid in enumerate(issues.issue_ids[:20]):
        out.print(f"[bold]{iid}[/]  model {name}: predicted {result.predicted[i]:.3f} on the "
                  f"issue's scale {issues.low[i]:g} to {issues.high[i]:g}  "
                  f"(weighted mean by round: "
                  + ", ".join(f"{m:.3f}" for m in means[:, i]) + ")")
        if issues.n_issues <= 3:
            out.print(f"  scale: {issues.scale_text(i)}")
    if issues.n_issues > 20:
        out.print(f"... {issues.n_issues - 20} more issues (use --json)")
    if result.moves and issues.n_issues == 1:
        t = Table("round", "actor", "moved by", "why", "from", "to")
        for m in result.moves:
            t.add_row(str(m.round), issues.actors[m.actor], issues.actors[m.other], m.kind,
                      f"{m.before:.3f}", f"{m.after:.3f}")
        out.print(t)
    if png is not None:
        out.print(f"wrote {png}")


@app.command("deu")
def deu_cmd(
    file: str = typer.Argument(..., help="DEU-style TSV (e.g. deu3_train.tsv)."),
    model: str = typer.Option("recommended", "--model", "-m"),
    as_json: Json = False,
) -> None:
    """Predict every issue of a DEU file (with the observed outcome where known)."""
    # lazy: keeps start-up fast (loads numpy, pydantic)
    from multipolar.bargaining import load_issues

    # lazy: keeps start-up fast (loads numpy, pydantic)
    from multipolar.bargaining.models import get_model

    with user_errors():
        issues = load_issues(file, "deu")
        pred = get_model(_check_model(model)).predict(issues, seed=0)
    rows = [{"issue": i, "predicted": float(p), "observed": float(o)}
            for i, p, o in zip(issues.issue_ids, pred, issues.observed, strict=True)]
    if as_json:
        print_json({"model": model, "issues": issues.n_issues, "predictions": rows})
        return
    t = Table("issue", "predicted", "observed", title=f"{model} on {file}")
    for r in rows:
        t.add_row(str(r["issue"]), f"{r['predicted']:.1f}",
                  "" if r["observed"] != r["observed"] else f"{r['observed']:.0f}")
    out.print(t)


@app.command("evaluate")
def evaluate_cmd(
    kind: str = typer.Argument(..., help="Data kind: deu."),
    file: str = typer.Argument(..., help="The data file."),
    model: str = typer.Option("recommended", "--model", "-m"),
    seed: Seed = 0,
    as_json: Json = False,
) -> None:
    """MAE of a model against observed outcomes, with compromise and median baselines."""
    # lazy: keeps start-up fast (loads numpy, pydantic)
    from multipolar.bargaining import load_issues

    # lazy: keeps start-up fast (loads numpy, pydantic)
    from multipolar.bargaining.evaluate import evaluate

    with user_errors():
        if kind != "deu":
            raise InputError(f"unknown data kind '{kind}'", field="KIND",
                             fix="use `multipolar bargain evaluate deu FILE`")
        res = evaluate(load_issues(file, "deu"), _check_model(model), seed=seed)
    if as_json:
        print_json(res)
        return
    t = Table("issue", "predicted", "observed", "abs error")
    for p in res["predictions"]:
        t.add_row(p["issue"], f"{p['predicted']:.1f}", f"{p['observed']:.0f}",
                  f"{abs(p['predicted'] - p['observed']):.1f}")
    out.print(t)
    out.print(f"{res['issues']} issues; MAE {model}: {res['mae']:.2f}; compromise: "
              f"{res['baselines']['compromise']:.2f}; median: {res['baselines']['median']:.2f}")


@app.command("cv")
def cv_cmd(
    file: str = typer.Argument(..., help="DEU-style TSV with outcomes."),
    k: int = typer.Option(10, "--k", help="Folds (grouped by proposal)."),
    seed: Seed = 0,
    repeats: int = typer.Option(5, "--repeats", min=1),
    as_json: Json = False,
) -> None:
    """Cross-validated MAE of every model (models with a grid are refitted per fold)."""
    # lazy: keeps start-up fast (loads numpy, pydantic)
    from multipolar.bargaining import load_issues

    # lazy: keeps start-up fast (loads numpy, pydantic)
    from multipolar.bargaining.evaluate import cross_validate

    with user_errors():
        res = cross_validate(load_issues(file, "deu"), k=k, seed=seed, repeats=repeats)
    if as_json:
        print_json(res)
        return
    t = Table("model", "CV MAE", "in-sample MAE", "params (all issues)",
              title=f"{k}-fold CV by proposal, {repeats} repeats, {res['issues']} issues")
    for name, r in sorted(res["models"].items(), key=lambda kv: kv[1]["cv_mae"]):
        t.add_row(str(name), f"{r['cv_mae']:.2f}", f"{r['in_sample_mae']:.2f}", str(r["params"]))
    out.print(t)


@app.command("models")
def models_cmd() -> None:
    """List the registered models."""
    # lazy: keeps start-up fast (loads numpy, pydantic)
    from multipolar.bargaining import MODELS

    t = Table("model", "summary")
    for name, cls in MODELS.items():
        t.add_row(name, cls.summary)
    out.print(t)


@app.command("examples")
def examples_cmd() -> None:
    """List the bundled example issues."""
    base = Path(str(resources.files("multipolar") / "data" / "issues"))
    for p in sorted(base.glob("*.yaml")):
        out.print(p.stem)
    out.print("bdm_ec_emissions.csv")
