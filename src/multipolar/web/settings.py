"""Settings and hard limits of the dashboard server.

:class:`Settings` is what ``multipolar serve`` hands to :func:`multipolar.web.app.create_app`:
where to bind, where runs are stored, the optional evidence corpus, the optional access token
and the size of the run queue. The ``MAX_*`` constants bound every request, so a request for a
billion members or a hundred-thousand-year span is refused at once with a clear 4xx.
Depends on the standard library and :mod:`multipolar.core.errors`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path

from multipolar.core.errors import InputError
from multipolar.core.specs import DASHBOARD_MEMBERS

MAX_MEMBERS = 20_000
"""Most ensemble members one dashboard run may ask for (use the CLI for more)."""
MAX_COALITION_MEMBERS = 5_000
"""Most members of one coalition forecast in the dashboard (the CLI takes more)."""
MAX_SEED = 2**63 - 1
MIN_YEAR = 1900
MAX_YEAR = 2200
MAX_SPAN = 150
"""Longest simulated span (years) a dashboard run may ask for."""
MAX_MEMBER_YEARS = 2_000_000
"""Bound on members x years of one run, which is what its time and memory grow with."""
MAX_BODY_BYTES = 64 * 1024
MAX_QUEUE = 64
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
"""Shape of a run id (a run folder's name): no separators, no ``..`` prefix, bounded."""
LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class Settings:
    """Configuration of one dashboard server (see module docstring)."""

    runs_dir: Path = field(default_factory=lambda: Path("multipolar-runs"))
    corpus: Path | None = None
    token: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    queue_size: int = 8
    workers: int = 1
    default_members: int = DASHBOARD_MEMBERS

    def __post_init__(self) -> None:
        self.runs_dir = Path(self.runs_dir).expanduser()
        if self.corpus is not None:
            self.corpus = Path(self.corpus).expanduser()
        if self.token is not None and len(self.token) < 8:
            raise InputError("the access token is too short", field="--token",
                             fix="use at least 8 characters, e.g. from "
                                 "`python -c 'import secrets; print(secrets.token_urlsafe())'`")
        if not is_loopback(self.host) and not self.token:
            raise InputError(
                f"binding to {self.host} exposes the dashboard to other machines",
                field="--host", fix="add --token SECRET (clients then send it), or keep the "
                                    "default --host 127.0.0.1")
        if not 1 <= self.port <= 65535:
            raise InputError(f"port {self.port} is not a TCP port", field="--port",
                             fix="choose a port between 1 and 65535, e.g. 8000")
        if not 1 <= self.queue_size <= MAX_QUEUE:
            raise InputError(f"queue size {self.queue_size} is out of range", field="--queue",
                             fix=f"choose between 1 and {MAX_QUEUE}")
        if not 1 <= self.workers <= 8:
            raise InputError(f"{self.workers} run workers is out of range", field="--workers",
                             fix="choose between 1 and 8")
