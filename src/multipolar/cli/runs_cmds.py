"""``multipolar runs list|show`` and ``multipolar query``: look into stored runs.

Depends on Typer/Rich and :mod:`multipolar.ensemble.query` (read-only DuckDB access).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from multipolar.cli.common import out, print_json, user_errors
from multipolar.cli.options import Json

runs_app = typer.Typer(help="List and inspect stored ensemble runs.", no_args_is_help=True)


@runs_app.command("list")
def list_runs(
    root: Path = typer.Argument(Path("."), help="Folder to search for run folders."),
    depth: int = typer.Option(3, "--depth", help="How many folder levels to search."),
    json_: Json = False,
) -> None:
    """List the runs (folders with a catalogue.duckdb) under ROOT, newest first."""
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.ensemble.query import find_runs

    with user_errors():
        rows = find_runs(root, depth)
        if json_:
            print_json(rows)
            return
        t = Table(title=f"runs under {root}")
        for col in ("run folder", "status", "scenario", "members", "seed", "years", "chunks",
                    "created"):
            t.add_column(col)
        for r in rows:
            t.add_row(r["rundir"], str(r.get("status")), str(r.get("scenario") or ""),
                      f"{r.get('members') or 0:,}", str(r.get("seed", "")),
                      f"{r.get('start', '')}-{r.get('end', '')}",
                      f"{r.get('chunks_done', 0)}/{r.get('chunks_total', 0)}",
                      str(r.get("created_at") or ""))
        out.print(t)


@runs_app.command("show")
def show_run(
    rundir: Path = typer.Argument(..., help="A run folder (the --out of `multipolar run`)."),
    json_: Json = False,
) -> None:
    """Show a run's manifest, chunk progress and sessions."""
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.ensemble.query import run_info

    with user_errors():
        info = run_info(rundir)
        if json_:
            print_json(info)
            return
        t = Table(title=f"run {rundir}", show_header=False)
        t.add_column("key")
        t.add_column("value")
        for key in ("status", "scenario", "scenario_file", "scenario_hash", "code_version",
                    "seed", "members", "start", "end", "chunk_size", "created_at",
                    "finished_at"):
            t.add_row(key, str(info.get(key)))
        t.add_row("kept", str(info.get("kept")))
        spec = info.get("spec") or {}
        for key in ("perspective", "hypothesis", "sets", "events"):
            if spec.get(key):
                t.add_row(key, str(spec[key]))
        t.add_row("history", str(info.get("history")))
        if info.get("anchor") is not None:  # the anchor strength the projection used
            t.add_row("anchor", f"{info['anchor']:g}" + ("" if spec.get("anchor") is not None
                                                          else " (the default)"))
        t.add_row("chunks", f"{info['chunks_done']}/{info['chunks_total']} done "
                            f"({info['members_done']:,} members, {info['bytes'] / 1e6:.1f} MB)")
        out.print(t)
        s = Table(title="sessions")
        for col in ("session", "executor", "workers", "started", "finished", "status",
                    "chunks run"):
            s.add_column(col)
        for r in info["sessions"]:
            s.add_row(str(r["session"]), str(r["executor"]), str(r["workers"]),
                      str(r["started_at"]), str(r["finished_at"] or ""), str(r["status"]),
                      str(r["chunks_run"]))
        out.print(s)


def query(
    rundir: Path = typer.Argument(..., help="A run folder."),
    sql: str = typer.Argument(..., help="SQL over views actors, core, params, chunks, "
                              "sessions, manifest."),
    json_: Json = False,
    csv: bool = typer.Option(False, "--csv", help="Print rows as CSV."),
    limit: int = typer.Option(50, "--limit", help="Rows to show in the table (not JSON/CSV)."),
) -> None:
    """Run SQL over a run's stored results.

    Example: "select actor, median(alignment) from actors where year = 2013 group by actor".
    """
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.ensemble.query import query_arrow, run_info

    with user_errors():
        table = query_arrow(rundir, sql)
        kept = run_info(rundir)
        if kept["members_kept"] < int(kept.get("members") or 0):
            typer.echo(f"note: this run kept {kept['kept']}", err=True)
        if json_:
            print_json(table.to_pylist())
            return
        if csv:
            table.to_pandas().to_csv(sys.stdout, index=False)
            return
        t = Table(caption=f"{table.num_rows:,} rows" +
                  (f" (first {limit} shown)" if table.num_rows > limit else ""))
        for name in table.column_names:
            t.add_column(name)
        for row in table.slice(0, limit).to_pylist():
            t.add_row(*[f"{v:.6g}" if isinstance(v, float) else str(v) for v in row.values()])
        out.print(t)


def register(app: typer.Typer) -> None:
    """Add ``multipolar runs list|show`` and ``multipolar query`` to the CLI."""
    app.add_typer(runs_app, name="runs")
    app.command("query")(query)
