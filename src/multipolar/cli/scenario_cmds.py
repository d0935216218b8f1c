"""``multipolar validate`` and ``multipolar scenarios list|export``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from multipolar.cli.common import console, out, print_json, user_errors, writing
from multipolar.cli.options import (
    SCENARIO_HELP,
    Events,
    Hypothesis,
    Json,
    Perspective,
    Scenario,
    Sets,
    scenario_kwargs,
)
from multipolar.core.errors import ScenarioError


# lazy: importing multipolar.scenario (pydantic schemas) would slow every CLI start-up
def load_scenario(*args: Any, **kwargs: Any) -> Any:
    """:func:`multipolar.scenario.load_scenario`, imported on first use."""
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import load_scenario as load

    return load(*args, **kwargs)


def bundled_names() -> list[str]:
    """:func:`multipolar.scenario.bundled_names`, imported on first use."""
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import bundled_names as names

    return list(names())


def bundled_path(name: str) -> Path:
    """:func:`multipolar.scenario.bundled_path`, imported on first use."""
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import bundled_path as path

    return Path(path(name))

scenarios_app = typer.Typer(help="List and export the scenarios bundled with multipolar.",
                            no_args_is_help=True)


def validate(
    scenario: Annotated[str, typer.Argument(help=SCENARIO_HELP)],
    perspective: Perspective = None,
    hypothesis: Hypothesis = None,
    set_: Sets = None,
    event: Events = None,
    json_: Json = False,
) -> None:
    """Check a scenario file; report every problem with file, line, field and fix."""
    with user_errors(set_):
        ld = load_scenario(scenario, **scenario_kwargs(perspective, hypothesis, set_, event))
        sc = ld.scenario
        # lazy: keeps start-up fast (loads the model, numpy)
        from multipolar.model.compile import compile_model

        # lazy: keeps start-up fast (loads numpy, the scenario schema)
        from multipolar.scenario.semantics import all_citations

        compile_model(ld)  # what a run checks too: mechanisms, parameters, their bounds

        summary = {
            "file": str(ld.path), "name": sc.name, "valid": True,
            "actors": len(sc.actors), "institutions": len(sc.institutions),
            "relations": len(sc.relations), "mechanisms": len(sc.mechanisms),
            "levers": len(sc.levers), "drivers": len(sc.drivers),
            "perspectives": sorted(sc.perspectives), "hypotheses": sorted(sc.hypotheses),
            "citations": len(all_citations(sc)),
        }
        if json_:
            print_json(summary)
            return
        console.print(f"[green]valid[/]: {ld.path} — scenario '{sc.name}': "
                      f"{summary['actors']} actors, {summary['institutions']} institutions, "
                      f"{summary['mechanisms']} mechanisms, {summary['levers']} levers, "
                      f"{summary['drivers']} drivers, {len(sc.perspectives)} perspectives, "
                      f"{summary['citations']} citations")


@scenarios_app.command("list")
def list_scenarios(json_: Json = False) -> None:
    """List the bundled scenarios."""
    with user_errors():
        rows = []
        for name in bundled_names():
            sc = load_scenario(name).scenario
            rows.append({"name": name, "title": sc.title or "", "actors": len(sc.actors),
                         "years": f"{sc.time.start}-{sc.time.end}"})
        if json_:
            print_json(rows)
            return
        t = Table(title="bundled scenarios")
        for col in ("name", "title", "actors", "years"):
            t.add_column(col)
        for r in rows:
            t.add_row(str(r["name"]), str(r["title"]), str(r["actors"]), str(r["years"]))
        out.print(t)


@scenarios_app.command("export")
def export(
    name: str = typer.Argument(..., help="Bundled scenario name."),
    file: Path = typer.Argument(..., help="Where to write the YAML (a folder gets all files)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a bundled scenario out as YAML for editing (citations inlined)."""
    with user_errors():
        if name not in bundled_names():
            raise ScenarioError(f"no bundled scenario '{name}'", field="NAME",
                                fix=f"choose one of: {', '.join(bundled_names())}")
        src_dir = bundled_path(name).parent
        if file.exists() and file.is_dir():
            target = file / name
            if target.exists() and not force:
                raise ScenarioError(f"{target} exists", fix="use --force or another folder")
            shutil.copytree(src_dir, target, dirs_exist_ok=True)
            console.print(f"wrote {target}/")
            return
        if file.exists() and not force:
            raise ScenarioError(f"{file} exists", fix="use --force or another file name")
        # lazy: keeps start-up fast (loads yaml)
        import yaml

        ld = load_scenario(name)
        raw = dict(ld.raw)
        text = yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=100)
        header = (f"# multipolar scenario '{name}', exported from the bundled copy.\n"
                  f"# Edit and check with: multipolar validate {file}\n")
        with writing("the scenario", file, field=None, fix="choose a writable path",
                     error=ScenarioError):
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(header + text, encoding="utf-8")
        console.print(f"wrote {file}")


def mechanisms(
    scenario: Scenario = "russia-neighbourhood",
    json_: Json = False,
) -> None:
    """List the model's mechanisms and everything each one declares.

    Parameters (default, unit, bounds, meaning), the state read and written, context items,
    levers, random streams, theory items and evidence.
    """
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.model.mechanisms import catalogue

    with user_errors():
        sc = load_scenario(scenario).scenario
        rows: list[dict[str, Any]] = []
        for info in catalogue():
            mech = sc.mechanisms.get(info.name)
            chosen = (mech.implementation or "default") if mech else "-"
            declared = info.as_dict()
            rows.append({
                **declared,
                "selected": mech is not None and chosen in (info.implementation, "default"),
                "enabled": bool(mech and mech.enabled),
                "declared_evidence": declared["evidence"],
                "evidence": [e if isinstance(e, str) else e.locator
                             for e in (mech.evidence if mech else [])],
                "summary": info.doc.splitlines()[0] if info.doc else "",
            })
        if json_:
            print_json(rows)
            return
        if out.width < WIDE:  # a table would cut names in narrow columns: one block each
            _print_blocks(rows, str(sc.name))
            return
        t = Table(title=f"mechanisms of the model ({sc.name})")
        for col in ("mechanism", "theory", "on", "parameters", "evidence", "what it does"):
            t.add_column(col, overflow="fold")
        for r in rows:
            name = r["name"] if r["implementation"] == "default" else \
                f"{r['name']} ({r['implementation']})"
            on = "yes" if r["enabled"] and r["selected"] else "no"
            t.add_row(str(name), ", ".join(r["theory"]), on,
                      ", ".join(p["name"] for p in r["params"]), ", ".join(r["evidence"]),
                      str(r["summary"]))
        out.print(t)


WIDE = 140
"""Terminal width from which ``mechanisms`` prints a table (narrower: a block each)."""


def _print_blocks(rows: list[dict[str, Any]], scenario: str) -> None:
    """The mechanisms one block each, wrapped between words (never inside a name)."""
    out.print(f"mechanisms of the model ({scenario})", style="bold")
    for r in rows:
        name = r["name"] if r["implementation"] == "default" else \
            f"{r['name']} ({r['implementation']})"
        on = "on" if r["enabled"] and r["selected"] else "off"
        out.print()
        out.print(f"{name} [{on}; theory {', '.join(r['theory']) or '-'}]", markup=False,
                  style="bold")
        for label, text in (("what it does", str(r["summary"])),
                            ("parameters", ", ".join(p["name"] for p in r["params"])),
                            ("evidence", ", ".join(r["evidence"]))):
            if text:
                out.print(f"  {label}: {text}", markup=False)


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.command("validate")(validate)
    app.command("mechanisms")(mechanisms)
    app.add_typer(scenarios_app, name="scenarios")
