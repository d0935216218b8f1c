"""The web dashboard: run, watch, compare and download ensembles of the model in a browser.

``multipolar serve`` starts it (:mod:`multipolar.cli.serve_cmds`); :func:`create_app` builds the
FastAPI application for tests and embedding. Module map: :mod:`.settings` (limits and options),
:mod:`.backend` (the only module that calls the model, ensemble, evidence and report code),
:mod:`.runs` (run folders, bounded queue, workers), :mod:`.schemas` (API types), :mod:`.guard`
(middleware), :mod:`.routes` (the endpoints, one router per concern) and :mod:`.app`, which
assembles them.
Depends on FastAPI/Starlette (and uvicorn to serve).
"""

from multipolar.web.app import create_app
from multipolar.web.settings import Settings

__all__ = ["Settings", "create_app"]
