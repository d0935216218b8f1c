"""SQL over stored runs, and the list of runs under a folder.

``query_arrow(RUNDIR, "select ...")`` runs read-only SQL in an in-memory DuckDB whose views
``actors``, ``core``, ``params``, ``chunks``, ``sessions`` and ``manifest`` expose a run's
complete chunks and catalogue (see :func:`multipolar.ensemble.store.open_views`).
:func:`find_runs` and :func:`run_info` back ``multipolar runs list`` and ``runs show``.
Depends on DuckDB, PyArrow and :mod:`multipolar.ensemble.store`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from multipolar.core.errors import MultipolarError
from multipolar.ensemble.store import CATALOGUE, SAMPLE_MEMBERS, connect, open_views, read_manifest


def query_arrow(rundir: str | Path, sql: str) -> Any:
    """Run ``sql`` over a run's results and catalogue; return a :class:`pyarrow.Table`."""
    # lazy: keeps start-up fast (loads duckdb)
    import duckdb

    with open_views(Path(rundir)) as con:  # views cover what the run kept (see run_info)
        try:
            return con.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            info = run_info(rundir)
            note = ("" if info["members_kept"] else
                    "; this run kept the summary only (--keep summary), so actors, core and "
                    "params are empty: re-run with --keep sample or members")
            raise MultipolarError(
                f"the query failed: {first}", field="SQL",
                fix="tables are actors, core, params, chunks, sessions, manifest; try "
                "\"select * from actors limit 5\"" + note) from None


def members_kept(keep: str, members: int | None) -> int:
    """How many members' results a run with ``keep`` stores."""
    total = int(members or 0)
    return {"summary": 0, "sample": min(total, SAMPLE_MEMBERS)}.get(keep, total)


def kept_description(keep: str, members: int | None) -> str:
    """One line saying what a run kept (shown by ``runs show``, ``query`` and the dashboard)."""
    total = int(members or 0)
    if keep == "summary":
        return "the summary only (no per-member results: tables are empty)"
    if keep == "sample" and total > SAMPLE_MEMBERS:
        return (f"the summary and a sample of {SAMPLE_MEMBERS:,} of {total:,} members "
                f"(members 0-{SAMPLE_MEMBERS - 1})")
    return f"the summary and all {total:,} members"


def run_info(rundir: str | Path) -> dict[str, Any]:
    """Manifest, chunk progress and sessions of one run, as plain data."""
    rundir = Path(rundir)
    con = connect(rundir, read_only=True)
    try:
        manifest = read_manifest(con)
        chunks = con.execute(
            "select count(*), count(*) filter (where status = 'done'), "
            "coalesce(sum(member_stop - member_start) filter (where status = 'done'), 0), "
            "coalesce(sum(bytes), 0) from chunks").fetchone()
        sessions = [dict(zip(("session", "executor", "workers", "scheduler", "started_at",
                              "finished_at", "status", "chunks_run"), r, strict=True))
                    for r in con.execute("select * from sessions order by session").fetchall()]
    finally:
        con.close()
    ident = manifest.get("identity", {})
    return {
        "rundir": str(rundir),
        "status": manifest.get("status"),
        "scenario": (manifest.get("scenario") or {}).get("scenario_name"),
        "scenario_file": (manifest.get("scenario") or {}).get("scenario_file"),
        "scenario_hash": ident.get("scenario_hash"),
        "code_version": manifest.get("code_version"),
        "code_hash": ident.get("code_hash"),
        "seed": ident.get("seed"),
        "members": ident.get("members"),
        "start": ident.get("start"),
        "end": ident.get("end"),
        "chunk_size": ident.get("chunk_size"),
        "keep": ident.get("keep", "members"),
        "members_kept": members_kept(ident.get("keep", "members"), ident.get("members")),
        "kept": kept_description(ident.get("keep", "members"), ident.get("members")),
        "summary_stored": bool(manifest.get("summary")),
        "spec": manifest.get("spec"),
        "history": (manifest.get("scenario") or {}).get("history", "free"),
        "anchor": (manifest.get("scenario") or {}).get("anchor"),
        "chunks_total": int(chunks[0]),
        "chunks_done": int(chunks[1]),
        "members_done": int(chunks[2]),
        "bytes": int(chunks[3]),
        "created_at": manifest.get("created_at"),
        "finished_at": manifest.get("finished_at"),
        "sessions": sessions,
    }


def find_runs(root: str | Path = ".", depth: int = 3) -> list[dict[str, Any]]:
    """Every run folder under ``root`` (up to ``depth`` levels), newest first.

    A run whose catalogue is busy (still running) or unreadable is listed with that status.
    """
    root = Path(root)
    if not root.is_dir():
        raise MultipolarError(f"no such folder: {root}", file=str(root),
                              fix="give a folder that holds run folders")
    found: list[Path] = []
    frontier = [root]
    for _ in range(depth + 1):
        nxt: list[Path] = []
        for d in frontier:
            if (d / CATALOGUE).is_file():
                found.append(d)
                continue
            try:
                nxt += [p for p in d.iterdir() if p.is_dir() and not p.name.startswith(".")]
            except OSError:
                continue
        frontier = nxt
    rows = []
    for d in found:
        try:
            rows.append(run_info(d))
        except MultipolarError as exc:
            rows.append({"rundir": str(d), "status": "busy or unreadable",
                         "error": exc.problems[0].message if exc.problems else str(exc)})
    rows.sort(key=lambda r: str(r.get("created_at") or ""), reverse=True)
    return rows
