"""The dashboard's HTTP application: JSON API, static page, downloads, evidence viewer.

:func:`create_app` builds a FastAPI application from :class:`~multipolar.web.settings.Settings`.
The API is described by the published OpenAPI schema (``/openapi.json``, docs at ``/docs``):

* ``GET /api/scenarios[/{name}]`` - what the run form offers (perspectives, hypotheses, levers);
* ``POST /api/runs`` - queue a run (validated and bounded; 429 when the queue is full);
  ``GET /api/runs``, ``GET /api/runs/{id}`` (status and progress), ``POST .../cancel``,
  ``POST .../resume``, ``GET .../view`` (the data the charts draw), ``GET .../download/{name}``
  (CSV, Parquet, JSON, the report), ``GET .../files[/{path}]`` (raw run files);
* ``GET /api/compare`` - two runs side by side (the states both model);
* ``GET /api/worldmap.svg`` - the offline world outlines; ``GET /api/coalition/options``,
  ``POST /api/coalition``, ``GET /api/coalition/{id}``, ``POST .../cancel`` - the coalition
  forecast as a what-if, cached in the runs folder by its settings;
* ``GET /api/scenarios/{name}/evidence``, ``GET /api/evidence/passage``, ``GET /api/corpus``
  - the claims behind every mechanism and lever and, with ``--corpus``, the seed passages.

Every input is typed and bounded; user errors come back as 4xx JSON
``{"detail": message, "fix": ..., "problems": [...]}``, never as a traceback. One pure ASGI
middleware (:class:`Guard`) checks the optional token, caps request bodies and adds security
headers. Module map: :mod:`.schemas` (types), :mod:`.guard` (middleware), :mod:`.routes`
(the endpoints, one router per concern); this module only assembles them. Depends on
FastAPI/Starlette and the web package's ``backend``, ``runs`` and ``settings`` modules.
"""


from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from multipolar import __version__
from multipolar.core.errors import MultipolarError
from multipolar.web import backend
from multipolar.web.coalition import Busy, CoalitionJobs
from multipolar.web.guard import Guard
from multipolar.web.routes import ROUTERS
from multipolar.web.runs import Conflict, NotFound, QueueFull, RunManager, error_body
from multipolar.web.schemas import STATIC
from multipolar.web.schemas import error_response as _err
from multipolar.web.settings import Settings

__all__ = ["Guard", "create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the dashboard application for ``settings`` (runs start with the app's lifespan)."""
    settings = settings or Settings()
    manager = RunManager(settings)

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
    app.state.coalition = CoalitionJobs(settings.runs_dir)
    app.state.corpus = (backend.open_corpus(settings.corpus)
                        if settings.corpus is not None else None)
    _add_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _add_error_handlers(app: FastAPI) -> None:
    """User errors as 4xx JSON ``{detail, fix, problems}``; never a traceback."""

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

    @app.exception_handler(Busy)
    async def _busy(request: Request, exc: Busy) -> JSONResponse:
        resp = _err(429, str(exc), "wait a few seconds for one to finish, or cancel one")
        resp.headers["Retry-After"] = "5"
        return resp

    @app.exception_handler(QueueFull)
    async def _full(request: Request, exc: QueueFull) -> JSONResponse:
        resp = _err(429, f"the run queue is full ({exc})",
                    "wait for a run to finish, or cancel one")
        resp.headers["Retry-After"] = "5"
        return resp
