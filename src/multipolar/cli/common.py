"""Helpers shared by CLI modules: the console, clean error exits, JSON printing."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from multipolar.errors import MultipolarError
from multipolar.jsonutil import jsonable

console = Console(stderr=True, highlight=False)
out = Console(highlight=False)

F = TypeVar("F", bound=Callable[..., Any])


def fail(err: MultipolarError) -> NoReturn:
    """Print a user error (no traceback) and exit with code 2."""
    console.print(f"[bold red]error:[/] {err.render()}", markup=True, soft_wrap=True)
    raise typer.Exit(2)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn :class:`MultipolarError` into a clean message and exit code 2."""
    try:
        yield
    except MultipolarError as err:
        fail(err)


@contextmanager
def writing(what: str, path: object, *, field: str | None = "--out",
            fix: str = "choose a writable folder",
            error: type[MultipolarError] = MultipolarError) -> Iterator[None]:
    """Turn an ``OSError`` while writing ``what`` to ``path`` into a clean user error."""
    try:
        yield
    except OSError as exc:
        raise error(f"cannot write {what} ({exc.strerror or exc})", file=str(path),
                    field=field, fix=fix) from None


def print_json(obj: Any) -> None:
    """Write ``obj`` as JSON to stdout (NaN written as null)."""
    sys.stdout.write(json.dumps(jsonable(obj), indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()
