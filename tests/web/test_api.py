"""The dashboard API end to end: scenarios, runs, results, downloads, compare, persistence."""

from __future__ import annotations

import io
import json
import shlex
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from multipolar.cli.main import app as cli_app
from multipolar.web import Settings, backend, create_app
from tests.web.conftest import SMALL, wait


def test_health_and_limits(client: TestClient) -> None:
    h = client.get("/api/health").json()
    assert h["status"] == "ok" and h["corpus"] is True and h["runs"] >= 2
    lim = client.get("/api/limits").json()
    assert lim["max_members"] == 20_000 and lim["max_span"] == 150


def test_page_and_local_plotly(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "/vendor/plotly.min.js" in page.text
    assert "cdn" not in page.text.lower()
    js = client.get("/vendor/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000
    assert client.get("/static/app.js").status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_openapi_published(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/runs" in spec["paths"] and "/api/runs/{run_id}/view" in spec["paths"]
    body = spec["components"]["schemas"]["RunRequest"]["properties"]
    assert body["members"]["maximum"] == 20_000


def test_perspective_changes_effective_levers(client: TestClient) -> None:
    base = client.get("/api/scenarios/russia-neighbourhood").json()
    west = client.get("/api/scenarios/russia-neighbourhood",
                      params={"perspective": "western_analysts"}).json()
    lv = {x["name"]: x["value"] for x in base["levers"]}
    lw = {x["name"]: x["value"] for x in west["levers"]}
    # the scenario file sets assertion 0.5; the western_analysts overlay leaves the lever
    # alone (its view works through the rally motive and threat gain, fidelity.md)
    assert lv["russia_assertion"] == pytest.approx(0.5)
    assert lw["russia_assertion"] == pytest.approx(0.5)
    assert {p["name"] for p in base["perspectives"]} >= {"kremlin", "western_analysts"}
    assert base["oil"]["path"] == backend.OIL_SET


def test_finished_run_view_is_consistent(client: TestClient, shared_runs: dict[str, Any]) -> None:
    rid = shared_runs["ids"][0]
    meta = client.get(f"/api/runs/{rid}").json()
    assert meta["status"] == "complete" and meta["progress"]["fraction"] == 1.0
    v = client.get(f"/api/runs/{rid}/view").json()
    assert v["years"] == list(range(1992, 2001)) and v["members"] == 120 and v["seed"] == 11
    assert v["roles"]["Belarus"] == "neighbour"
    for fan in v["alignment"].values():
        a = np.array([fan[q] for q in ("p05", "p25", "median", "p75", "p95")], dtype=float)
        assert np.all(np.diff(a, axis=0) >= -1e-9)  # quantiles are ordered
    for table in v["memberships"].values():
        for probs in table.values():
            assert all(0.0 <= p <= 1.0 for p in probs)


def test_cli_command_reproduces_the_run(client: TestClient, shared_runs: dict[str, Any],
                                        tmp_path: Path) -> None:
    rid = shared_runs["ids"][1]  # the run with a changed lever
    meta = client.get(f"/api/runs/{rid}").json()
    assert "--set levers.russia_assertion=0.9" in meta["cli"]
    args = shlex.split(meta["cli"])
    assert args[:2] == ["multipolar", "run"]
    out = args.index("--out")
    args[out + 1] = str(tmp_path / "again")
    res = CliRunner().invoke(cli_app, [*args[1:], "--json", "--quiet", "--no-plots"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    view = client.get(f"/api/runs/{rid}/view").json()
    for actor in ("Belarus", "Georgia", "Kazakhstan"):
        medians = [summary["alignment"][actor][str(y)]["median"] for y in view["years"]]
        assert medians == pytest.approx(view["alignment"][actor]["median"], abs=1e-4)


def test_downloads(client: TestClient, shared_runs: dict[str, Any]) -> None:
    rid = shared_runs["ids"][0]
    v = client.get(f"/api/runs/{rid}/view").json()
    csv = client.get(f"/api/runs/{rid}/download/alignment.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0] == "actor,year,p05,p25,median,p75,p95,observed"
    assert len(lines) - 1 == len(v["actors"]) * len(v["years"])
    mem = client.get(f"/api/runs/{rid}/download/memberships.csv").text.splitlines()
    assert mem[0] == "institution,actor,year,probability" and len(mem) > 1
    # no ideal-point data in the neighbourhood: only its poles, 0 and 1 by definition
    st = [x.split(",") for x in
          client.get(f"/api/runs/{rid}/download/standing.csv").text.strip().splitlines()[1:]]
    assert {r[0] for r in st} == {"pole"} and len(st) == 2 * len(v["years"])
    assert {(r[1], float(r[5])) for r in st} == {("russia", 0.0), ("us", 1.0)}
    pqr = client.get(f"/api/runs/{rid}/download/actors.parquet")
    assert pqr.status_code == 200
    table = pq.read_table(io.BytesIO(pqr.content))
    assert table.num_rows == 120 * len(v["years"]) * len(v["actors"])
    assert {"member", "year", "actor", "alignment"} <= set(table.column_names)
    rep = client.get(f"/api/runs/{rid}/download/report.html")
    assert rep.status_code == 200 and "<html" in rep.text.lower()
    summ = client.get(f"/api/runs/{rid}/download/summary.json").json()
    assert summ["members"] == 120
    assert client.get(f"/api/runs/{rid}/download/secrets.txt").status_code == 422
    listing = client.get(f"/api/runs/{rid}/files").json()
    assert any(f["path"] == "catalogue.duckdb" for f in listing)
    chunk = next(f["path"] for f in listing if f["path"].startswith("chunks/"))
    assert client.get(f"/api/runs/{rid}/files/{chunk}").status_code == 200


def test_compare_two_runs(client: TestClient, shared_runs: dict[str, Any]) -> None:
    a, b = shared_runs["ids"]
    cmp = client.get("/api/compare", params={"a": a, "b": b}).json()
    assert cmp["year"] == 2000 and cmp["a"]["id"] == a and cmp["b"]["id"] == b
    va = client.get(f"/api/runs/{a}/view").json()
    vb = client.get(f"/api/runs/{b}/view").json()
    row = next(r for r in cmp["rows"] if r["actor"] == "Georgia")
    assert row["a"] == va["alignment"]["Georgia"]["median"][-1]
    assert row["diff"] == pytest.approx(vb["alignment"]["Georgia"]["median"][-1] - row["a"],
                                        abs=1e-4)
    assert client.get("/api/compare", params={"a": a, "b": b, "year": 1900}).status_code == 409


def test_restart_keeps_finished_runs(shared_runs: dict[str, Any], corpus_dir: Path) -> None:
    views = []
    for _ in range(2):  # two server lives on the same folder
        app = create_app(Settings(runs_dir=shared_runs["runs"], corpus=corpus_dir))
        with TestClient(app) as c:
            listed = {r["id"]: r["status"] for r in c.get("/api/runs").json()["runs"]}
            assert all(listed[i] == "complete" for i in shared_runs["ids"])
            views.append(c.get(f"/api/runs/{shared_runs['ids'][0]}/view").content)
    assert views[0] == views[1]


def test_interrupted_run_is_listed_and_resumes(fresh: TestClient, corpus_dir: Path) -> None:
    r = fresh.post("/api/runs", json={**SMALL, "members": 60})
    rid = r.json()["id"]
    assert wait(fresh, rid)["status"] == "complete"
    runs = Path(fresh.app.state.settings.runs_dir)  # type: ignore[attr-defined]
    meta_file = runs / rid / "web.json"
    meta = json.loads(meta_file.read_text())
    meta["status"] = "running"  # as if the server died mid-run
    meta_file.write_text(json.dumps(meta))
    (runs / rid / "view.json").unlink()
    app = create_app(Settings(runs_dir=runs, corpus=corpus_dir))
    with TestClient(app) as c:
        got = c.get(f"/api/runs/{rid}").json()
        assert got["status"] == "interrupted" and "resume" in got["error"]["fix"]
        assert c.get(f"/api/runs/{rid}/view").status_code == 409
        assert c.post(f"/api/runs/{rid}/resume").status_code == 202
        assert wait(c, rid)["status"] == "complete"
        assert c.get(f"/api/runs/{rid}/view").json()["members"] == 60


def test_cli_made_run_is_listed_with_the_clis_word_for_finished(tmp_path: Path,
                                                                 corpus_dir: Path) -> None:
    runs = tmp_path / "runs"
    args = ["run", "--members", "50", "--start", "1992", "--end", "1995", "--quiet",
            "--no-plots", "--json"]
    res = CliRunner().invoke(cli_app, [*args, "--out", str(runs / "from-cli")])
    assert res.exit_code == 0, res.output
    with TestClient(create_app(Settings(runs_dir=runs, corpus=corpus_dir))) as c:
        meta = c.get("/api/runs/from-cli").json()
        assert meta["status"] == "complete" and meta["source"] == "cli"
        assert c.get("/api/runs/from-cli/view").json()["years"] == [1992, 1993, 1994, 1995]
        # one word for a finished run: the CLI's `runs list` says the same as the API
        listed = json.loads(CliRunner().invoke(cli_app, ["runs", "list", str(runs),
                                                         "--json"]).stdout)
        assert [r["status"] for r in listed] == [meta["status"]]
        # a run written with --out while the server runs is listed without a restart
        res = CliRunner().invoke(cli_app, [*args, "--anchor", "0.5", "--out",
                                           str(runs / "later")])
        assert res.exit_code == 0, res.output
        body = c.get("/api/runs").json()
        assert "later" in [r["id"] for r in body["runs"]]
        # its anchor is part of how it was made: label and reproducing command say it
        later = c.get("/api/runs/later").json()
        assert "anchor 0.5" in later["label"] and "--anchor 0.5" in later["cli"]
        # and the dashboard says where it looks
        assert body["runs_folder"] == str(runs.resolve())
        assert c.get("/api/health").json()["runs_folder"] == str(runs.resolve())


def test_unknown_scenario_404_points_at_the_scenario_list(client: TestClient) -> None:
    r = client.get("/api/scenarios/no-such-scenario")
    assert r.status_code == 404
    assert "GET /api/scenarios" in r.json()["fix"] and "/api/runs" not in r.json()["fix"]
    r = client.get("/api/runs/no-such-run")
    assert r.status_code == 404 and "GET /api/runs" in r.json()["fix"]


def test_evidence_kinds_are_words(client: TestClient) -> None:
    items = client.get("/api/scenarios/russia-neighbourhood/evidence").json()["items"]
    kinds = {i["kind"] for i in items}
    assert "hypothese" not in kinds
    assert {i["kind"] for i in items if i["key"].startswith("hypotheses.")} <= {"hypothesis"}


def _blocking_execute(gate: threading.Event, started: threading.Event) -> Any:
    def execute(params: dict[str, Any], rundir: Path, progress: Any,
                resume: bool = False) -> dict[str, Any]:
        started.set()
        total = int(params["members"])
        for done in range(0, total + 1, max(1, total // 50)):
            progress(done, total)
            if gate.wait(0.02):
                break
        raise backend.RunCancelled  # the fake never finishes on its own

    return execute


def test_queue_is_bounded_cancel_works_and_server_responds(
        tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate, started = threading.Event(), threading.Event()
    monkeypatch.setattr(backend, "execute", _blocking_execute(gate, started))
    app = create_app(Settings(runs_dir=tmp_path / "runs", corpus=corpus_dir, queue_size=1))
    with TestClient(app) as c:
        first = c.post("/api/runs", json={**SMALL, "members": 5000}).json()["id"]
        assert started.wait(10)
        second = c.post("/api/runs", json=SMALL)
        assert second.status_code == 202  # waits in the queue (size 1)
        third = c.post("/api/runs", json=SMALL)
        assert third.status_code == 429 and third.headers["retry-after"] == "5"
        t0 = time.perf_counter()
        for _ in range(20):  # the server answers while a run is going
            assert c.get("/api/health").status_code == 200
            assert c.get(f"/api/runs/{first}").json()["status"] == "running"
        assert time.perf_counter() - t0 < 5
        queued = second.json()["id"]
        assert c.post(f"/api/runs/{queued}/cancel").json()["status"] == "cancelled"
        assert c.post(f"/api/runs/{first}/cancel").status_code == 200
        assert wait(c, first)["status"] == "cancelled"
        assert c.post(f"/api/runs/{first}/cancel").status_code == 409
        assert c.get(f"/api/runs/{queued}").json()["status"] == "cancelled"
        gate.set()


def test_real_run_can_be_cancelled(fresh: TestClient) -> None:
    rid = fresh.post("/api/runs", json={"members": 4000, "seed": 1}).json()["id"]
    t0 = time.monotonic()
    while fresh.get(f"/api/runs/{rid}").json()["status"] == "queued":
        assert time.monotonic() - t0 < 20
        time.sleep(0.02)
    assert fresh.post(f"/api/runs/{rid}/cancel").status_code == 200
    meta = wait(fresh, rid, timeout=30)
    assert meta["status"] == "cancelled"
    assert meta["progress"]["members_done"] < 4000


def test_fallback_report_uses_the_shared_summary_format(tmp_path: Path) -> None:
    from multipolar.core.textformat import band
    from multipolar.ensemble import RunSpec, run_ensemble

    summary = run_ensemble(RunSpec(members=20, seed=3, end=1995)).summary
    out = tmp_path / "report.html"
    backend._fallback_report(summary, {"id": "r1", "params": {
        "perspective": "kremlin", "hypothesis": None, "sets": ["levers.eu_offer=0.2"]}}, out)
    page = out.read_text(encoding="utf-8")
    q = summary["alignment"]["Belarus"]["1995"]
    assert band(q) in page
    assert "overrides: levers.eu_offer=0.2" in page and "perspective: kremlin" in page
