"""Fixtures for the dashboard tests: an app on a temporary runs folder and a tiny corpus.

The corpus is written here: one document per seed file name used by the scenario's lever
citations, holding each locator phrase inside sentences of our own, so the evidence viewer can
be tested without the seed documents.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from multipolar.web import Settings, backend, create_app

SMALL = {"members": 120, "seed": 11, "start": 1992, "end": 2000}


def write_corpus(folder: Path) -> dict[str, Any]:
    """A corpus with every lever citation's locator; returns one citation to look up."""
    folder.mkdir(parents=True, exist_ok=True)
    items = backend.evidence_items("russia-neighbourhood")
    docs: dict[str, list[str]] = {}
    first = None
    for it in items:
        if it["kind"] != "lever":
            continue
        for c in it["citations"]:
            docs.setdefault(c["doc"], []).append(
                f"A test paragraph opens here. Then: {c['locator']} and the test text goes on.")
            first = first or c
    for name, paras in docs.items():
        (folder / name).write_text("\n\n".join(paras) + "\n", encoding="utf-8")
    assert first is not None
    return first


def wait(client: TestClient, rid: str, timeout: float = 60.0) -> dict[str, Any]:
    """Poll a run until it leaves queued/running."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        meta = client.get(f"/api/runs/{rid}").json()
        if meta["status"] not in ("queued", "running"):
            return meta
        time.sleep(0.05)
    raise AssertionError(f"run {rid} did not finish in {timeout} s")


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    write_corpus(d)
    return d


@pytest.fixture(scope="session")
def shared_runs(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> dict[str, Any]:
    """Two finished small runs (seeds 11 and 12) in one runs folder, made once per session."""
    runs = tmp_path_factory.mktemp("runs")
    app = create_app(Settings(runs_dir=runs, corpus=corpus_dir))
    ids = []
    with TestClient(app) as c:
        for seed, levers in ((11, {}), (12, {"russia_assertion": 0.9})):
            r = c.post("/api/runs", json={**SMALL, "seed": seed, "levers": levers})
            assert r.status_code == 202, r.text
            ids.append(r.json()["id"])
        metas = [wait(c, i) for i in ids]
    assert [m["status"] for m in metas] == ["complete", "complete"], metas
    return {"runs": runs, "ids": ids, "metas": metas}


@pytest.fixture()
def client(shared_runs: dict[str, Any], corpus_dir: Path) -> Iterator[TestClient]:
    """A client of a fresh app (restarted server) on the shared runs folder."""
    app = create_app(Settings(runs_dir=shared_runs["runs"], corpus=corpus_dir))
    with TestClient(app) as c:
        yield c


@pytest.fixture()
def fresh(tmp_path: Path, corpus_dir: Path) -> Iterator[TestClient]:
    """A client of an app with an empty runs folder."""
    app = create_app(Settings(runs_dir=tmp_path / "runs", corpus=corpus_dir))
    with TestClient(app) as c:
        yield c


WORLD = {"scenario": "russia-world", "members": 24, "seed": 5, "start": 1992, "end": 2022}
"""A small world run: every UN member state, few members, a few projected years."""


@pytest.fixture(scope="session")
def world_run(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> dict[str, Any]:
    """One finished small world run in its own runs folder, made once per session."""
    runs = tmp_path_factory.mktemp("world-runs")
    app = create_app(Settings(runs_dir=runs, corpus=corpus_dir))
    with TestClient(app) as c:
        r = c.post("/api/runs", json=WORLD)
        assert r.status_code == 202, r.text
        meta = wait(c, r.json()["id"], timeout=180)
    assert meta["status"] == "complete", meta
    return {"runs": runs, "id": meta["id"], "meta": meta}


@pytest.fixture()
def world_client(world_run: dict[str, Any], shared_runs: dict[str, Any],
                 tmp_path: Path) -> Iterator[TestClient]:
    """A client on a runs folder holding the world run and the two neighbourhood runs."""
    import shutil

    runs = tmp_path / "runs"
    runs.mkdir()
    for rid in shared_runs["ids"]:
        shutil.copytree(shared_runs["runs"] / rid, runs / rid)
    shutil.copytree(world_run["runs"] / world_run["id"], runs / world_run["id"])
    app = create_app(Settings(runs_dir=runs))
    with TestClient(app) as c:
        yield c
