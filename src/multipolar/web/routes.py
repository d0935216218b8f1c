"""The dashboard's HTTP routes, one router per concern.

``page`` (the HTML page, plotly.js, static files), ``server`` (health, limits), ``scenarios``
(scenarios, evidence, corpus) and ``runs`` (submit, list, progress, results, downloads,
compare). Each endpoint gets the run manager, settings and corpus of its application through
the dependencies below, so :func:`multipolar.web.app.create_app` only assembles. Depends on
FastAPI and the web package's ``backend``, ``runs``, ``schemas`` and ``settings`` modules.
"""

from __future__ import annotations

import hmac
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response

from multipolar import __version__
from multipolar.web import backend
from multipolar.web import coalition as wcoalition
from multipolar.web.coalition import CoalitionJobs, CoalitionSettings
from multipolar.web.runs import COMPLETE, Conflict, NotFound, RunManager, safe_file
from multipolar.web.schemas import (
    ANY_JSON,
    ERRORS,
    NAME_PATTERN,
    RUN_ID_PATTERN,
    STATIC,
    TOKEN_COOKIE,
    CoalitionRequest,
    Download,
    ErrorBody,
    FileEntry,
    Health,
    RunId,
    RunList,
    RunMeta,
    RunRequest,
)
from multipolar.web.settings import (
    MAX_COALITION_MEMBERS,
    MAX_MEMBER_YEARS,
    MAX_MEMBERS,
    MAX_SEED,
    MAX_SPAN,
    MAX_YEAR,
    MIN_YEAR,
    Settings,
)
from multipolar.web.world import map_bytes


def _manager(request: Request) -> RunManager:
    return request.app.state.manager


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _corpus(request: Request) -> Any:
    return request.app.state.corpus


def _coalition(request: Request) -> CoalitionJobs:
    return request.app.state.coalition


ManagerDep = Annotated[RunManager, Depends(_manager)]
SettingsDep = Annotated[Settings, Depends(_settings)]
CorpusDep = Annotated[Any, Depends(_corpus)]
CoalitionDep = Annotated[CoalitionJobs, Depends(_coalition)]

page_router = APIRouter()
server_router = APIRouter(tags=["server"])
scenario_router = APIRouter()
runs_router = APIRouter()
world_router = APIRouter()
ROUTERS = (page_router, server_router, scenario_router, runs_router, world_router)


@page_router.get("/", include_in_schema=False)
async def index(settings: SettingsDep, request: Request) -> Response:
    """The dashboard page; a valid ``?token=`` is kept in an HTTP-only cookie."""
    resp = FileResponse(STATIC / "index.html", media_type="text/html")
    tok = request.query_params.get("token")
    if settings.token and tok and hmac.compare_digest(tok.encode(), settings.token.encode()):
        resp.set_cookie(TOKEN_COOKIE, tok, httponly=True, samesite="strict")
    resp.headers["Cache-Control"] = "no-store"
    return resp


@page_router.get("/vendor/plotly.min.js", include_in_schema=False)
async def plotly_js() -> Response:
    """The plotly.js bundle of the installed plotly package (no CDN)."""
    return FileResponse(_plotly_path(), media_type="application/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


@page_router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    """No icon (204), so browsers stop asking."""
    return Response(status_code=204)


@server_router.get("/api/health", response_model=Health, tags=["server"])
async def health(manager: ManagerDep, settings: SettingsDep, corpus: CorpusDep) -> dict[str, Any]:
    """Server status, queue length and whether an evidence corpus is configured."""
    return {"status": "ok", "version": __version__, "runs": len(manager.runs),
            "queued": manager.queued(), "queue_size": settings.queue_size,
            "corpus": corpus is not None, "runs_folder": str(settings.runs_dir.resolve())}


@server_router.get("/api/limits", tags=["server"])
async def limits(settings: SettingsDep) -> dict[str, Any]:
    """The bounds every run request must respect."""
    return {"max_members": MAX_MEMBERS, "max_seed": MAX_SEED, "min_year": MIN_YEAR,
            "max_year": MAX_YEAR, "max_span": MAX_SPAN,
            "max_member_years": MAX_MEMBER_YEARS, "oil_bounds": list(backend.OIL_BOUNDS),
            "default_members": settings.default_members,
            "max_coalition_members": MAX_COALITION_MEMBERS}


@scenario_router.get("/api/scenarios", tags=["scenarios"])
async def scenarios() -> dict[str, Any]:
    """Bundled scenarios the dashboard can run."""
    out = []
    for n in backend.scenario_names():
        info = await run_in_threadpool(backend.scenario_info, n)
        out.append({"name": n, "title": info["title"]})
    return {"scenarios": out}


@scenario_router.get("/api/scenarios/{name}", tags=["scenarios"], responses={**ERRORS, **ANY_JSON})
async def scenario(
    name: Annotated[str, PathParam(pattern=NAME_PATTERN, max_length=100)],
    perspective: Annotated[str | None, Query(pattern=NAME_PATTERN, max_length=100)] = None,
    hypothesis: Annotated[str | None, Query(pattern=NAME_PATTERN, max_length=100)] = None,
) -> Any:
    """Perspectives, hypotheses, levers (values after the overlays), actors, institutions."""
    _known_scenario(name)
    return await run_in_threadpool(backend.scenario_info, name, perspective, hypothesis)


@scenario_router.get("/api/scenarios/{name}/evidence", tags=["evidence"],
                     responses={**ERRORS, **ANY_JSON})
async def evidence(
    corpus: CorpusDep,
    name: Annotated[str, PathParam(pattern=NAME_PATTERN, max_length=100)],
    item: Annotated[str | None, Query(max_length=200,
                                      pattern=r"^[A-Za-z0-9_.-]+$")] = None,
) -> Any:
    """Claims and seed pointers behind each lever, mechanism, driver, aim and overlay."""
    _known_scenario(name)
    body = await run_in_threadpool(_evidence_body, name, item, corpus is not None)
    return Response(body, media_type="application/json")


@scenario_router.get("/api/evidence/passage", tags=["evidence"], responses={**ERRORS, **ANY_JSON})
async def evidence_passage(
    corpus: CorpusDep,
    doc: Annotated[str, Query(min_length=1, max_length=200)],
    locator: Annotated[str, Query(min_length=3, max_length=300)],
) -> Any:
    """The passage of a seed document around a locator phrase (needs ``--corpus``)."""
    if corpus is None:
        raise NotFound("no evidence corpus is configured on this server")
    return await run_in_threadpool(backend.passage, corpus, doc, locator)


@scenario_router.get("/api/corpus", tags=["evidence"], responses={**ERRORS, **ANY_JSON})
async def corpus_list(corpus: CorpusDep) -> Any:
    """Documents of the evidence corpus."""
    if corpus is None:
        raise NotFound("no evidence corpus is configured on this server")
    return {"documents": corpus.names}


@scenario_router.get("/api/corpus/{doc}", tags=["evidence"], responses=ERRORS,
                     response_class=Response)
async def corpus_document(corpus: CorpusDep,
                          doc: Annotated[str, PathParam(max_length=200)]) -> Response:
    """One document of the corpus as plain text; names resolve inside the corpus only."""
    if corpus is None:
        raise NotFound("no evidence corpus is configured on this server")
    path = await run_in_threadpool(corpus.safe_path, doc)
    return FileResponse(path, media_type="text/plain; charset=utf-8")


@runs_router.post("/api/runs", status_code=202, response_model=RunMeta, tags=["runs"],
                  responses={**ERRORS, 429: {"model": ErrorBody, "description": "queue full"}})
async def submit(manager: ManagerDep, req: RunRequest) -> dict[str, Any]:
    """Queue a run; poll ``GET /api/runs/{id}`` for progress."""
    params = req.model_dump(exclude={"levers", "oil_level"})
    params["levers"] = dict(req.levers)
    params["oil_level"] = req.oil_level
    params["sets"] = backend.build_sets(req.levers, req.oil_level)
    await run_in_threadpool(backend.check_run, params)
    return await run_in_threadpool(manager.submit, params)


@runs_router.get("/api/runs", response_model=RunList, tags=["runs"])
async def list_runs(
    manager: ManagerDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    status: Annotated[str | None, Query(pattern=r"^(queued|running|complete|failed|cancelled|"
                                                r"interrupted)$")] = None,
) -> Response:
    """Past and current runs, newest first (new folders in the runs folder included)."""
    await run_in_threadpool(manager.refresh)
    runs = manager.listing(limit, offset, status)
    body = {"runs": runs, "total": len(manager.runs), "queued": manager.queued(),
            "runs_folder": str(settings.runs_dir.resolve())}
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")


@runs_router.post("/api/runs/rescan", tags=["runs"])
async def rescan(manager: ManagerDep) -> dict[str, int]:
    """Re-read the runs folder (e.g. after ``multipolar run --out RUNS/NAME``)."""
    return {"runs": await run_in_threadpool(manager.rescan)}


@runs_router.get("/api/runs/{run_id}", response_model=RunMeta, tags=["runs"], responses=ERRORS)
async def get_run(manager: ManagerDep, run_id: RunId) -> dict[str, Any]:
    """One run: status, progress, choices and its CLI command."""
    return manager.get(run_id)


@runs_router.post("/api/runs/{run_id}/cancel", response_model=RunMeta, tags=["runs"],
                  responses={**ERRORS, 409: {"model": ErrorBody}})
async def cancel(manager: ManagerDep, run_id: RunId) -> dict[str, Any]:
    """Cancel a queued or running run (finished chunks are kept)."""
    return manager.cancel(run_id)


@runs_router.post("/api/runs/{run_id}/resume", status_code=202, response_model=RunMeta,
                  tags=["runs"], responses={**ERRORS, 409: {"model": ErrorBody},
                  429: {"model": ErrorBody}})
async def resume(manager: ManagerDep, run_id: RunId) -> dict[str, Any]:
    """Queue an interrupted, cancelled or failed run again; finished chunks are reused."""
    return manager.resume(run_id)


@runs_router.get("/api/runs/{run_id}/view", tags=["results"],
                 responses={**ERRORS, 409: {"model": ErrorBody}, **ANY_JSON})
async def view(manager: ManagerDep, run_id: RunId) -> Response:
    """The run's results as drawn: quantile bands per actor and year, memberships, Russia."""
    data = await run_in_threadpool(manager.view_bytes, run_id)
    return Response(data, media_type="application/json")


@runs_router.get("/api/runs/{run_id}/download/{name}", tags=["results"],
                 responses={**ERRORS, 409: {"model": ErrorBody},
                 200: {"content": {"text/csv": {}, "application/octet-stream": {},
                 "text/html": {}, "application/json": {}}}},
                 response_class=Response)
async def download(manager: ManagerDep, settings: SettingsDep, run_id: RunId,
                   name: Download) -> Response:
    """Results as CSV (alignment, memberships, Russia, spheres), JSON summary, Parquet, report."""
    fname = name.value
    disp = {"Content-Disposition": f'attachment; filename="{run_id}-{fname}"'}
    if fname.endswith(".csv"):
        v = await run_in_threadpool(manager.view, run_id)
        text = backend.csv_exports(v)[fname]
        return Response(text, media_type="text/csv; charset=utf-8", headers=disp)
    if fname == "summary.json":
        s = await run_in_threadpool(manager.summary, run_id)
        return Response(json.dumps(s), media_type="application/json", headers=disp)
    rundir = manager.rundir(run_id)
    meta = manager.get(run_id)
    if meta["status"] != COMPLETE:
        raise Conflict(f"run {run_id} is {meta['status']}; results exist once it is done")
    if fname.endswith(".parquet"):
        path = await run_in_threadpool(backend.parquet_export, rundir,
                                       fname.removesuffix(".parquet"))
        return FileResponse(path, media_type="application/octet-stream",
                            filename=f"{run_id}-{fname}")
    summary = await run_in_threadpool(manager.summary, run_id)
    path = await run_in_threadpool(backend.make_report, rundir, summary, meta,
                                   settings.corpus)
    return FileResponse(path, media_type="text/html; charset=utf-8")


@runs_router.get("/api/runs/{run_id}/files", response_model=list[FileEntry], tags=["results"],
                 responses=ERRORS)
async def files(manager: ManagerDep, run_id: RunId) -> list[dict[str, Any]]:
    """Plain files of the run folder (catalogue, Parquet chunks, exports)."""
    return await run_in_threadpool(manager.files, run_id)


@runs_router.get("/api/runs/{run_id}/files/{path:path}", tags=["results"], responses=ERRORS,
                 response_class=Response)
async def file(manager: ManagerDep, run_id: RunId,
               path: Annotated[str, PathParam(max_length=512)]) -> Response:
    """One file of the run folder; paths cannot leave the folder or follow links."""
    real = await run_in_threadpool(safe_file, manager.rundir(run_id), path)
    return FileResponse(real, media_type="application/octet-stream",
                        filename=Path(path).name)


@runs_router.get("/api/compare", tags=["results"], responses={**ERRORS, 409: {"model": ErrorBody},
                 **ANY_JSON})
async def compare(
    manager: ManagerDep,
    a: Annotated[str, Query(pattern=RUN_ID_PATTERN, max_length=80)],
    b: Annotated[str, Query(pattern=RUN_ID_PATTERN, max_length=80)],
    year: Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR)] = None,
) -> dict[str, Any]:
    """Median alignment of two runs per shared state in ``year`` (default: the last common).

    Runs of different scenarios (a neighbourhood and a world run) are compared on the states
    both model, matched by name or ISO3 code; ``shared`` lists them as ``[name in A, name in
    B]`` and ``note`` says what was left out. No shared state or year is a 409 that says so.
    """
    va = await run_in_threadpool(manager.view, a)
    vb = await run_in_threadpool(manager.view, b)
    common = sorted(set(va["years"]) & set(vb["years"]))
    if not common:
        raise Conflict("the two runs share no year")
    y = year if year is not None else common[-1]
    if y not in common:
        raise Conflict(f"year {y} is not in both runs ({common[0]}-{common[-1]})")
    pairs = backend.shared_actors(va, vb)
    if not pairs:
        raise Conflict("the two runs share no state: they cannot be compared")
    ia, ib = va["years"].index(y), vb["years"].index(y)
    rows = []
    for actor, other in pairs:
        ma = va["alignment"][actor]["median"][ia]
        mb = vb["alignment"][other]["median"][ib]
        rows.append({"actor": actor, "actor_b": other,
                     "name": (va.get("names") or {}).get(actor, actor),
                     "role": va["roles"].get(actor) or vb["roles"].get(other), "a": ma, "b": mb,
                     "diff": None if ma is None or mb is None else round(mb - ma, 4)})
    note = None
    if va.get("kind") != vb.get("kind") or len(pairs) < max(len(va["actors"]),
                                                              len(vb["actors"])):
        note = (f"The runs model different states ({len(va['actors'])} in A, "
                f"{len(vb['actors'])} in B); {len(pairs)} states are in both and compared.")
    return {"a": manager.get(a), "b": manager.get(b), "year": y, "years": common,
            "rows": rows, "shared": [list(p) for p in pairs], "note": note,
            "provenance": {"a": backend.run_provenance(manager.get(a)),
                           "b": backend.run_provenance(manager.get(b))}}


@world_router.get("/api/worldmap.svg", tags=["world"], response_class=Response,
                  responses={200: {"content": {"image/svg+xml": {}}}})
async def worldmap(request: Request) -> Response:
    """The world outlines (bundled Natural Earth shapes) as SVG, one path per state."""
    plain, packed = await run_in_threadpool(_world_svg)
    headers = {"Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(packed, media_type="image/svg+xml",
                        headers={**headers, "Content-Encoding": "gzip"})
    return Response(plain, media_type="image/svg+xml", headers=headers)


@world_router.get("/api/coalition/options", tags=["world"], responses={**ERRORS, **ANY_JSON})
async def coalition_options(
    scenario: Annotated[str, Query(pattern=NAME_PATTERN, max_length=100)] = "russia-world",
) -> Any:
    """What a coalition question may choose: event kinds, states, resolutions, overlays."""
    _known_scenario(scenario)
    return await run_in_threadpool(wcoalition.coalition_options, scenario)


@world_router.post("/api/coalition", status_code=202, tags=["world"],
                   responses={**ERRORS, 429: {"model": ErrorBody}, **ANY_JSON})
async def coalition_submit(jobs: CoalitionDep, req: CoalitionRequest) -> Any:
    """Ask a coalition question; the answer comes at once from the store or from a job."""
    _known_scenario(req.scenario)
    settings = CoalitionSettings(
        target=req.target.upper(), year=req.year, kind=req.kind, scenario=req.scenario,
        resolution=req.resolution, vote_year=req.vote_year, perspective=req.perspective,
        hypothesis=req.hypothesis, sets=tuple(lv.as_set() for lv in req.levers),
        events=tuple(req.events), hindsight=req.hindsight, members=req.members, seed=req.seed)
    return await run_in_threadpool(jobs.submit, settings)


@world_router.get("/api/coalition/{job_id}", tags=["world"], responses={**ERRORS, **ANY_JSON})
async def coalition_job(jobs: CoalitionDep,
                        job_id: Annotated[str, PathParam(pattern=r"^[0-9a-f]{20}$")]) -> Any:
    """A coalition question: status, elapsed seconds and, when complete, the answer."""
    return jobs.get(job_id)


@world_router.post("/api/coalition/{job_id}/cancel", tags=["world"],
                   responses={**ERRORS, 409: {"model": ErrorBody}, **ANY_JSON})
async def coalition_cancel(jobs: CoalitionDep,
                           job_id: Annotated[str, PathParam(pattern=r"^[0-9a-f]{20}$")]) -> Any:
    """Cancel a running coalition question (nothing is stored)."""
    return jobs.cancel(job_id)


def _world_svg() -> tuple[bytes, bytes]:
    return map_bytes()


@lru_cache(maxsize=256)
def _evidence_body(name: str, item: str | None, has_corpus: bool) -> bytes:
    """The evidence list of a scenario (or one item of it) as JSON bytes, cached."""
    items = backend.evidence_items(name)
    if item is not None:
        items = [i for i in items if item in (i["key"], i["name"])]
        if not items:
            raise NotFound(f"scenario {name} has no lever, mechanism or overlay '{item}'")
    return json.dumps({"scenario": name, "corpus": has_corpus, "items": items}).encode()


def _known_scenario(name: str) -> None:
    """404 (not 400) for a scenario name the server does not have."""
    if name not in backend.scenario_names():
        raise NotFound(f"no bundled scenario called '{name}' "
                       f"(available: {', '.join(backend.scenario_names())})",
                       fix="list the scenarios with GET /api/scenarios")


def _plotly_path() -> Path:
    """The plotly.js bundle shipped inside the installed ``plotly`` package."""
    # lazy: keeps start-up fast (loads plotly)
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():  # pragma: no cover - a broken plotly install
        raise NotFound("plotly.min.js is missing from the plotly package")
    return path


