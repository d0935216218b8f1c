"""``multipolar data``: import newer source data as named versions, list, show and compare them.

See docs/how-to/update-data.md. The work is done by :mod:`multipolar.datasets`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from multipolar.cli.common import out, print_json, user_errors
from multipolar.cli.options import Json
from multipolar.core.errors import InputError
from multipolar.datasets import store

app = typer.Typer(help="Versioned data sets: import newer source data, list, show, compare.",
                  no_args_is_help=True)

Kind = Annotated[str, typer.Argument(
    help="unga-votes, idealpoints, vdem, oil or events.")]
As = Annotated[str | None, typer.Option("--as", help="Name of the new data set (default: "
                                                     "NNN-KIND-LASTYEAR).")]
Base = Annotated[str | None, typer.Option("--base", help="Data set to start from (default: "
                                                         "the active one).")]


def _years(series: dict[str, int | None]) -> str:
    return ", ".join(f"{k} {v if v is not None else '-'}" for k, v in series.items())


@app.command("import")
def import_(
    kind: Kind,
    file: Annotated[Path, typer.Argument(help="The file as the source publishes it.")],
    name: As = None,
    base: Base = None,
    allow_gap: Annotated[bool, typer.Option(
        "--allow-gap", help="Accept new rows that leave years missing after the data.")] = False,
    vote_kind: Annotated[list[str] | None, typer.Option(
        "--vote-kind", help="SYMBOL=KIND: the coalition kind of a resolution whose title does "
                            "not say it (repeatable), e.g. A/RES/80/1=territorial_integrity.")
    ] = None,
    tables: Annotated[str, typer.Option(
        "--tables", help="vdem only: fill both tables (default), only 'panel' "
                         "(actor_year_panel.csv) or only 'global' (country_year).")] = "both",
    note: Annotated[str, typer.Option("--note", help="Text for the SOURCES.md entry (e.g. "
                                                     "the release and its URL).")] = "",
    json_: Json = False,
) -> None:
    """Import FILE of KIND onto a data set as a new named version."""
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.datasets import ops

    with user_errors():
        kinds = {}
        for item in vote_kind or []:
            sym, sep, k = item.partition("=")
            # lazy: keeps start-up fast (loads pandas, pyarrow)
            from multipolar.votes.records import KINDS

            if not sep or k not in KINDS:
                raise InputError(f"--vote-kind '{item}' is not SYMBOL=KIND", field="--vote-kind",
                                 fix=f"KIND one of: {', '.join(KINDS)}")
            kinds[sym.strip()] = k
        ds = ops.import_file(kind, file, name, base, allow_gap, kinds, note, tables)
    imp = ds.manifest["import"]
    if json_:
        print_json({"name": ds.name, "path": str(ds.path), **imp, "series": ds.series})
        return
    s = imp["summary"]
    out.print(f"data set [bold]{ds.name}[/] written to {ds.path}", markup=True)
    out.print(f"  {kind}: years {s['years'][0]}-{s['years'][1]}; "
              + "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in s.items()
                          if k != "years" and v not in ("", None)))
    out.print(f"  last years: {_years(ds.series)}")
    out.print(f"  now the default data set (use --data {ds.manifest['parent']} for the previous)")


@app.command("cut")
def cut(
    until: Annotated[int, typer.Option("--until", help="Last year kept.")],
    name: Annotated[str, typer.Option("--as", help="Name of the new data set.")],
    base: Base = None,
    series: Annotated[list[str] | None, typer.Option(
        "--series", help="Series to cut (repeatable; default all importable).")] = None,
) -> None:
    """A copy of a data set with the importable series emptied after a year."""
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.datasets import ops, store

    with user_errors():
        ds = ops.cut(until, name, base, tuple(series) if series else store.SERIES)
    out.print(f"data set [bold]{ds.name}[/]: last years {_years(ds.series)}", markup=True)


@app.command("list")
def list_(json_: Json = False) -> None:
    """The data sets: bundled and imported, the active one marked."""
    with user_errors():
        sets = [store.get(store.BUNDLED), *store.versions()]
        active = store.active_name()
    rows: list[dict[str, Any]] = [
        {"name": d.name, "active": d.name == active, "parent": d.manifest.get("parent"),
         "created": d.manifest.get("created"),
         "import": (d.manifest.get("import") or {}).get("kind"), "series": d.series}
        for d in sets]
    if json_:
        print_json(rows)
        return
    t = Table("", "data set", "from", "import", "created", "last years")
    for r in rows:
        t.add_row("*" if r["active"] else "", r["name"], r["parent"] or "-",
                  r["import"] or "-", r["created"] or "-", _years(r["series"]))
    out.print(t)
    out.print(f"data directory: {store.data_root()}  (* = active; --data NAME chooses)")


@app.command("show")
def show(name: Annotated[str | None, typer.Argument(help="Data set (default: the active "
                                                            "one).")] = None,
         json_: Json = False) -> None:
    """A data set's manifest, checksums (verified) and sources."""
    with user_errors():
        ds = store.get(name or store.active_name())
        bad = store.verify(ds)
    info = {**ds.manifest, "path": str(ds.path) if ds.path else str(store.bundled_dir()),
            "checksums_ok": not bad, "checksum_mismatch": bad}
    if json_:
        print_json(info)
        return
    out.print(f"[bold]{ds.name}[/]  ({info['path']})", markup=True)
    out.print(f"  from: {ds.manifest.get('parent') or '-'}; created "
              f"{ds.manifest.get('created') or '-'}")
    out.print(f"  last years (observed until, per series): {_years(ds.series)}")
    imp = ds.manifest.get("import")
    if imp:
        out.print(f"  import: {imp}")
    if ds.path is not None:
        out.print("  checksums: " + ("all files match the manifest" if not bad
                                     else f"DIFFER for {', '.join(bad)}"))
        src = ds.path / "SOURCES.md"
        if src.is_file():
            out.print(src.read_text(encoding="utf-8").rstrip(), markup=False)


@app.command("diff")
def diff(a: Annotated[str, typer.Argument(help="Older data set.")],
         b: Annotated[str, typer.Argument(help="Newer data set.")],
         json_: Json = False) -> None:
    """What changed between two data sets, file by file."""
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.datasets import ops

    with user_errors():
        rows = ops.diff(a, b)
    if json_:
        print_json(rows)
        return
    t = Table("file", "same", "rows added", "removed", "changed", "years added")
    for r in rows:
        ya = r.get("years_added") or []
        t.add_row(r["file"], "yes" if r["same"] else "no", str(r.get("added", "")),
                  str(r.get("removed", "")), str(r.get("changed", "")),
                  f"{ya[0]}-{ya[1]}" if ya else "")
    out.print(t)
