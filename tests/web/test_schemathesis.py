"""Property-based API testing with schemathesis against the published OpenAPI schema.

Every operation is called with generated (valid and invalid) inputs; the server must never
answer 5xx, and status codes, content types, headers and bodies must match the schema. One
check is left out: ``positive_data_acceptance``, because a schema-valid run request can still
name a perspective or lever the scenario lacks, which is rightly a 400 naming the fix. Runs stay fake (a stub that returns the summary
of a real small run at once, and coalition forecasts the answer of a small real one) so the
whole file stays bounded in time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from multipolar.web import Settings, backend, create_app


@pytest.fixture(scope="module")
def api_schema(shared_runs: dict[str, Any], corpus_dir: Path,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    summary = json.loads((shared_runs["runs"] / shared_runs["ids"][0] /
                          "web-summary.json").read_text())

    def fake_execute(params: dict[str, Any], rundir: Path, progress: Any,
                     resume: bool = False) -> dict[str, Any]:
        progress(params["members"], params["members"])
        return summary

    from multipolar.web import coalition as wc

    answer = wc.compute(wc.CoalitionSettings(target="UKR", year=2022, members=10))

    def fake_compute(settings: wc.CoalitionSettings) -> dict[str, Any]:
        return answer

    mp = pytest.MonkeyPatch()
    mp.setattr(backend, "execute", fake_execute)
    mp.setattr(wc, "compute", fake_compute)
    runs = tmp_path_factory.mktemp("st-runs")
    import shutil

    for rid in shared_runs["ids"]:
        shutil.copytree(shared_runs["runs"] / rid, runs / rid)
    app = create_app(Settings(runs_dir=runs, corpus=corpus_dir, queue_size=4))
    app.state.manager.start()
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
    finally:
        app.state.manager.stop()
        mp.undo()


def test_api_never_fails_and_matches_schema(api_schema: Any) -> None:
    # schemathesis' own pytest plugin does not support this pytest version, so each operation's
    # strategy is driven by hypothesis directly (same generation, same checks).
    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert len(operations) >= 20
    assert {"/api/coalition", "/api/worldmap.svg", "/api/coalition/{job_id}"} <= {
        op.path for op in operations}
    failures: list[str] = []
    for op in operations:
        name = f"{op.method.upper()} {op.path}"
        try:
            _checker(op, name, failures)()
        except Exception as exc:  # recorded in ``failures`` (or, if not, recorded here)
            if not any(f.startswith(name) for f in failures):
                failures.append(f"{name}: {exc!r}"[:600])
    assert not failures, "\n\n".join(failures)


def _checker(op: Any, name: str, failures: list[str]) -> Any:
    @given(case=op.as_strategy())
    @settings(max_examples=12, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        try:
            response = case.call()
            case.validate_response(response, excluded_checks=[positive_data_acceptance])
        except Exception as exc:  # collect every operation's failure, then report
            failures.append(f"{name}: {str(exc)[:600]}")
            raise

    return check
