"""The world pages' API: world views, the map outlines, the coalition what-if, mixed compares."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from multipolar.web import backend
from multipolar.web import coalition as wc
from multipolar.web.world import world_observed


def _job(c: TestClient, body: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
    r = c.post("/api/coalition", json=body)
    assert r.status_code == 202, r.text
    job = r.json()
    t0 = time.monotonic()
    while job["status"] == "running":
        assert time.monotonic() - t0 < timeout, job
        time.sleep(0.05)
        job = c.get(f"/api/coalition/{job['id']}").json()
    return job


def test_the_standing_csv_holds_the_poles_and_every_ideal_point(
        world_client: TestClient, world_run: dict[str, Any]) -> None:
    v = world_client.get(f"/api/runs/{world_run['id']}/view").json()
    res = world_client.get(f"/api/runs/{world_run['id']}/download/standing.csv")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    lines = res.text.strip().splitlines()
    assert lines[0] == "kind,actor,year,p05,p25,median,p75,p95"
    rows = [x.split(",") for x in lines[1:]]
    years = v["years"]
    poles = [r for r in rows if r[0] == "pole"]
    assert len(poles) == 2 * len(years)
    for r in poles:
        t = years.index(int(r[2]))
        assert float(r[5]) == pytest.approx(v["poles"][r[1]]["median"][t], abs=1e-4)
    ideal = [r for r in rows if r[0] == "ideal_point"]
    assert len(ideal) == 193 * len(years)
    deu = {int(r[2]): float(r[5]) for r in ideal if r[1] == "DEU"}
    assert [deu[y] for y in years] == pytest.approx(v["ideal_point"]["DEU"]["median"], abs=1e-4)


def test_world_view_has_states_groups_and_observed(world_client: TestClient,
                                                   world_run: dict[str, Any]) -> None:
    v = world_client.get(f"/api/runs/{world_run['id']}/view").json()
    assert v["kind"] == "world" and v["version"] == backend.VIEW_VERSION
    assert len(v["actors"]) == 193 and v["names"]["BRA"] == "Brazil"
    assert v["groups"]["DEU"] == "west" and v["group_labels"]["west"] == "the West"
    until = v["observed_until"]
    assert until == 2019 and v["years"][-1] == 2022
    # observed values come from the bundled table and stop at the last observed year
    obs = world_observed(until)
    for iso in ("IND", "USA", "UKR"):
        for t, y in enumerate(v["years"]):
            want = obs[iso].get(y)
            got = v["observed"][iso][t]
            assert (got is None) == (want is None or y > until)
            if got is not None:
                assert got == pytest.approx(want, abs=1e-4)
    # group means: the mean of the members' medians, year by year
    west = [a for a in v["actors"] if v["groups"][a] == "west"]
    t = v["years"].index(2021)
    mean = np.mean([v["alignment"][a]["median"][t] for a in west])
    assert v["group_means"]["west"]["model"][t] == pytest.approx(mean, abs=1e-3)
    assert v["group_means"]["west"]["states"] == len(west)
    assert v["group_means"]["west"]["observed"][t] is None  # 2021 is projected
    # Russia's outcomes the world model does not move are named, and they are flat
    for k in v["russia_constant"]:
        vals = [x for q in v["russia"][k].values() for x in q]
        assert max(vals) - min(vals) < 1e-6
    moving = set(v["russia"]) - set(v["russia_constant"])
    assert moving, "some outcome of Russia moves"
    for k in moving:
        vals = [x for q in v["russia"][k].values() for x in q if x is not None]
        assert max(vals) - min(vals) > 1e-6
    # observed channels: trade in the last year with data, arms over the last five
    kaz = v["channels"]["KAZ"]
    cy = __import__("multipolar.data.global_tables", fromlist=["x"]).load_world().country_year
    row = cy[(cy["iso3"] == "KAZ") & (cy["year"] == kaz["trade"]["year"])].iloc[0]
    assert kaz["trade"]["russia"] == pytest.approx(row["trade_share_russia"], abs=1e-4)
    assert kaz["trade"]["west"] == pytest.approx(row["trade_share_us"] + row["trade_share_eu27"],
                                                 abs=1e-4)
    assert kaz["arms"]["years"][1] <= until and 0 <= kaz["arms"]["russia"] <= 1
    # spheres: three poles per state, shares in [0, 1]
    sp = v["sphere"]["KAZ"]
    assert set(sp) == {"russia", "china", "west"}
    assert all(0 <= x <= 1 for pole in sp.values() for x in pole["median"])
    assert set(v["sphere_channels"]["KAZ"]) == {"trade", "arms", "security", "investment"}
    # the data's scale: every state's ideal point and the poles, the summary's own numbers
    assert set(v["poles"]) == {"russia", "us"}
    assert v["poles"]["russia"] == v["russia"]["russia_position"]
    assert v["poles"]["us"] == v["russia"]["us_position"]
    for t in range(len(v["years"])):
        # Russia's own ideal point is its pole; a state between the poles lies between them
        assert v["ideal_point"]["RUS"]["median"][t] == pytest.approx(
            v["poles"]["russia"]["median"][t], abs=1e-3)
        assert v["ideal_point"]["USA"]["median"][t] == pytest.approx(
            v["poles"]["us"]["median"][t], abs=1e-3)
    assert len(v["ideal_point"]) == 193


def test_old_stored_view_is_rebuilt(world_client: TestClient, world_run: dict[str, Any],
                                    tmp_path: Any) -> None:
    rid = world_run["id"]
    folder = world_client.app.state.settings.runs_dir / rid  # type: ignore[attr-defined]
    vfile = folder / "view.json"
    old = json.loads(vfile.read_text())
    for k in ("version", "kind", "names", "groups", "group_means"):
        old.pop(k, None)
    vfile.write_text(json.dumps(old))
    world_client.app.state.manager._views.clear()  # type: ignore[attr-defined]
    v = world_client.get(f"/api/runs/{rid}/view").json()
    assert v["kind"] == "world" and "BRA" in v["names"]


def test_world_map_outlines(world_client: TestClient) -> None:
    r = world_client.get("/api/worldmap.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    text = r.text
    assert r.headers["content-encoding"] == "gzip"  # browsers (and httpx) accept it
    plain = world_client.get("/api/worldmap.svg", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == text
    assert len(plain.content) < 800_000  # points on a half-pixel grid
    codes = set(re.findall(r'data-iso3="([A-Z]{3})"', text))
    assert {"RUS", "USA", "BRA", "IND", "UKR"} <= codes and len(codes) > 170
    # offline: no script, no external reference
    assert "<script" not in text and "href" not in text
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text)


def test_neighbourhood_view_is_not_a_world(client: TestClient,
                                           shared_runs: dict[str, Any]) -> None:
    v = client.get(f"/api/runs/{shared_runs['ids'][0]}/view").json()
    assert v["kind"] == "neighbourhood" and "group_means" not in v
    assert "Belarus" in v["sphere"]


def test_view_and_csv_carry_russias_share_per_channel(client: TestClient,
                                                      shared_runs: dict[str, Any]) -> None:
    """The state view's channels are the run summary's, year by year; the CSV has them too."""
    rid = shared_runs["ids"][0]
    v = client.get(f"/api/runs/{rid}/view").json()
    summary = client.get(f"/api/runs/{rid}/download/summary.json").json()
    ch = v["sphere_channels"]
    assert set(ch) == set(summary["sphere_channels"]) and "Russia" not in ch
    belarus = ch["Belarus"]
    assert list(belarus) == ["trade", "arms", "security", "investment"]
    for c, fan in belarus.items():
        for t, y in enumerate(v["years"]):
            want = summary["sphere_channels"]["Belarus"][str(y)][c]
            assert [fan[q][t] for q in ("p05", "median", "p95")] == \
                [pytest.approx(want[q], abs=6e-5) for q in ("p05", "median", "p95")]
    end = len(v["years"]) - 1
    assert len({round(fan["median"][end], 3) for fan in belarus.values()}) == 4
    text = client.get(f"/api/runs/{rid}/download/sphere.csv").text
    lines = text.splitlines()
    assert lines[0] == "actor,share,year,p05,median,p95"
    y = v["years"][end]
    row = next(line for line in lines if line.startswith(f"Belarus,russia: arms,{y},"))
    assert float(row.split(",")[4]) == pytest.approx(belarus["arms"]["median"][end], abs=1e-4)
    assert any(line.startswith(f"Belarus,west (all channels),{y},") for line in lines)


def test_scenario_info_labels_and_kind(client: TestClient) -> None:
    nb = client.get("/api/scenarios/russia-neighbourhood").json()
    labels = {lv["name"]: lv["label"] for lv in nb["levers"]}
    assert labels["eaeu_sreb_link"] == "EAEU–Silk Road link"
    assert nb["world"] is False
    w = client.get("/api/scenarios/russia-world").json()
    assert w["world"] is True
    assert any(p["path"] == "kindred_regimes.support" for p in w["parameters"])
    assert backend.lever_label("csto_pull") == "CSTO pull"


def test_compare_neighbourhood_with_world_uses_shared_states(
        world_client: TestClient, world_run: dict[str, Any],
        shared_runs: dict[str, Any]) -> None:
    a, b = shared_runs["ids"][0], world_run["id"]
    r = world_client.get("/api/compare", params={"a": a, "b": b})
    assert r.status_code == 200, r.text
    cmp = r.json()
    shared = dict(cmp["shared"])
    assert shared["Belarus"] == "BLR" and shared["Ukraine"] == "UKR"
    assert "EU" not in shared  # not a state of the world run
    assert cmp["note"] and "in both" in cmp["note"]
    va = world_client.get(f"/api/runs/{a}/view").json()
    vb = world_client.get(f"/api/runs/{b}/view").json()
    row = next(x for x in cmp["rows"] if x["actor"] == "Belarus")
    t_a, t_b = va["years"].index(cmp["year"]), vb["years"].index(cmp["year"])
    assert row["a"] == va["alignment"]["Belarus"]["median"][t_a]
    assert row["b"] == vb["alignment"]["BLR"]["median"][t_b]
    assert row["diff"] == pytest.approx(row["b"] - row["a"], abs=1e-4)
    assert cmp["provenance"]["b"].startswith("russia-world:")


def test_coalition_is_cached_by_settings(world_client: TestClient) -> None:
    body = {"target": "UKR", "year": 2022, "members": 60, "seed": 3}
    first = _job(world_client, body)
    assert first["status"] == "complete", first
    res = first["result"]
    assert len(res["states"]) == 193
    assert sum(t["expected"] for t in res["totals"].values()) == pytest.approx(193, abs=0.5)
    folder = world_client.app.state.settings.runs_dir / "coalition"  # type: ignore[attr-defined]
    assert (folder / f"{first['id']}.json").is_file()
    again = _job(world_client, body)
    assert again["id"] == first["id"] and again["result"] == res
    # a new server answers from the store
    fresh = wc.CoalitionJobs(folder.parent)
    stored = fresh.submit(wc.CoalitionSettings(target="UKR", year=2022, members=60, seed=3))
    assert stored["status"] == "complete" and stored["step"] == "from the store"
    assert stored["result"] == res
    # another question, another answer
    later = _job(world_client, {**body, "year": 2030})
    assert later["id"] != first["id"]
    assert later["result"]["totals"] != res["totals"]
    assert "--event use_of_force:UKR@2030" in later["cli"]


def test_coalition_refuses_what_an_older_version_cannot_do(
        world_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A forecast that takes none of the optional settings: each is refused, not ignored."""
    monkeypatch.setattr(wc, "accepted", lambda: set())
    base = {"target": "UKR", "year": 2022, "members": 20}
    cases = {"levers": [{"path": "kindred_regimes.support", "value": 0.3, "year": 2020}],
             "perspective": "kremlin", "hypothesis": "strategic",
             "resolution": "condemnation", "vote_year": 2023}
    for key, value in cases.items():
        r = world_client.post("/api/coalition", json={**base, key: value})
        assert r.status_code == 400, (key, r.text)
        body = r.json()
        assert "not supported by this version" in body["detail"] and body["fix"]


def test_coalition_passes_every_setting_on(world_client: TestClient,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The what-if reaches the forecast whole, and comes with the same question without levers."""
    from multipolar.votes import coalition as core

    real = core.coalition_forecast
    seen: list[Any] = []

    def spy(settings: Any, **kw: Any) -> dict[str, Any]:
        seen.append(settings)
        return real(settings, **kw)

    monkeypatch.setattr(core, "coalition_forecast", spy)
    job = _job(world_client, {"target": "GEO", "year": 2024, "members": 12, "seed": 9,
                              "perspective": "kremlin", "hypothesis": "opportunist",
                              "resolution": "humanitarian", "vote_year": 2025,
                              "events": ["use_of_force:MDA@2023"],
                              "levers": [{"path": "russia_arms_deliveries", "value": 1.0,
                                          "year": 2020}]}, timeout=240)
    assert job["status"] == "complete", job
    with_levers = next(x for x in seen if x.sets)
    assert with_levers.sets == ("russia_arms_deliveries=1@2020",)
    assert with_levers.events == ("use_of_force:GEO@2024", "use_of_force:MDA@2023")
    assert (with_levers.perspective, with_levers.hypothesis) == ("kremlin", "opportunist")
    assert (with_levers.resolution, with_levers.vote_year) == ("humanitarian", 2025)
    assert any(not x.sets and x.perspective == "kremlin" for x in seen)  # the base
    assert job["base"] is not None
    assert job["result"]["resolution"]["kind"] == "humanitarian"
    assert job["settings"]["sets"] == ["russia_arms_deliveries=1@2020"]


def test_coalition_perspective_changes_the_answer(world_client: TestClient) -> None:
    body = {"target": "UKR", "year": 2024, "members": 16, "seed": 2}
    plain = _job(world_client, body, timeout=240)
    west = _job(world_client, {**body, "perspective": "western"}, timeout=240)
    assert plain["status"] == west["status"] == "complete"
    assert plain["result"]["states"] != west["result"]["states"]


def test_coalition_cancel_discards(world_client: TestClient,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()

    def slow(settings: wc.CoalitionSettings, *hooks: Any) -> dict[str, Any]:
        gate.wait(10)  # a forecast that never asks its cancel hook: its answer is dropped
        return {"event": {}, "totals": {}, "states": []}

    monkeypatch.setattr(wc, "run_forecast", slow)
    r = world_client.post("/api/coalition", json={"target": "MDA", "year": 2026, "members": 5})
    job = r.json()
    assert job["status"] == "running"
    c = world_client.post(f"/api/coalition/{job['id']}/cancel")
    assert c.status_code == 200 and c.json()["status"] == "cancelled"
    gate.set()
    time.sleep(0.2)
    assert world_client.get(f"/api/coalition/{job['id']}").json()["status"] == "cancelled"
    folder = world_client.app.state.settings.runs_dir / "coalition"  # type: ignore[attr-defined]
    assert not (folder / f"{job['id']}.json").exists()
    again = world_client.post(f"/api/coalition/{job['id']}/cancel")
    assert again.status_code == 409


def test_coalition_progress_is_a_fraction_that_grows_to_one(world_client: TestClient) -> None:
    """Members simulated of all the job simulates (both forecasts of a what-if), with an ETA."""
    body = {"target": "MDA", "year": 2024, "members": 300, "seed": 21,
            "levers": [{"path": "russia_arms_deliveries", "value": 1.0, "year": 2020}]}
    r = world_client.post("/api/coalition", json=body)
    assert r.status_code == 202, r.text
    job = r.json()
    seen = [job["progress"]]
    t0 = time.monotonic()
    while job["status"] == "running":
        assert time.monotonic() - t0 < 240, job
        time.sleep(0.05)
        job = world_client.get(f"/api/coalition/{job['id']}").json()
        seen.append(job["progress"])
    assert job["status"] == "complete", job
    fractions = [p["fraction"] for p in seen]
    assert all(a <= b for a, b in itertools.pairwise(fractions)), fractions
    assert fractions[-1] == 1.0 and seen[-1]["percent"] == 100.0
    assert seen[-1]["members_done"] == seen[-1]["members_total"] == 600  # two forecasts
    running = [p for p in seen[:-1] if p["stage"] == "members" and 0 < p["fraction"] < 1]
    assert running, seen  # caught on its way (6 chunks of 50 members per forecast)
    for p in running:
        assert p["percent"] == pytest.approx(100 * p["members_done"] / 600, abs=0.1)
        assert p["eta_seconds"] is not None and p["eta_seconds"] >= 0
    assert job["stopped"] is True


def test_coalition_cancel_stops_the_computation_and_frees_the_worker(
        world_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cancelled after its first chunks: the rest never runs, the thread ends, nothing kept."""
    from multipolar.votes import coalition as core

    real = core._member_probs
    ran: list[int] = []

    def slow(start: int, stop: int, **kw: Any) -> Any:
        ran.append(start)
        time.sleep(0.2)  # a slow chunk, so that the cancel comes in the middle
        return real(start, stop, **kw)

    monkeypatch.setattr(core, "_member_probs", slow)
    jobs: wc.CoalitionJobs = world_client.app.state.coalition  # type: ignore[attr-defined]
    r = world_client.post("/api/coalition", json={"target": "GEO", "year": 2025,
                                                  "members": 1000, "seed": 17})
    job = r.json()
    total_chunks = 1000 // 50
    t0 = time.monotonic()
    while job["progress"]["members_done"] < 50:  # the first chunk is done
        assert time.monotonic() - t0 < 120 and job["status"] == "running", job
        time.sleep(0.02)
        job = world_client.get(f"/api/coalition/{job['id']}").json()
    c = world_client.post(f"/api/coalition/{job['id']}/cancel")
    assert c.status_code == 200 and c.json()["status"] == "cancelled"
    thread = jobs.threads[job["id"]]
    thread.join(10)
    assert not thread.is_alive()  # the worker thread ended...
    assert len(ran) < total_chunks // 2, ran  # ...well before the end: at the next chunk
    after = world_client.get(f"/api/coalition/{job['id']}").json()
    assert after["stopped"] is True and after["status"] == "cancelled"
    assert after["progress"]["members_done"] == 50 * len(ran) < 1000
    assert not jobs.active  # its place is free
    folder = world_client.app.state.settings.runs_dir / "coalition"  # type: ignore[attr-defined]
    assert not (folder / f"{job['id']}.json").exists()  # no half result
    assert after["result"] is None
    time.sleep(0.5)
    assert len(ran) == after["progress"]["members_done"] // 50  # and nothing ran since
    # the same question again is computed afresh, not answered from a half result
    monkeypatch.setattr(core, "_member_probs", real)
    again = _job(world_client, {"target": "GEO", "year": 2025, "members": 1000, "seed": 17},
                 timeout=240)
    assert again["status"] == "complete" and again["progress"]["fraction"] == 1.0
    assert again["step"] != "from the store"


@pytest.mark.parametrize("body,status,words", [
    ({"target": "XXX", "year": 2022}, 400, "not a UN member"),
    ({"target": "RUS", "year": 2022}, 400, "other than Russia"),
    ({"target": "UKR", "year": 1800}, 422, "year"),
    ({"target": "UKR", "year": 2022, "members": 50_000}, 422, "members"),
    ({"target": "UKR", "year": 2022, "bogus": 1}, 422, "bogus"),
    ({"target": "UK", "year": 2022}, 422, "target"),
    ({"target": "UKR", "year": 2022, "kind": "invasion"}, 400, "invasion"),
    ({"target": "UKR", "year": 2022, "resolution": "bogus"}, 400, "unknown kind of resolution"),
    ({"target": "UKR", "year": 2022, "vote_year": 2021}, 400, "before the event"),
    ({"target": "UKR", "year": 2015}, 400, "hindsight"),
    ({"target": "UKR", "year": 2022, "events": ["nonsense"]}, 422, "events"),
    ({"target": "UKR", "year": 2022, "scenario": "russia-neighbourhood"}, 400, "actor_sets"),
    ({"target": "UKR", "year": 2022, "scenario": "nope"}, 404, "no bundled scenario"),
    ({"target": "UKR", "year": 2022, "levers": [{"path": "../etc", "value": 1}]}, 422, "path"),
    ({"target": "UKR", "year": 2022, "levers": [{"path": "a.b", "value": "inf"}]}, 422,
     "value"),
])
def test_coalition_bad_input(world_client: TestClient, body: dict[str, Any], status: int,
                             words: str) -> None:
    r = world_client.post("/api/coalition", json=body)
    assert r.status_code == status, r.text
    assert words in r.text


def test_coalition_job_ids(world_client: TestClient) -> None:
    assert world_client.get("/api/coalition/" + "0" * 20).status_code == 404
    assert world_client.get("/api/coalition/../x").status_code in (404, 422)
    assert world_client.get("/api/coalition/ZZZ").status_code == 422
    opts = world_client.get("/api/coalition/options").json()
    assert any(s["iso3"] == "UKR" for s in opts["states"])
    assert all(s["iso3"] != "RUS" for s in opts["states"])
    assert world_client.get("/api/coalition/options",
                            params={"scenario": "russia-neighbourhood"}).status_code == 400


def test_report_world_map_and_coalition_table(world_run: dict[str, Any], tmp_path: Any) -> None:
    from multipolar.report.build import _coalition_html, _world_map_html

    summary = json.loads((world_run["runs"] / world_run["id"] / "web-summary.json").read_text())
    page = _world_map_html(summary)
    assert page.count("<svg") == 2  # last observed year and last year
    med = summary["alignment"]["IND"]["2022"]["median"]
    assert 'data-iso3="IND" fill=' in page and f'data-value="{med:.4f}"' in page
    assert _world_map_html({"actors": ["Belarus", "Ukraine"], "years": [2000]}) == ""
    res = wc.run_forecast(wc.CoalitionSettings(target="UKR", year=2022, members=20))
    (tmp_path / "coalition.json").write_text(json.dumps(res))
    table = _coalition_html(tmp_path)
    worst = next(s for s in res["states"] if not s.get("fixed"))
    assert worst["name"] in table and "expected" in table
