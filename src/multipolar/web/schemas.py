"""The dashboard API's types: request and response models, path patterns, error bodies.

Shared by :mod:`multipolar.web.app` and the routers in :mod:`multipolar.web.routes`; the
published OpenAPI schema is built from these. Depends on FastAPI and pydantic.
"""

from __future__ import annotations

from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from multipolar.core.specs import DASHBOARD_MEMBERS, RUN_SEED
from multipolar.web import backend
from multipolar.web.settings import (
    MAX_COALITION_MEMBERS,
    MAX_MEMBER_YEARS,
    MAX_MEMBERS,
    MAX_SEED,
    MAX_SPAN,
    MAX_YEAR,
    MIN_YEAR,
)

STATIC = Path(str(resources.files("multipolar.web") / "static"))
TOKEN_COOKIE = "multipolar_token"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
RUN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$"

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=100)]
RunId = Annotated[str, PathParam(pattern=RUN_ID_PATTERN, max_length=80,
                                 description="a run id as listed by GET /api/runs")]
LeverValue = Annotated[float, Field(ge=-1e6, le=1e6, allow_inf_nan=False)]


class RunRequest(BaseModel):
    """What to run: scenario, overlays, seed, members, years and lever settings."""

    model_config = ConfigDict(extra="forbid")

    scenario: Name = Field("russia-neighbourhood", description="a bundled scenario name")
    perspective: Name | None = Field(None, description="perspective overlay (none = base)")
    hypothesis: Name | None = Field(None, description="hypothesis overlay (none = default)")
    seed: int = Field(RUN_SEED, ge=0, le=MAX_SEED,
                      description="master seed: same seed, same results")
    members: int = Field(DASHBOARD_MEMBERS, ge=1, le=MAX_MEMBERS, description="ensemble members")
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


class CoalitionLever(BaseModel):
    """One dated lever of a what-if: ``PATH[TARGET]=VALUE@YEAR`` (target and year optional)."""

    model_config = ConfigDict(extra="forbid")

    path: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,60}"
                                                   r"(\.[A-Za-z][A-Za-z0-9_]{0,60}){0,3}$",
                                           max_length=200)] = Field(
        description="a lever, driver or mechanism parameter, e.g. kindred_regimes.support")
    value: LeverValue
    target: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_ .-]{0,59}$",
                                             max_length=60)] | None = Field(
        None, description="the state it acts on (none: every state)")
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR, description="from this year on")

    def as_set(self) -> str:
        """The ``--set`` item of this lever."""
        key = self.path + (f"[{self.target}]" if self.target else "")
        return f"{key}={self.value:.6g}" + (f"@{self.year}" if self.year is not None else "")


class CoalitionRequest(BaseModel):
    """A coalition question: the event, the vote, the view of the system and the levers."""

    model_config = ConfigDict(extra="forbid")

    scenario: Name = Field("russia-world", description="a bundled scenario with actor_sets")
    kind: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] = Field(
        "use_of_force", description="event kind (use_of_force)")
    target: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")] = Field(
        description="ISO3 code of the state Russia uses force against")
    year: int = Field(ge=1993, le=2100, description="year of the event")
    resolution: Name | None = Field(None, description="kind of resolution voted on "
                                                      "(none: the kind the event implies)")
    vote_year: int | None = Field(None, ge=1993, le=2100,
                                  description="year of the vote (none: the event's year)")
    perspective: Name | None = Field(None, description="perspective overlay (none = base)")
    hypothesis: Name | None = Field(None, description="hypothesis overlay (none = default)")
    levers: list[CoalitionLever] = Field(default_factory=list, max_length=16,
                                         description="dated levers of the what-if")
    events: list[Annotated[str, StringConstraints(
        pattern=r"^[a-z_]{1,40}:[A-Za-z][A-Za-z0-9 ._-]{0,59}(/[A-Za-z0-9_.-]{1,40})?@\d{4}$",
        max_length=120)]] = Field(default_factory=list, max_length=8,
                                  description="other dated events that shape the simulated "
                                              "world, KIND:TARGET[/INSTITUTION]@YEAR")
    hindsight: bool = Field(False, description="allow a vote within the calibration's data "
                                               "(labelled as hindsight)")
    members: int = Field(200, ge=1, le=MAX_COALITION_MEMBERS, description="ensemble members")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="master seed")


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
    sphere_csv = "sphere.csv"
    standing_csv = "standing.csv"
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


def error_response(status: int, message: str, fix: str | None = None,
                   problems: list[dict[str, Any]] | None = None) -> JSONResponse:
    """A user error as JSON: what is wrong, how to fix it, and every problem."""
    return JSONResponse({"detail": message, "fix": fix, "problems": problems or []},
                        status_code=status)

