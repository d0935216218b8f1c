"""Load test of the dashboard: many concurrent users browsing finished runs (loopback only).

Starts ``multipolar serve`` on a free 127.0.0.1 port with a temporary runs folder (or uses
``--url`` of a server already running on this machine), makes a few small runs, then lets
``--users`` simulated users browse for ``--duration`` seconds. Each user is an asyncio task with
its own keep-alive HTTP/1.1 connection (a minimal client on asyncio streams: httpx's async pool
was measured to become the bottleneck at 20+ concurrent connections, at 10% server CPU). A user
lists runs, opens one (status and chart data), compares two, reads the evidence list
and checks health, pausing a random think time between requests. Bounded in users, time and
requests. Prints request count, errors, throughput and latency percentiles (overall and per
endpoint) and exits 1 if any request failed or p95 exceeds ``--p95-ms``.

    .venv/bin/python benchmarks/load_test.py                      # 200 users, 20 s
    .venv/bin/python benchmarks/load_test.py --with-run           # while a 2,000-member run goes
    .venv/bin/python benchmarks/load_test.py --think-min 0 --think-max 0 --users 50   # stress
    .venv/bin/python benchmarks/load_test.py --locust --duration 30   # the same with Locust
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

MAX_USERS = 1000
MAX_DURATION = 300.0
MAX_REQUESTS = 500_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_health(url: str, timeout: float = 60.0) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            if httpx.get(url + "api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server at {url} did not come up in {timeout} s")


def make_runs(url: str, n: int, members: int, world_members: int = 0) -> list[str]:
    """``n`` neighbourhood runs, plus one world run of ``world_members`` (0: none)."""
    ids = []
    with httpx.Client(base_url=url, timeout=30) as c:
        for i in range(n):
            r = c.post("api/runs", json={"members": members, "seed": 100 + i,
                                         "levers": {"russia_assertion": 0.3 + 0.2 * i}})
            r.raise_for_status()
            ids.append(r.json()["id"])
        if world_members:
            r = c.post("api/runs", json={"scenario": "russia-world", "members": world_members,
                                         "seed": 7, "end": 2030})
            r.raise_for_status()
            ids.append(r.json()["id"])
        for rid in ids:
            t0 = time.monotonic()
            while c.get(f"api/runs/{rid}").json()["status"] in ("queued", "running"):
                if time.monotonic() - t0 > 300:
                    raise SystemExit(f"run {rid} did not finish")
                time.sleep(0.2)
    return ids


def make_coalition(url: str) -> str:
    """Ask one coalition question and wait for it: its answer is then a cached page."""
    with httpx.Client(base_url=url, timeout=60) as c:
        r = c.post("api/coalition", json={"target": "UKR", "year": 2022, "members": 200})
        r.raise_for_status()
        job = r.json()
        t0 = time.monotonic()
        while job["status"] == "running":
            if time.monotonic() - t0 > 120:
                raise SystemExit("the coalition forecast did not finish")
            time.sleep(0.2)
            job = c.get(f"api/coalition/{job['id']}").json()
        if job["status"] != "complete":
            raise SystemExit(f"the coalition forecast ended {job['status']}: {job['error']}")
        return str(job["id"])


class Conn:
    """One keep-alive HTTP/1.1 connection: GET requests, bodies read by Content-Length."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        for attempt in range(2):  # reconnect once if the server closed an idle connection
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            assert self.reader is not None
            try:
                self.writer.write(f"GET /{path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                                  "Accept: */*\r\nAccept-Encoding: gzip\r\n\r\n".encode())
                await self.writer.drain()
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
                continue
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {k.strip().lower(): v.strip() for k, _, v in
                       (ln.partition(":") for ln in lines[1:] if ln)}
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
            if headers.get("connection", "").lower() == "close":
                await self.close()
            return status, body
        raise ConnectionError("unreachable")

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def user(uid: int, url: str, deadline: float, args: argparse.Namespace,
               lat: dict[str, list[float]], errors: list[str], budget: list[int]) -> None:
    rng = random.Random(args.seed * 100_003 + uid)  # each user's own stream, reproducible
    u = urlparse(url)
    conn = Conn(u.hostname or "127.0.0.1", u.port or 80)

    async def get(label: str, path: str) -> tuple[int, Any] | None:
        if budget[0] <= 0 or time.monotonic() > deadline:
            return None
        budget[0] -= 1
        t0 = time.perf_counter()
        try:
            status, body = await conn.get(path)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors.append(f"{label}: {type(exc).__name__}")
            await conn.close()
            return None
        lat[label].append((time.perf_counter() - t0) * 1000)
        if status != 200:
            errors.append(f"{label}: HTTP {status}")
        return status, body

    async def think() -> None:
        await asyncio.sleep(rng.uniform(args.think_min, args.think_max))

    await asyncio.sleep(rng.uniform(0, max(args.think_max, 0.5)))  # users arrive spread out
    if args.coalition_id:  # the world pages: outlines once (browsers cache them), an answer
        await get("world map", "api/worldmap.svg")
    while time.monotonic() < deadline and budget[0] > 0:
        r = await get("list runs", "api/runs?limit=50&status=complete")
        if r is None or r[0] != 200:
            break
        done = [x["id"] for x in json.loads(r[1])["runs"]]
        if not done:
            break
        await think()
        rid = rng.choice(done)
        await get("run status", f"api/runs/{rid}")
        await get("run view", f"api/runs/{rid}/view")
        await think()
        if len(done) > 1:
            a, b = rng.sample(done, 2)
            await get("compare", f"api/compare?a={a}&b={b}")
            await think()
        await get("evidence", "api/scenarios/russia-neighbourhood/evidence")
        await get("health", "api/health")
        if args.coalition_id:
            await get("coalition", f"api/coalition/{args.coalition_id}")
        await think()
    await conn.close()


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


async def browse(url: str, args: argparse.Namespace) -> tuple[dict[str, list[float]], list[str],
                                                              float]:
    lat: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    budget = [args.max_requests]
    t0 = time.monotonic()
    deadline = t0 + args.duration
    await asyncio.gather(*(user(i, url, deadline, args, lat, errors, budget)
                           for i in range(args.users)))
    return lat, errors, time.monotonic() - t0


def run_locust(url: str, args: argparse.Namespace) -> int:
    """Run benchmarks/locustfile.py headless against ``url``; print its figures."""
    import csv
    import shutil

    exe = shutil.which("locust") or str(Path(sys.executable).parent / "locust")
    if not Path(exe).exists():
        raise SystemExit("Locust is not installed: pip install locust (or '.[bench]')")
    with tempfile.TemporaryDirectory(prefix="multipolar-locust-") as out:
        cmd = [exe, "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
               "-u", str(args.users), "-r", str(min(args.users, 50)),
               "-t", f"{int(args.duration)}s", "--host", url.rstrip("/"),
               "--csv", str(Path(out) / "l"), "--only-summary", "--loglevel", "WARNING"]
        print("$", " ".join(cmd))
        subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL)
        rows = list(csv.DictReader(open(Path(out) / "l_stats.csv", encoding="utf-8")))
    print(f"\nLocust: {args.users} users, think 0.5-2 s, {args.duration:.0f} s")
    print(f"{'endpoint':<12} {'n':>7} {'fail':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for r in rows:
        print(f"{r['Name']:<12} {r['Request Count']:>7} {r['Failure Count']:>5} "
              f"{r['50%']:>8} {r['95%']:>8} {r['99%']:>8}")
    agg = next(r for r in rows if r["Name"] == "Aggregated")
    ok = int(agg["Failure Count"]) == 0 and float(agg["95%"]) < args.p95_ms
    print(f"\np95 {agg['95%']} ms (target < {args.p95_ms:.0f} ms), "
          f"{agg['Failure Count']} failures: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--duration", type=float, default=20.0, help="seconds of browsing")
    ap.add_argument("--think-min", type=float, default=0.5)
    ap.add_argument("--think-max", type=float, default=2.0)
    ap.add_argument("--runs", type=int, default=3, help="runs to make before browsing")
    ap.add_argument("--members", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--world-members", type=int, default=24,
                    help="members of the one world run (russia-world) browsed too; 0: none, "
                         "and no world map or coalition requests")
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--p95-ms", type=float, default=300.0)
    ap.add_argument("--with-run", action="store_true",
                    help="keep a 2,000-member run going while users browse")
    ap.add_argument("--url", help="an already running server on this machine (loopback only)")
    ap.add_argument("--locust", action="store_true",
                    help="drive the users with Locust (benchmarks/locustfile.py, the same "
                         "browsing user; needs `pip install locust`) instead of the built-in "
                         "asyncio client")
    args = ap.parse_args()
    if not (1 <= args.users <= MAX_USERS and 0 < args.duration <= MAX_DURATION
            and 1 <= args.max_requests <= MAX_REQUESTS and 0 <= args.think_min <= args.think_max):
        ap.error(f"bounds: users 1-{MAX_USERS}, duration <= {MAX_DURATION} s, "
                 f"max-requests <= {MAX_REQUESTS}, 0 <= think-min <= think-max")
    proc = None
    tmp = None
    if args.url:
        host = urlparse(args.url).hostname or ""
        if host not in ("127.0.0.1", "localhost", "::1"):
            ap.error("--url must point at this machine (127.0.0.1, localhost or ::1)")
        url = args.url.rstrip("/") + "/"
    else:
        tmp = tempfile.TemporaryDirectory(prefix="multipolar-load-")
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        cmd = [sys.executable, "-c", "from multipolar.cli.main import main; main()", "serve",
               "--port", str(port), "--runs", str(Path(tmp.name) / "runs"), "--queue", "4"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_health(url)
        t0 = time.monotonic()
        ids = make_runs(url, args.runs, args.members, args.world_members) if args.runs else []
        args.coalition_id = make_coalition(url) if args.world_members else None
        print(f"server {url}; {len(ids)} runs made in {time.monotonic() - t0:.1f} s "
              f"({args.runs} of {args.members} members"
              f"{f', a world run of {args.world_members}' if args.world_members else ''}"
              f"{', a coalition answer' if args.coalition_id else ''})")
        if args.with_run:
            httpx.post(url + "api/runs", json={"members": 2000, "seed": 999}, timeout=30)
            print("a 2,000-member run is going in the background")
        if args.locust:
            return run_locust(url, args)
        lat, errors, wall = asyncio.run(browse(url, args))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if tmp is not None:
            tmp.cleanup()
    allv = [x for xs in lat.values() for x in xs]
    n = len(allv)
    print(f"\n{args.users} users, think {args.think_min}-{args.think_max} s, {wall:.1f} s: "
          f"{n} requests ({n / wall:.0f}/s), {len(errors)} errors")
    print(f"{'endpoint':<12} {'n':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for label, xs in [*sorted(lat.items()), ("ALL", allv)]:
        print(f"{label:<12} {len(xs):>7} {pct(xs, 50):>8.1f} {pct(xs, 95):>8.1f} "
              f"{pct(xs, 99):>8.1f} {max(xs or [float('nan')]):>8.1f}")
    if errors:
        print("errors (first 10):", *sorted(set(errors))[:10], sep="\n  ")
    mean = statistics.fmean(allv) if allv else float("nan")
    p95 = pct(allv, 95)
    ok = not errors and n > 0 and p95 < args.p95_ms
    print(f"\nmean {mean:.1f} ms, p95 {p95:.1f} ms (target < {args.p95_ms:.0f} ms): "
          f"{'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
