"""The dashboard's HTTP application: JSON API, static page, downloads, evidence viewer.

:func:`create_app` builds a FastAPI application from :class:`~multipolar.web.settings.Settings`.
The API is described by the published OpenAPI schema (``/openapi.json``, docs at ``/docs``):

* ``GET /api/scenarios[/{name}]`` - what the run form offers (perspectives, hypotheses, levers);
* ``POST /api/runs`` - queue a run (validated and bounded; 429 when the queue is full);
  ``GET /api/runs``, ``GET /api/runs/{id}`` (status and progress), ``POST .../cancel``,
  ``POST .../resume``, ``GET .../view`` (the data the charts draw), ``GET .../download/{name}``
  (CSV, Parquet, JSON, the report), ``GET .../files[/{path}]`` (raw run files);
* ``GET /api/compare`` - two runs side by side;
* ``GET /api/scenarios/{name}/evidence``, ``GET /api/evidence/passage``, ``GET /api/corpus``
  - the claims behind every mechanism and lever and, with ``--corpus``, the seed passages.

Every input is typed and bounded; user errors come back as 4xx JSON
``{"detail": message, "fix": ..., "problems": [...]}``, never as a traceback. One pure ASGI
middleware (:class:`Guard`) checks the optional token, caps request bodies and adds security
headers. Depends on FastAPI/Starlette and the web package's ``backend``, ``runs`` and
``settings`` modules.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from enum import StrEnum
from functools import lru_cache
from http.cookies import SimpleCookie
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from multipolar import __version__
from multipolar.errors import MultipolarError
from multipolar.web import backend
from multipolar.web.runs import (
    COMPLETE,
    Conflict,
    NotFound,
    QueueFull,
    RunManager,
    error_body,
    safe_file,
)
from multipolar.web.settings import (
    MAX_BODY_BYTES,
    MAX_MEMBER_YEARS,
    MAX_MEMBERS,
    MAX_SEED,
    MAX_SPAN,
    MAX_YEAR,
    MIN_YEAR,
    Settings,
)

log = logging.getLogger("multipolar.web")

STATIC = Path(str(resources.files("multipolar.web") / "static"))
TOKEN_COOKIE = "multipolar_token"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
RUN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$"

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=100)]
RunId = Annotated[str, PathParam(pattern=RUN_ID_PATTERN, max_length=80,
                                 description="a run id as listed by GET /api/runs")]
LeverValue = Annotated[float, Field(ge=-1e6, le=1e6, allow_inf_nan=False)]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


# ---------------------------------------------------------------------------- models

class RunRequest(BaseModel):
    """What to run: scenario, overlays, seed, members, years and lever settings."""

    model_config = ConfigDict(extra="forbid")

    scenario: Name = Field("russia-neighbourhood", description="a bundled scenario name")
    perspective: Name | None = Field(None, description="perspective overlay (none = base)")
    hypothesis: Name | None = Field(None, description="hypothesis overlay (none = default)")
    seed: int = Field(7, ge=0, le=MAX_SEED, description="master seed: same seed, same results")
    members: int = Field(500, ge=1, le=MAX_MEMBERS, description="ensemble members")
    start: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR, description="first year")
    end: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR, description="last year")
    levers: dict[Name, LeverValue] = Field(default_factory=dict, max_length=32,
                                           description="lever values that differ from the "
                                                       "scenario's (after the perspective)")
    oil_level: float | None = Field(None, ge=backend.OIL_BOUNDS[0], le=backend.OIL_BOUNDS[1],
                                    allow_inf_nan=False,
                                    description="oil price (USD/bbl) the future reverts to; "
                                                "none keeps the scenario's uncertainty")

    @model_validator(mode="after")
    def _span(self) -> RunRequest:
        if self.start is not None and self.end is not None:
            if self.end < self.start:
                raise ValueError(f"end year {self.end} is before start year {self.start}")
            if self.end - self.start > MAX_SPAN:
                raise ValueError(f"{self.end - self.start} years is more than the "
                                 f"{MAX_SPAN} a dashboard run may span")
            if self.members * (self.end - self.start + 1) > MAX_MEMBER_YEARS:
                raise ValueError(f"members x years is over {MAX_MEMBER_YEARS:,}; use fewer "
                                 "members or the CLI (multipolar run) for big ensembles")
        return self


class Progress(BaseModel):
    """How far a run is."""

    members_done: int
    members_total: int
    fraction: float


class RunMeta(BaseModel):
    """A run as listed: its choices, status, progress and the equivalent CLI command."""

    model_config = ConfigDict(extra="allow")

    id: str
    status: str = Field(description="queued, running, complete, failed, cancelled or "
                                    "interrupted")
    source: str = Field(description="dashboard or cli")
    params: dict[str, Any]
    label: str
    cli: str = Field(description="the multipolar run command that reproduces this run")
    created_at: str | None = None
    finished_at: str | None = None
    error: dict[str, Any] | None = None
    progress: Progress


class RunList(BaseModel):
    """A page of runs, newest first."""

    runs: list[RunMeta]
    total: int
    queued: int
    runs_folder: str = Field(description="where runs are looked for; `multipolar run --out "
                                         "FOLDER/NAME` adds one")


class ErrorBody(BaseModel):
    """A user error: what is wrong, where, and how to fix it."""

    detail: Any
    fix: str | None = None
    problems: list[dict[str, Any]] = Field(default_factory=list)


class Health(BaseModel):
    """Server state."""

    status: str
    version: str
    runs: int
    queued: int
    queue_size: int
    corpus: bool
    runs_folder: str = Field(description="where the server keeps and looks for runs")


class FileEntry(BaseModel):
    """A plain file of a run folder."""

    path: str
    bytes: int


class Download(StrEnum):
    """Files a finished run can be downloaded as."""

    alignment_csv = "alignment.csv"
    memberships_csv = "memberships.csv"
    russia_csv = "russia.csv"
    summary_json = "summary.json"
    actors_parquet = "actors.parquet"
    core_parquet = "core.parquet"
    params_parquet = "params.parquet"
    report_html = "report.html"


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad input (with the fix)"},
    404: {"model": ErrorBody, "description": "no such run, file or document"},
}
ANY_JSON: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"schema": {"type": "object"}}}}}


def _err(status: int, message: str, fix: str | None = None,
         problems: list[dict[str, Any]] | None = None) -> JSONResponse:
    return JSONResponse({"detail": message, "fix": fix, "problems": problems or []},
                        status_code=status)


# ---------------------------------------------------------------------------- guard

class Guard:
    """Pure ASGI middleware: token check, request-body cap, security headers."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"content-security-policy",
         b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
         b"img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'"),
    ]

    def __init__(self, app: ASGIApp, token: str | None, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.token = token
        self.max_body = max_body

    def _authorised(self, scope: Scope) -> bool:
        token = self.token
        if not token:
            return True
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        given: list[str] = []
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given.append(auth[7:].strip())
        if "x-multipolar-token" in headers:
            given.append(headers["x-multipolar-token"])
        if "cookie" in headers:
            c: SimpleCookie = SimpleCookie()
            try:
                c.load(headers["cookie"])
            except Exception:  # a malformed cookie header is simply not a token
                c = SimpleCookie()
            if TOKEN_COOKIE in c:
                given.append(c[TOKEN_COOKIE].value)
        if scope.get("path") == "/":
            q = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            given += q.get("token", [])[:1]
        return any(hmac.compare_digest(g.encode(), token.encode()) for g in given)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + self.HEADERS
            await send(message)

        if not self._authorised(scope):
            await _err(401, "a valid access token is required",
                       "open the page as /?token=TOKEN, or send 'Authorization: Bearer TOKEN'"
                       )(scope, receive, send_secure)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                too_big = True
            if too_big:
                await _err(413, f"request body over {self.max_body} bytes",
                           "send a smaller request")(scope, receive, send_secure)
                return
        seen = 0

        async def capped_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, capped_receive, send_secure)
        except _BodyTooLarge:
            await _err(413, f"request body over {self.max_body} bytes",
                       "send a smaller request")(scope, receive, send_secure)


class _BodyTooLarge(Exception):
    pass


# ---------------------------------------------------------------------------- app

def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the dashboard application for ``settings`` (runs start with the app's lifespan)."""
    settings = settings or Settings()
    manager = RunManager(settings)
    corpus = backend.open_corpus(settings.corpus) if settings.corpus is not None else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(backend.warm)
        manager.start()
        try:
            yield
        finally:
            await run_in_threadpool(manager.stop)

    app = FastAPI(
        title="multipolar dashboard",
        version=__version__,
        description="Run and browse ensembles of the multipolar model of Russian foreign "
                    "policy and its neighbourhood. Every run is reproducible from the CLI "
                    "command it lists.",
        lifespan=lifespan,
    )
    app.add_middleware(Guard, token=settings.token)
    app.state.settings = settings
    app.state.manager = manager
    app.state.corpus = corpus

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # the default handler echoes the input, which may not be JSON (inf) and can be huge
        errors = [{"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", "")),
                   "type": str(e.get("type", ""))} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(MultipolarError)
    async def _user_error(request: Request, exc: MultipolarError) -> JSONResponse:
        body = error_body(exc)
        return _err(400, body["message"], body["fix"], body["problems"])

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return _err(404, str(exc), exc.fix)

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> JSONResponse:
        return _err(409, str(exc), "wait until the run is done, or start a new one")

    @app.exception_handler(QueueFull)
    async def _full(request: Request, exc: QueueFull) -> JSONResponse:
        resp = _err(429, f"the run queue is full ({exc})",
                    "wait for a run to finish, or cancel one")
        resp.headers["Retry-After"] = "5"
        return resp

    # ------------------------------------------------------------------ page
    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        resp = FileResponse(STATIC / "index.html", media_type="text/html")
        tok = request.query_params.get("token")
        if settings.token and tok and hmac.compare_digest(tok.encode(), settings.token.encode()):
            resp.set_cookie(TOKEN_COOKIE, tok, httponly=True, samesite="strict")
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    async def plotly_js() -> Response:
        return FileResponse(_plotly_path(), media_type="application/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # ------------------------------------------------------------------ meta
    @app.get("/api/health", response_model=Health, tags=["server"])
    async def health() -> dict[str, Any]:
        """Server status, queue length and whether an evidence corpus is configured."""
        return {"status": "ok", "version": __version__, "runs": len(manager.runs),
                "queued": manager.queued(), "queue_size": settings.queue_size,
                "corpus": corpus is not None, "runs_folder": str(settings.runs_dir.resolve())}

    @app.get("/api/limits", tags=["server"])
    async def limits() -> dict[str, Any]:
        """The bounds every run request must respect."""
        return {"max_members": MAX_MEMBERS, "max_seed": MAX_SEED, "min_year": MIN_YEAR,
                "max_year": MAX_YEAR, "max_span": MAX_SPAN,
                "max_member_years": MAX_MEMBER_YEARS, "oil_bounds": list(backend.OIL_BOUNDS),
                "default_members": settings.default_members}

    # ------------------------------------------------------------------ scenarios
    @app.get("/api/scenarios", tags=["scenarios"])
    async def scenarios() -> dict[str, Any]:
        """Bundled scenarios the dashboard can run."""
        out = []
        for n in backend.scenario_names():
            info = await run_in_threadpool(backend.scenario_info, n)
            out.append({"name": n, "title": info["title"]})
        return {"scenarios": out}

    @app.get("/api/scenarios/{name}", tags=["scenarios"], responses={**ERRORS, **ANY_JSON})
    async def scenario(
        name: Annotated[str, PathParam(pattern=NAME_PATTERN, max_length=100)],
        perspective: Annotated[str | None, Query(pattern=NAME_PATTERN, max_length=100)] = None,
        hypothesis: Annotated[str | None, Query(pattern=NAME_PATTERN, max_length=100)] = None,
    ) -> Any:
        """Perspectives, hypotheses, levers (values after the overlays), actors, institutions."""
        _known_scenario(name)
        return await run_in_threadpool(backend.scenario_info, name, perspective, hypothesis)

    @app.get("/api/scenarios/{name}/evidence", tags=["evidence"],
             responses={**ERRORS, **ANY_JSON})
    async def evidence(
        name: Annotated[str, PathParam(pattern=NAME_PATTERN, max_length=100)],
        item: Annotated[str | None, Query(max_length=200,
                                          pattern=r"^[A-Za-z0-9_.-]+$")] = None,
    ) -> Any:
        """Claims and seed pointers behind each lever, mechanism, driver, aim and overlay."""
        _known_scenario(name)
        body = await run_in_threadpool(_evidence_body, name, item, corpus is not None)
        return Response(body, media_type="application/json")

    @app.get("/api/evidence/passage", tags=["evidence"], responses={**ERRORS, **ANY_JSON})
    async def evidence_passage(
        doc: Annotated[str, Query(min_length=1, max_length=200)],
        locator: Annotated[str, Query(min_length=3, max_length=300)],
    ) -> Any:
        """The passage of a seed document around a locator phrase (needs ``--corpus``)."""
        if corpus is None:
            raise NotFound("no evidence corpus is configured on this server")
        return await run_in_threadpool(backend.passage, corpus, doc, locator)

    @app.get("/api/corpus", tags=["evidence"], responses={**ERRORS, **ANY_JSON})
    async def corpus_list() -> Any:
        """Documents of the evidence corpus."""
        if corpus is None:
            raise NotFound("no evidence corpus is configured on this server")
        return {"documents": corpus.names}

    @app.get("/api/corpus/{doc}", tags=["evidence"], responses=ERRORS,
             response_class=Response)
    async def corpus_document(doc: Annotated[str, PathParam(max_length=200)]) -> Response:
        """One document of the corpus as plain text; names resolve inside the corpus only."""
        if corpus is None:
            raise NotFound("no evidence corpus is configured on this server")
        path = await run_in_threadpool(corpus.safe_path, doc)
        return FileResponse(path, media_type="text/plain; charset=utf-8")

    # ------------------------------------------------------------------ runs
    @app.post("/api/runs", status_code=202, response_model=RunMeta, tags=["runs"],
              responses={**ERRORS, 429: {"model": ErrorBody, "description": "queue full"}})
    async def submit(req: RunRequest) -> dict[str, Any]:
        """Queue a run; poll ``GET /api/runs/{id}`` for progress."""
        params = req.model_dump(exclude={"levers", "oil_level"})
        params["levers"] = dict(req.levers)
        params["oil_level"] = req.oil_level
        params["sets"] = backend.build_sets(req.levers, req.oil_level)
        await run_in_threadpool(backend.check_run, params)
        return await run_in_threadpool(manager.submit, params)

    @app.get("/api/runs", response_model=RunList, tags=["runs"])
    async def list_runs(
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

    @app.post("/api/runs/rescan", tags=["runs"])
    async def rescan() -> dict[str, int]:
        """Re-read the runs folder (e.g. after ``multipolar run --out RUNS/NAME``)."""
        return {"runs": await run_in_threadpool(manager.rescan)}

    @app.get("/api/runs/{run_id}", response_model=RunMeta, tags=["runs"], responses=ERRORS)
    async def get_run(run_id: RunId) -> dict[str, Any]:
        """One run: status, progress, choices and its CLI command."""
        return manager.get(run_id)

    @app.post("/api/runs/{run_id}/cancel", response_model=RunMeta, tags=["runs"],
              responses={**ERRORS, 409: {"model": ErrorBody}})
    async def cancel(run_id: RunId) -> dict[str, Any]:
        """Cancel a queued or running run (finished chunks are kept)."""
        return manager.cancel(run_id)

    @app.post("/api/runs/{run_id}/resume", status_code=202, response_model=RunMeta,
              tags=["runs"], responses={**ERRORS, 409: {"model": ErrorBody},
                                        429: {"model": ErrorBody}})
    async def resume(run_id: RunId) -> dict[str, Any]:
        """Queue an interrupted, cancelled or failed run again; finished chunks are reused."""
        return manager.resume(run_id)

    @app.get("/api/runs/{run_id}/view", tags=["results"],
             responses={**ERRORS, 409: {"model": ErrorBody}, **ANY_JSON})
    async def view(run_id: RunId) -> Response:
        """The run's results as drawn: quantile bands per actor and year, memberships, Russia."""
        data = await run_in_threadpool(manager.view_bytes, run_id)
        return Response(data, media_type="application/json")

    @app.get("/api/runs/{run_id}/download/{name}", tags=["results"],
             responses={**ERRORS, 409: {"model": ErrorBody},
                        200: {"content": {"text/csv": {}, "application/octet-stream": {},
                                          "text/html": {}, "application/json": {}}}},
             response_class=Response)
    async def download(run_id: RunId, name: Download) -> Response:
        """Results as CSV (alignment, memberships, Russia), JSON summary, Parquet, or report."""
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

    @app.get("/api/runs/{run_id}/files", response_model=list[FileEntry], tags=["results"],
             responses=ERRORS)
    async def files(run_id: RunId) -> list[dict[str, Any]]:
        """Plain files of the run folder (catalogue, Parquet chunks, exports)."""
        return await run_in_threadpool(manager.files, run_id)

    @app.get("/api/runs/{run_id}/files/{path:path}", tags=["results"], responses=ERRORS,
             response_class=Response)
    async def file(run_id: RunId, path: Annotated[str, PathParam(max_length=512)]) -> Response:
        """One file of the run folder; paths cannot leave the folder or follow links."""
        real = await run_in_threadpool(safe_file, manager.rundir(run_id), path)
        return FileResponse(real, media_type="application/octet-stream",
                            filename=Path(path).name)

    @app.get("/api/compare", tags=["results"], responses={**ERRORS, 409: {"model": ErrorBody},
                                                          **ANY_JSON})
    async def compare(
        a: Annotated[str, Query(pattern=RUN_ID_PATTERN, max_length=80)],
        b: Annotated[str, Query(pattern=RUN_ID_PATTERN, max_length=80)],
        year: Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR)] = None,
    ) -> dict[str, Any]:
        """Median alignment of two runs per actor in ``year`` (default: the last common one)."""
        va = await run_in_threadpool(manager.view, a)
        vb = await run_in_threadpool(manager.view, b)
        common = sorted(set(va["years"]) & set(vb["years"]))
        if not common:
            raise Conflict("the two runs share no year")
        y = year if year is not None else common[-1]
        if y not in common:
            raise Conflict(f"year {y} is not in both runs ({common[0]}-{common[-1]})")
        ia, ib = va["years"].index(y), vb["years"].index(y)
        rows = []
        for actor in va["actors"]:
            if actor not in vb["alignment"]:
                continue
            ma = va["alignment"][actor]["median"][ia]
            mb = vb["alignment"][actor]["median"][ib]
            rows.append({"actor": actor, "role": va["roles"].get(actor), "a": ma, "b": mb,
                         "diff": None if ma is None or mb is None else round(mb - ma, 4)})
        return {"a": manager.get(a), "b": manager.get(b), "year": y, "years": common,
                "rows": rows}

    return app


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
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():  # pragma: no cover - a broken plotly install
        raise NotFound("plotly.min.js is missing from the plotly package")
    return path

