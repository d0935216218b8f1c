"""Every benchmark figure of multipolar in one run.

    python benchmarks/run.py [--quick] [--json] [--skip-mesa]

Each measurement runs in its own process (benchmarks/bench_model.py) so peak memory is
per measurement. Figures:

* model alone (issue 3): member-years/s at 1k, 10k, 100k members; the time of 10k members x
  44 years x 19 actors; peak memory;
* end to end (``run_ensemble``: simulate, Parquet, catalogue): local and Dask with 2 local
  workers at 200, 2,000, 20,000 and 100k members, and their ratio at 100k (target >= 1.6);
* the Mesa peer (benchmarks/peers/mesa_peer.py) at 200, 2,000, 20,000 members, and the
  ratio multipolar/Mesa in member-years/s (target >= 200 at 2,000 members);
* streaming: peak memory of a 100k and a 1M member run (flat memory = similar numbers);
* ``world_10k`` (``--only world_10k`` runs just this): the world scenario (``russia-world``,
  193 states) with 10,000 members over 1992-2035 in chunks of 1,000 (goals: <= 15 s of CPU
  on one core, <= 2 GB peak memory), and the Mesa peer's ratio on it where the peer can run it.
* issue 25 (``--only issue25``): the model against the Mesa peer at 200 and 2,000 members for
  the neighbourhood and the world side by side (wall and CPU time; the peer's rate measured
  on ``MESA_PEER_MEMBERS``), with the machine's load at each measurement; ``run --members
  10000 --out DIR`` *with its charts* and with ``--no-plots`` over the model alone, both
  scenarios (goal <= 1.3), and the same at 2,000 members (one pass);
* ``--only charts25``: only the 10,000-member runs of issue 25, each pass adding the run with
  ``--executor local`` and, with ``taskset``, the model alone and the run on one core;
* ``--only mesa25``: only the Mesa comparison of issue 25 (both models at 200 and 2,000
  members), without the end-to-end runs;
* ``--only guard`` (about a minute, what ``make bench-guard`` compares with
  benchmarks/reports/release.json through benchmarks/guard.py): the Mesa ratios at 200
  members (peer on 20) and ``run --members 2000`` over the model alone, both scenarios.
  Every report carries ``ratios`` (name, value, which direction is better) for the guard;
* issue 17 (``--only issue17`` runs just these): ``e2e_ratio_10k`` = wall time of
  ``multipolar run SCENARIO --members 10000 --quiet --no-plots --out DIR`` (a fresh process:
  start-up, compile, simulate, store, summary, table) over the model alone (compile excluded,
  same chunks), median of ``--passes`` alternating passes, for the neighbourhood and for
  ``russia-world`` when it is bundled (skipped with a message otherwise);
  ``summary_1m_seconds`` = the streaming summary's whole work for 1M neighbourhood members
  (partials of 200 chunks of 5,000, merges, final quantiles; see benchmarks/e2e.py); disk per
  100,000 members for each ``--keep``; CLI start-up (``--help``, ``run --help``).

``--quick`` (a few minutes) drops the 100k and 1M runs and the 20,000-member Mesa run (the
corresponding JSON keys are null). ``--json`` prints one JSON object only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORLD_CHUNK = 1000
"""Members per chunk of the world benchmark: ~0.35 GB of float32 outcomes per chunk."""
WORLD_GOAL_S, WORLD_GOAL_MB = 15.0, 2000.0
"""Goals of ``world_10k`` (issue 14): seconds on one core and peak memory."""
CLI = [sys.executable, "-m", "multipolar.cli.main"]


def e2e_task(name: str, prefix: tuple[str, ...] = (), **kw: Any) -> dict[str, Any]:
    """Run a task of benchmarks/e2e.py in a fresh process; return its JSON.

    ``prefix`` goes before the command (``("taskset", "-c", "0")``: on one core).
    """
    args = [*prefix, sys.executable, str(HERE / "e2e.py"), name]
    for k, v in kw.items():
        args += [f"--{k}", str(v)]
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark task failed: {' '.join(args)}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def wall(cmd: list[str], cpu: list[float] | None = None) -> float:
    """Wall seconds of a command (its output discarded; a failure is an error).

    If ``cpu`` is given, the command's CPU seconds (user + system) are appended to it.
    """
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    dt = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return dt


def folder_bytes(folder: Path) -> int:
    """Bytes of every file under ``folder``."""
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def bundled() -> list[str]:
    from multipolar.scenario import bundled_names

    return list(bundled_names())


def issue17(a: argparse.Namespace, log: Any) -> dict[str, Any]:
    """The figures of issue 17: e2e ratio, summary of 1M, disk per keep, start-up."""
    import statistics
    import tempfile

    r: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(dir=a.tmp) as tmp:
        for scen, key in (("russia-neighbourhood", "e2e_ratio_10k"),
                          ("russia-world", "e2e_ratio_10k_world")):
            if scen not in bundled():
                log(f"{key}: skipped, the scenario '{scen}' is not bundled yet")
                r[key] = None
                continue
            models, e2es, model_cpu, e2e_cpu = [], [], [], []
            for i in range(a.passes):
                mt = e2e_task("model", scenario=scen, members=10_000)
                models.append(mt["seconds"])
                model_cpu.append(mt["cpu_seconds"])
                out = Path(tmp) / f"{scen}-{i}"
                e2es.append(wall([*CLI, "run", scen, "--members", "10000", "--quiet",
                                  "--no-plots", "--out", str(out)], e2e_cpu))
                r[f"{key}_disk_mb"] = folder_bytes(out) / 1e6
            m, e = statistics.median(models), statistics.median(e2es)
            r[key] = e / m
            r[f"{key}_cpu"] = statistics.median(e2e_cpu) / statistics.median(model_cpu)
            r[f"{key}_detail"] = {"model_seconds": models, "e2e_seconds": e2es,
                                  "model_cpu_seconds": model_cpu, "e2e_cpu_seconds": e2e_cpu}
            log(f"{key} = {r[key]:.2f} (run --members 10000: {e:.1f} s, model alone {m:.1f} s,"
                f" medians of {a.passes}); CPU-time ratio {r[f'{key}_cpu']:.2f}")
        s = e2e_task("summary", members=1_000_000, distinct=a.distinct)
        r["summary_1m_seconds"] = s["seconds"]
        r["summary_1m"] = s
        log(f"summary_1m_seconds = {s['seconds']:.1f} ({s['cpu_seconds']:.1f} s CPU; "
            f"{s['seconds_after_last_chunk']:.2f} s after the last chunk; "
            f"{s['quantile_method']}, alignment within {s['quantile_error_alignment']})")
        disk: dict[str, float] = {}
        for keep, n in (("summary", 100_000), ("sample", 10_000), ("members", 10_000)):
            if keep == "summary" and a.quick:
                n = 20_001
            out = Path(tmp) / f"keep-{keep}"
            wall([*CLI, "run", "--members", str(n), "--quiet", "--no-plots", "--keep", keep,
                  "--out", str(out)])
            b = folder_bytes(out)
            # members: Parquet grows with members; sample and summary do not (fixed sizes)
            disk[keep] = b / 1e6 * (100_000 / n if keep == "members" else 1.0)
            log(f"disk per 100,000 members, --keep {keep}: {disk[keep]:,.1f} MB "
                f"(measured on {n:,} members{', scaled' if keep == 'members' else ''})")
        r["disk_mb_per_100k"] = disk
        starts: dict[str, float] = {}
        for label, cmd in (("help", ["--help"]), ("run_help", ["run", "--help"])):
            starts[label] = statistics.median(wall([*CLI, *cmd]) for _ in range(5))
            log(f"start-up multipolar {' '.join(cmd)}: {starts[label]:.2f} s (median of 5)")
        r["startup_seconds"] = starts
    return r


SCENARIOS = (("russia-neighbourhood", "neighbourhood"), ("russia-world", "world"))
MESA_SIZES = (200, 2000)
"""Member counts at which the model is compared with the Mesa peer (issue 25)."""
MESA_PEER_MEMBERS = 100
"""Members the Mesa peer runs to measure its rate (``--quick`` and ``guard``: 20). Its rate
per member does not depend on how many run (it builds one model per member), so the ratio
at N members is the model at N members against this rate."""


GUARD_MEMBERS = 2000
"""Members of the ``run`` whose ratio to the model alone the CI guard measures."""


def load() -> float:
    """The machine's one-minute load average now."""
    return os.getloadavg()[0]


def mesa_side_by_side(a: argparse.Namespace, log: Any, sizes: tuple[int, ...] = MESA_SIZES,
                      peer_members: int | None = None) -> dict[str, Any]:
    """Issue 25: the model against the Mesa peer at 200 and 2,000 members, both models.

    Both sides run in this one benchmark run, one after the other, each in a fresh process.
    ``ratio`` compares member-years per wall second; ``ratio_cpu`` per CPU second (the
    steadier figure on a shared machine: waiting for a core is not counted).
    """
    peer_n = peer_members or (20 if a.quick else MESA_PEER_MEMBERS)
    out: dict[str, Any] = {"peer_members": peer_n}
    for scen, label in SCENARIOS:
        if scen not in bundled():
            log(f"mesa {label}: skipped, the scenario '{scen}' is not bundled")
            continue
        peer = task("mesa", scenario=scen, members=peer_n)
        row: dict[str, Any] = {"peer": peer, "load_peer": load()}
        for n in sizes:
            chunk = min(n, WORLD_CHUNK) if label == "world" else n
            sim = task("simulate", scenario=scen, members=n, chunk_size=chunk)
            cpu = statistics.median(sim["cpu_seconds_all"])
            row[str(n)] = {
                "model": sim, "load": load(),
                "ratio": sim["member_years_per_s"] / peer["member_years_per_s"],
                "ratio_cpu": n * sim["years"] / cpu / peer["member_years_per_cpu_s"]}
            log(f"multipolar/Mesa {label:>13} {n:>6,} members: "
                f"x{row[str(n)]['ratio']:,.0f} (wall), x{row[str(n)]['ratio_cpu']:,.0f} (CPU); "
                f"model {sim['member_years_per_s']:,.0f} member-years/s, peer "
                f"{peer['member_years_per_s']:,.0f} ({peer_n} members); load {load():.1f}")
        out[label] = row
    return out


def charts_e2e(a: argparse.Namespace, log: Any, members: int = 10_000,
               passes: int | None = None, variants: bool = False) -> dict[str, Any]:
    """Issue 25: ``run --members N --out DIR`` with its charts, over the model alone.

    For each scenario, ``passes`` alternating passes of: the model alone (benchmarks/e2e.py
    model, same chunks, one process), ``run ... --quiet --out DIR`` (charts included; the
    default executor, ``auto``) and the same with ``--no-plots``, each a fresh process;
    medians. ``ratio`` is the wall-time ratio with charts (goal <= 1.3), ``ratio_no_plots``
    without, ``charts_seconds`` what the charts add. The CPU times include the run's worker
    and helper processes. With ``variants`` (``--only charts25``) each pass also measures
    the run with ``--executor local`` (charts in two helpers, the default before ``auto``)
    and, where ``taskset`` exists, the model alone and the run on one core (``taskset -c 0``:
    ``auto`` then runs in this process), giving ``ratio_local`` and ``ratio_one_core``.
    """
    import shutil
    import tempfile

    passes = passes or a.passes
    out: dict[str, Any] = {"members": members, "passes": passes}
    with tempfile.TemporaryDirectory(dir=a.tmp) as tmp:
        for scen, label in SCENARIOS:
            if scen not in bundled():
                continue
            model, charts, bare, c_cpu, b_cpu, loads = [], [], [], [], [], []
            model_cpu: list[float] = []
            extra: dict[str, list[float]] = {}
            for i in range(passes):
                loads.append(load())
                mt = e2e_task("model", scenario=scen, members=members)
                model.append(mt["seconds"])
                model_cpu.append(mt["cpu_seconds"])
                base = [*CLI, "run", scen, "--members", str(members), "--quiet"]
                charts.append(wall([*base, "--out", str(Path(tmp) / f"{label}-c{i}")], c_cpu))
                bare.append(wall([*base, "--no-plots", "--out", str(Path(tmp) / f"{label}-b{i}")],
                                 b_cpu))
                if variants:
                    extra.setdefault("local", []).append(wall(
                        [*base, "--executor", "local", "--out", str(Path(tmp) / f"{label}-l{i}")],
                        extra.setdefault("local_cpu", [])))
                    if shutil.which("taskset"):
                        one = ("taskset", "-c", "0")
                        m1 = e2e_task("model", prefix=one, scenario=scen, members=members)
                        extra.setdefault("model_one_core", []).append(m1["seconds"])
                        extra.setdefault("run_one_core", []).append(wall(
                            [*one, *base, "--out", str(Path(tmp) / f"{label}-o{i}")],
                            extra.setdefault("run_one_core_cpu", [])))
            m = statistics.median(model)
            m_cpu = statistics.median(model_cpu)
            row = {"model_seconds": model, "e2e_seconds": charts, "no_plots_seconds": bare,
                   "e2e_cpu_seconds": c_cpu, "no_plots_cpu_seconds": b_cpu, "loads": loads,
                   "ratio": statistics.median(charts) / m,
                   "ratio_no_plots": statistics.median(bare) / m,
                   "model_cpu_seconds": model_cpu,
                   "ratio_cpu": statistics.median(c_cpu) / m_cpu,
                   "ratio_no_plots_cpu": statistics.median(b_cpu) / m_cpu,
                   "charts_seconds": statistics.median(charts) - statistics.median(bare),
                   "pngs": len(list((Path(tmp) / f"{label}-c0").glob("*.png")))}
            row.update(extra)
            if extra.get("local"):
                row["ratio_local"] = statistics.median(extra["local"]) / m
                row["ratio_local_cpu"] = statistics.median(extra["local_cpu"]) / m_cpu
            if extra.get("run_one_core"):
                row["ratio_one_core"] = (statistics.median(extra["run_one_core"])
                                         / statistics.median(extra["model_one_core"]))
                one_run = statistics.median(extra["run_one_core"])
                one_model = statistics.median(extra["model_one_core"])
                log(f"  on one core (taskset -c 0): run {one_run:.1f} s, model alone "
                    f"{one_model:.1f} s: ratio {row['ratio_one_core']:.2f}")
            if extra.get("local"):
                log(f"  --executor local (the previous default): "
                    f"{statistics.median(extra['local']):.1f} s, ratio {row['ratio_local']:.2f} "
                    f"(CPU {row['ratio_local_cpu']:.2f})")
            out[label] = row
            log(f"run {label} --members {members:,}: {statistics.median(charts):.1f} s with "
                f"{row['pngs']} charts, {statistics.median(bare):.1f} s without, model alone "
                f"{m:.1f} s: ratio {row['ratio']:.2f} (goal <= 1.3), without charts "
                f"{row['ratio_no_plots']:.2f}; load {min(loads):.1f}-{max(loads):.1f}")
    return out


def ratios(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The report's ratios, flat, each with the direction that is better (see guard.py)."""
    out: dict[str, dict[str, Any]] = {}

    def put(name: str, value: Any, better: str) -> None:
        if isinstance(value, (int, float)):
            # the guard judges CPU-time ratios: waiting for a core on a busy machine moves
            # wall-time ratios by more than 30% (it can still be asked to judge them all)
            out[name] = {"value": float(value), "better": better,
                         "guard": name.endswith("_cpu")}

    for label in ("neighbourhood", "world"):
        for n in MESA_SIZES:
            row = ((r.get("mesa25") or {}).get(label) or {}).get(str(n)) or {}
            put(f"mesa_{label}_{n}_cpu", row.get("ratio_cpu"), "higher")
            put(f"mesa_{label}_{n}", row.get("ratio"), "higher")
        for key in ("charts25", "charts25_small"):
            block = r.get(key) or {}
            ch, n = block.get(label) or {}, block.get("members")
            put(f"run_{label}_{n}_vs_model", ch.get("ratio"), "lower")
            put(f"run_{label}_{n}_no_plots_vs_model", ch.get("ratio_no_plots"), "lower")
            put(f"run_{label}_{n}_vs_model_cpu", ch.get("ratio_cpu"), "lower")
            put(f"run_{label}_{n}_no_plots_vs_model_cpu", ch.get("ratio_no_plots_cpu"),
                "lower")
    put("e2e_ratio_10k", r.get("e2e_ratio_10k"), "lower")
    put("e2e_ratio_10k_world", r.get("e2e_ratio_10k_world"), "lower")
    put("e2e_ratio_10k_cpu", r.get("e2e_ratio_10k_cpu"), "lower")
    put("e2e_ratio_10k_world_cpu", r.get("e2e_ratio_10k_world_cpu"), "lower")
    put("dask2_vs_local_20k", r.get("dask2_vs_local_20k"), "higher")
    put("dask2_vs_local_100k", r.get("dask2_vs_local_100k"), "higher")
    s1m = r.get("summary_1m") or {}
    if s1m.get("cpu_seconds") and s1m.get("simulate_seconds_per_member"):
        # the summary's cost per member against the simulation's, both measured in this run
        put("summary_vs_simulation_cpu", s1m["cpu_seconds"] / s1m["members"]
            / s1m["simulate_seconds_per_member"], "lower")
    return out


def guard(a: argparse.Namespace, log: Any) -> dict[str, Any]:
    """The quick ratios the CI step compares (about a minute): Mesa at 200 members (both
    models, CPU time) and ``run --members 2000`` with its charts over the model alone."""
    r: dict[str, Any] = {"mesa25": mesa_side_by_side(a, log, sizes=(200,), peer_members=20)}
    r["charts25_small"] = charts_e2e(a, log, members=GUARD_MEMBERS, passes=1)
    return r


def issue25(a: argparse.Namespace, log: Any) -> dict[str, Any]:
    """The figures of issue 25: Mesa side by side, the run with its charts, the sketch."""
    r: dict[str, Any] = {"mesa25": mesa_side_by_side(a, log)}
    r["charts25"] = charts_e2e(a, log)
    r["charts25_small"] = charts_e2e(a, log, members=GUARD_MEMBERS, passes=1)
    return r


def task(name: str, **kw: Any) -> dict[str, Any]:
    args = [sys.executable, str(HERE / "bench_model.py"), name]
    for k, v in kw.items():
        if v is not None:
            args += [f"--{k.replace('_', '-')}", str(v)]
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark task failed: {' '.join(args)}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


WORLD_MESA_MEMBERS = 20
"""Members of the Mesa peer on the world (about 3 s; its rate per member does not depend on
how many run, since it builds one model per member)."""


def _world_mesa(w: dict[str, Any], members: int = WORLD_MESA_MEMBERS) -> dict[str, Any]:
    """The Mesa peer on the world scenario (a few members), or why it cannot run it.

    ``ratio`` compares member-years per wall second (as the neighbourhood's ratio does);
    ``ratio_cpu`` per CPU second, the steadier figure on a shared machine.
    """
    try:
        m = task("mesa", scenario="russia-world", members=members)
    except RuntimeError as exc:
        lines = [x for x in str(exc).splitlines() if x.strip()]
        return {"ran": False, "why": lines[-1] if lines else "failed"}
    model_cpu_rate = w["members"] * w["years"] / w["cpu_seconds"]
    return {"ran": True, **m, "ratio": w["member_years_per_s"] / m["member_years_per_s"],
            "ratio_cpu": model_cpu_rate / m["member_years_per_cpu_s"]}


def world_10k(a: argparse.Namespace, log: Any) -> dict[str, Any]:
    """Issue 14: the world model, 10,000 members, all 193 states, 1992-2035, in chunks."""
    w = task("simulate", scenario="russia-world", members=10_000, chunk_size=WORLD_CHUNK,
             repeat=1)
    w["goal_seconds"], w["goal_peak_mb"] = WORLD_GOAL_S, WORLD_GOAL_MB
    # one core: the process's CPU time is the figure on a shared machine (wall time waits)
    w["cpu_seconds"] = min(w.get("cpu_seconds_all") or [w["seconds"]])
    w["meets_goals"] = w["cpu_seconds"] <= WORLD_GOAL_S and w["peak_mb"] <= WORLD_GOAL_MB
    w["mesa_peer"] = None if a.skip_mesa else _world_mesa(w)
    log(f"world_10k         {w['members']:>9,} members x {w['years']} years x {w['actors']} "
        f"actors: {w['seconds']:.2f} s wall, {w['cpu_seconds']:.2f} s CPU (goal <= "
        f"{WORLD_GOAL_S:.0f} s on one core), peak {w['peak_mb']:.0f} MB (goal <= "
        f"{WORLD_GOAL_MB:.0f} MB)")
    wm = w["mesa_peer"]
    if wm is not None:
        log(f"world Mesa peer   {wm['members']:>9,} members: {wm['member_years_per_s']:,.0f} "
            f"member-years/s ({wm['member_years_per_cpu_s']:,.0f} per CPU second); "
            f"multipolar {w['member_years_per_s']:,.0f}; multipolar/Mesa: x{wm['ratio']:,.0f} "
            f"(wall), x{wm['ratio_cpu']:,.0f} (CPU)" if wm["ran"]
            else f"world multipolar/Mesa: not measured ({wm['why']})")
    return w


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smaller sizes, a few minutes")
    p.add_argument("--json", action="store_true", help="print one JSON object only")
    p.add_argument("--skip-mesa", action="store_true", help="leave out the Mesa peer")
    p.add_argument("--tmp", default=None, help="folder for temporary run stores")
    p.add_argument("--save", default=None, help="also write the JSON report to this file")
    p.add_argument("--only", choices=["issue17", "world_10k", "issue25", "mesa25", "guard",
                                      "charts25"],
                   default=None,
                   help="run only the figures of one issue")
    p.add_argument("--passes", type=int, default=3, help="passes for e2e_ratio_10k")
    p.add_argument("--distinct", type=int, default=50_000,
                   help="distinct simulated members behind summary_1m_seconds")
    a = p.parse_args()
    log = (lambda *x: None) if a.json else (lambda *x: print(*x, flush=True))
    t_all = time.perf_counter()
    r: dict[str, Any] = {"quick": a.quick, "python": platform.python_version(),
                         "cpus": os.cpu_count(), "machine": platform.machine(),
                         "load_average_start": os.getloadavg()[0]}
    log(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start "
        "(other work on the machine slows every figure)")
    if a.only is not None:
        if a.only == "issue17":
            r.update(issue17(a, log))
        elif a.only == "issue25":
            r.update(issue25(a, log))
        elif a.only == "mesa25":  # issue 25's Mesa comparison alone (a few minutes)
            r["mesa25"] = mesa_side_by_side(a, log)
        elif a.only == "guard":
            r.update(guard(a, log))
        elif a.only == "charts25":  # the 10,000-member runs of issue 25, with variants
            r["charts25"] = charts_e2e(a, log, variants=True)
        else:
            r["world_10k"] = world_10k(a, log)
        r["load_average_end"] = os.getloadavg()[0]
        r["ratios"] = ratios(r)
        if a.save:
            Path(a.save).write_text(json.dumps(r, indent=2))
        if a.json:
            print(json.dumps(r, indent=2))
        return

    # ---- the model alone (issue 3)
    sims = {}
    for n in ([1000, 10_000] if a.quick else [1000, 10_000, 100_000]):
        sims[n] = task("simulate", members=n, chunk_size=min(n, 10_000))
        log(f"model alone       {n:>9,} members: {sims[n]['member_years_per_s']:>12,.0f} "
            f"member-years/s, {sims[n]['seconds']:.2f} s, peak {sims[n]['peak_mb']:.0f} MB")
    r["model"] = {str(k): v for k, v in sims.items()}
    r["seconds_10k_members_44y_19actors"] = (
        sims[10_000]["seconds"] if sims[10_000]["years"] == 44 else None)
    r["model_actors"] = sims[10_000]["actors"]

    r["world_10k"] = world_10k(a, log)

    # ---- end to end: local vs dask (2 workers)
    sizes = [200, 2000, 20_000] + ([] if a.quick else [100_000])
    ens: dict[str, dict[str, Any]] = {"local": {}, "dask2": {}}
    for n in sizes:
        chunk = max(100, min(5000, n // 8))
        loc = task("ensemble", members=n, executor="local", chunk_size=chunk, tmp=a.tmp)
        dsk = task("ensemble", members=n, executor="dask", workers=2, chunk_size=chunk,
                   tmp=a.tmp)
        ens["local"][str(n)], ens["dask2"][str(n)] = loc, dsk
        log(f"run_ensemble      {n:>9,} members: local {loc['member_years_per_s']:>10,.0f}, "
            f"dask2 {dsk['member_years_per_s']:>10,.0f} member-years/s "
            f"(x{dsk['member_years_per_s'] / loc['member_years_per_s']:.2f}); "
            f"peak local {loc['peak_mb']:.0f} MB")
    r["ensemble"] = ens

    def ratio(n: int) -> float | None:
        if str(n) not in ens["local"]:
            return None
        return ens["dask2"][str(n)]["member_years_per_s"] / ens["local"][str(n)][
            "member_years_per_s"]

    r["dask2_vs_local_20k"] = ratio(20_000)
    r["dask2_vs_local_100k"] = ratio(100_000)

    # ---- Mesa peer
    r["mesa"] = {}
    if not a.skip_mesa:
        msizes = [200, 2000] + ([] if a.quick else [20_000])
        for n in msizes:
            m = task("mesa", members=n)
            r["mesa"][str(n)] = m
            log(f"Mesa peer         {n:>9,} members: {m['member_years_per_s']:>12,.0f} "
                f"member-years/s, {m['seconds']:.1f} s")
    for n in (200, 2000, 20_000):
        m = r["mesa"].get(str(n))
        sim = task("simulate", members=n, chunk_size=n) if m else None
        r[f"multipolar_model_{n}"] = sim
        r[f"mesa_ratio_{n}"] = (sim["member_years_per_s"] / m["member_years_per_s"]
                                if m and sim else None)
        loc = ens["local"].get(str(n))
        r[f"mesa_ratio_end_to_end_{n}"] = (loc["member_years_per_s"] / m["member_years_per_s"]
                                           if m and loc else None)
        if m:
            log(f"multipolar/Mesa   {n:>9,} members: x{r[f'mesa_ratio_{n}']:,.0f} (model), "
                f"x{r[f'mesa_ratio_end_to_end_{n}']:,.0f} (with the results store)")

    # ---- streaming memory
    r["peak_mb_100k_streaming"] = r["peak_mb_1m_streaming"] = None
    if not a.quick:
        for n, key in ((100_000, "peak_mb_100k_streaming"), (1_000_000, "peak_mb_1m_streaming")):
            s = task("ensemble", members=n, executor="local", chunk_size=5000, tmp=a.tmp)
            r[key] = s["peak_mb"]
            r[f"streaming_{n}"] = s
            log(f"streaming         {n:>9,} members: peak {s['peak_mb']:.0f} MB, "
                f"{s['seconds_run']:.0f} s run + {s['seconds_summary']:.0f} s summary "
                f"({s['quantile_method']}), {s['stored_mb'] / 1000:.1f} GB stored")
    r.update(issue17(a, log))
    r.update(issue25(a, log))
    r["seconds_total"] = time.perf_counter() - t_all
    r["load_average_end"] = os.getloadavg()[0]
    r["ratios"] = ratios(r)
    if a.save:
        Path(a.save).write_text(json.dumps(r, indent=2))
    if a.json:
        print(json.dumps(r, indent=2))
    else:
        log(f"10k members x 44 years x {r['model_actors']} actors: "
            f"{r['seconds_10k_members_44y_19actors']:.2f} s (target < 2 s on one core)")
        if r["mesa_ratio_2000"]:
            log(f"mesa_ratio_2000 = {r['mesa_ratio_2000']:,.0f} (target >= 200)")
        if r["dask2_vs_local_100k"]:
            log(f"dask2_vs_local_100k = {r['dask2_vs_local_100k']:.2f} (target >= 1.6)")
        log(f"total {r['seconds_total']:.0f} s")


if __name__ == "__main__":
    main()
