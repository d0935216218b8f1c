"""Path safety of downloads and the evidence viewer, the access token, input bounds."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from multipolar.core.errors import InputError, MultipolarError
from multipolar.web import Settings, create_app
from multipolar.web.runs import NotFound, safe_file
from tests.web.conftest import SMALL, write_corpus

TRAVERSALS = [
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "%2E%2E%2Fweb.json",
    "chunks/..%2f..%2f..%2fetc%2fpasswd",
    "%252e%252e%252fweb.json",           # double-encoded
    "..%5C..%5Cweb.json",                # backslashes
    "%2Fetc%2Fpasswd",                   # absolute
    "web.json%00.txt",                   # NUL byte
    ".%2Fweb.json",
    "chunks/.hidden",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_run_files_cannot_escape(client: TestClient, shared_runs: dict[str, Any],
                                 path: str) -> None:
    rid = shared_runs["ids"][0]
    r = client.get(f"/api/runs/{rid}/files/{path}")
    assert r.status_code in (400, 404, 422), (path, r.status_code)
    assert b"root:" not in r.content and b'"params"' not in r.content


def test_safe_file_refuses_dots_links_and_outside(tmp_path: Path) -> None:
    root = tmp_path / "run"
    (root / "chunks").mkdir(parents=True)
    (root / "chunks" / "a.parquet").write_bytes(b"x")
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    os.symlink(secret, root / "link.txt")
    os.symlink(tmp_path, root / "up")
    assert safe_file(root, "chunks/a.parquet") == (root / "chunks" / "a.parquet").resolve()
    for bad in ("../secret.txt", "chunks/../../secret.txt", "/etc/passwd", "..", ".", "",
                "chunks//a.parquet", "a\\..\\b", "x\x00y", "link.txt", "up/secret.txt"):
        with pytest.raises((InputError, NotFound)):
            safe_file(root, bad)
    with pytest.raises(NotFound):
        safe_file(root, "chunks")  # a folder is not a file


def test_symlink_in_run_folder_is_not_served(fresh: TestClient, tmp_path: Path) -> None:
    rid = fresh.post("/api/runs", json={**SMALL, "members": 40}).json()["id"]
    from tests.web.conftest import wait

    assert wait(fresh, rid)["status"] == "complete"
    runs = Path(fresh.app.state.settings.runs_dir)  # type: ignore[attr-defined]
    outside = tmp_path / "outside.txt"
    outside.write_text("do not serve")
    os.symlink(outside, runs / rid / "evil.txt")
    r = fresh.get(f"/api/runs/{rid}/files/evil.txt")
    assert r.status_code == 400 and "symbolic link" in r.json()["detail"]
    assert all(f["path"] != "evil.txt" for f in fresh.get(f"/api/runs/{rid}/files").json())
    # a run folder that is itself a link is never listed
    os.symlink(runs / rid, runs / "linked-run")
    fresh.post("/api/runs/rescan")
    assert fresh.get("/api/runs/linked-run").status_code == 404


@pytest.mark.parametrize("doc", ["..%2F..%2Fetc%2Fpasswd", "%2e%2e%2fsecret", "..", "%2Fetc%2Fpasswd",
                                 "secret", "%252e%252e%252fsecret.txt"])
def test_corpus_cannot_escape(tmp_path: Path, doc: str) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    (tmp_path / "secret.txt").write_text("secret outside the corpus")
    os.symlink(tmp_path / "secret.txt", corpus / "secret.txt")
    with TestClient(create_app(Settings(runs_dir=tmp_path / "runs", corpus=corpus))) as c:
        r = c.get(f"/api/corpus/{doc}")
        assert r.status_code in (400, 404, 422), (doc, r.status_code)
        assert b"secret outside" not in r.content
        p = c.get("/api/evidence/passage", params={"doc": "../secret.txt", "locator": "secret"})
        assert p.status_code == 400 and "not a document name" in p.json()["detail"]
        assert "secret.txt" not in c.get("/api/corpus").json()["documents"]


def test_evidence_passage_from_corpus(client: TestClient, tmp_path: Path) -> None:
    cit = write_corpus(tmp_path / "c2")
    r = client.get("/api/evidence/passage", params={"doc": cit["doc"], "locator": cit["locator"]})
    assert r.status_code == 200
    body = r.json()
    assert body["match"] == cit["locator"] and body["doc"] == cit["doc"]
    miss = client.get("/api/evidence/passage", params={"doc": cit["doc"],
                                                       "locator": "words that are not there"})
    assert miss.status_code == 400 and "does not occur" in miss.json()["detail"]


def test_evidence_without_corpus_says_how(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(runs_dir=tmp_path / "runs"))) as c:
        r = c.get("/api/evidence/passage", params={"doc": "001", "locator": "abc def"})
        assert r.status_code == 404 and "corpus" in r.json()["detail"]
        ev = c.get("/api/scenarios/russia-neighbourhood/evidence",
                   params={"item": "russia_attraction"}).json()
        assert ev["corpus"] is False and ev["items"][0]["citations"][0]["claim"]


# ------------------------------------------------------------------ bounds

BAD_RUNS = [
    ({"members": 10**9}, "members"),
    ({"members": 0}, "members"),
    ({"start": 1992, "end": 101992}, "end"),
    ({"start": -100000, "end": 2000}, "start"),
    ({"start": 2000, "end": 1990}, "before"),
    ({"start": 1950, "end": 2150}, "span"),
    ({"members": 20000, "start": 1992, "end": 2135}, "members x years"),
    ({"seed": -1}, "seed"),
    ({"seed": 10**30}, "seed"),
    ({"scenario": "../../etc/passwd"}, "scenario"),
    ({"scenario": "/etc/passwd"}, "scenario"),
    ({"oil_level": 1e9}, "oil_level"),
    ({"levers": {"russia_assertion": float("inf")}}, "levers"),
    ({"unknown_field": 1}, "unknown_field"),
    ({"members": "many"}, "members"),
]


@pytest.mark.parametrize(("body", "word"), BAD_RUNS)
def test_out_of_bounds_requests_get_fast_4xx(fresh: TestClient, body: dict[str, Any],
                                             word: str) -> None:
    t0 = time.perf_counter()
    import json

    r = fresh.post("/api/runs", content=json.dumps(body, allow_nan=True),
                   headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert time.perf_counter() - t0 < 2.0
    assert word.split()[0] in r.text
    assert fresh.get("/api/runs").json()["total"] == 0  # nothing was queued


@pytest.mark.parametrize(("body", "fix"), [
    ({"scenario": "no-such-scenario"}, "russia-neighbourhood"),
    ({"perspective": "martian"}, "kremlin"),
    ({"hypothesis": "chaos"}, "opportunist"),
    ({"levers": {"no_such_lever": 0.5}}, "russia_attraction"),
    ({"levers": {"russia_assertion": 3.0}}, "0.0, 1.0"),
])
def test_scenario_errors_name_the_fix(fresh: TestClient, body: dict[str, Any], fix: str) -> None:
    r = fresh.post("/api/runs", json={**SMALL, **body})
    assert r.status_code == 400, r.text
    err = r.json()
    assert err["detail"] and "Traceback" not in r.text
    assert fix in r.text


def test_body_size_is_capped(fresh: TestClient) -> None:
    big = '{"levers": {' + ",".join(f'"l{i}": 0.5' for i in range(20000)) + "}}"
    r = fresh.post("/api/runs", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_bounded_queries(client: TestClient) -> None:
    assert client.get("/api/runs", params={"limit": 10**6}).status_code == 422
    assert client.get("/api/runs", params={"offset": -1}).status_code == 422
    assert client.get("/api/runs/" + "a" * 200).status_code == 422
    assert client.get("/api/runs/no-such-run").status_code == 404
    assert client.get("/api/runs/no-such-run/view").status_code == 404


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(
    st.sampled_from(["members", "seed", "start", "end", "perspective", "hypothesis", "levers",
                     "oil_level", "scenario"]),
    st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=False), st.text(max_size=30),
              st.none(), st.dictionaries(st.text(max_size=10), st.floats(-5, 5), max_size=3)),
    max_size=5))
def test_random_run_requests_never_crash(fresh: TestClient, body: dict[str, Any]) -> None:
    import json

    payload = {**body, "members": 1} if "members" not in body else body
    r = fresh.post("/api/runs", content=json.dumps(payload),  # Infinity allowed on purpose
                   headers={"content-type": "application/json"})
    assert r.status_code in (202, 400, 422, 429), r.text
    if r.status_code == 202:
        fresh.post(f"/api/runs/{r.json()['id']}/cancel")


# ------------------------------------------------------------------ token and host

def test_non_loopback_host_needs_a_token(tmp_path: Path) -> None:
    with pytest.raises(MultipolarError) as exc:
        Settings(runs_dir=tmp_path, host="0.0.0.0")
    assert "--token" in str(exc.value)
    with pytest.raises(MultipolarError):
        Settings(runs_dir=tmp_path, host="0.0.0.0", token="short")
    assert Settings(runs_dir=tmp_path).host == "127.0.0.1"
    Settings(runs_dir=tmp_path, host="::1")  # loopback needs no token


def test_token_is_required_when_set(tmp_path: Path) -> None:
    token = "correct-horse-battery"
    app = create_app(Settings(runs_dir=tmp_path / "runs", host="0.0.0.0", token=token))
    with TestClient(app) as c:
        assert c.get("/api/health").status_code == 401
        assert c.get("/").status_code == 401
        assert c.get("/api/health", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
        assert c.get("/api/health", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert c.get("/api/health", headers={"X-Multipolar-Token": token}).status_code == 200
        page = c.get("/", params={"token": token})
        assert page.status_code == 200 and "multipolar_token" in page.headers["set-cookie"]
        assert "httponly" in page.headers["set-cookie"].lower()
        assert c.get("/api/health").status_code == 200  # the cookie now carries the token
        c.cookies.clear()
        assert c.get("/api/health", params={"token": token}).status_code == 401  # only on /
