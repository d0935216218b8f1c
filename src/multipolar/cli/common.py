"""Helpers shared by CLI modules: the console, clean error exits, output checks, JSON.

:func:`user_errors` turns user errors into a located message and exit code 2 (blaming a bad
``--set`` value on the ``--set``); :func:`prepare_out` checks ``--out`` before any computing;
:func:`overwrite_notice` says when existing files are replaced. Depends on Typer and Rich.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

from multipolar.core.errors import MultipolarError, Problem
from multipolar.core.jsonutil import jsonable

console = Console(stderr=True, highlight=False)
out = Console(highlight=False)

def fail(err: MultipolarError) -> NoReturn:
    """Print a user error (no traceback) and exit with code 2."""
    console.print(f"[bold red]error:[/] {err.render()}", markup=True, soft_wrap=True)
    raise typer.Exit(2)


@contextmanager
def user_errors(sets: Sequence[str] | None = None) -> Iterator[None]:
    """Turn :class:`MultipolarError` into a clean message and exit code 2.

    Problems caused by a ``--set`` value are reported against that ``--set`` (see
    :func:`blame_sets`), not against the scenario file it overrides.
    """
    try:
        yield
    except MultipolarError as err:
        fail(blame_sets(err, sets or ()))


def _names(path: str) -> list[str]:
    """The plain names of a dotted path: ``a.b[X].c@2020`` -> ``[a, b, c]``."""
    path = path.split("@", 1)[0]
    return [re.sub(r"\[.*?\]", "", part) for part in path.split(".") if part]


def blame_sets(err: MultipolarError, sets: Sequence[str]) -> MultipolarError:
    """``err`` with each problem at a ``--set`` path located at that ``--set`` instead.

    After an override, validation errors point at the scenario file's line for that path, which
    the user never wrote; the override they wrote is the place to fix.
    """
    if not sets:
        return err
    keyed = [(_names(s.split("=", 1)[0]), s) for s in sets if "=" in s]
    problems: list[Problem] = []
    changed = False
    for p in err.problems:
        field_names = _names(p.field or "")
        hit = next((s for names, s in keyed
                    if names and p.file and p.file != "--set" and names[-1] in field_names), None)
        if hit is None:
            problems.append(p)
            continue
        changed = True
        problems.append(Problem(f"{p.message} (in the override, not the scenario file)",
                                file="--set", field=hit, fix=p.fix))
    if not changed:
        return err
    return type(err)(problems=problems, title=err.title)


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


def prepare_out(path: Path | None, *, is_file: bool = False) -> None:
    """Check before any computing that ``--out`` can be written.

    Creates the folder (``path``, or its parent when ``is_file``; so a later write cannot fail
    on a missing parent) and writes, then removes, a probe file there.
    """
    if path is None:
        return
    folder = path.parent if is_file else path
    probe = folder / f".multipolar-probe-{os.getpid()}"
    try:
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "it is a file, not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise MultipolarError(f"cannot write to {folder} ({exc.strerror or exc})",
                              file=str(folder), field="--out",
                              fix="choose a folder you can write to, e.g. --out ./runs/NAME "
                              "(nothing was computed yet)") from None


def overwrite_notice(paths: list[Path], where: Path) -> None:
    """Say which existing files are about to be replaced (never overwrite silently)."""
    existing = [p for p in paths if p.exists()]
    if existing:
        names = ", ".join(p.name for p in existing[:3]) + (" ..." if len(existing) > 3 else "")
        console.print(f"[yellow]note[/]: replacing {len(existing)} existing file(s) in "
                      f"{where} ({names})", soft_wrap=False)


def print_json(obj: Any) -> None:
    """Write ``obj`` as JSON to stdout (NaN written as null)."""
    sys.stdout.write(json.dumps(jsonable(obj), indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()
