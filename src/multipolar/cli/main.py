"""Entry point of the ``multipolar`` command.

Each group of commands lives in its own module and exposes either a ``typer.Typer`` called
``app`` (mounted as a sub-command group) or a ``register(app)`` function adding plain commands.
The list below is the only place that knows them all.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from multipolar import __version__
from multipolar.cli.options import Data, hoist_data
from multipolar.core.errors import MultipolarError

# every data loader reads the active data set (multipolar.datasets); importing the store
# also lets provenance lines name it
from multipolar.datasets.store import activate
from multipolar.model._alloc import tune_allocator


class _Root(TyperGroup):
    """The root command: ``--data NAME`` is accepted after any command too."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_data(args))


app = typer.Typer(
    name="multipolar",
    cls=_Root,
    help="Executable models of Russian foreign policy and its neighbourhood.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)

# (module, group name or None for register(app))
_MODULES: list[tuple[str, str | None]] = [
    ("multipolar.cli.scenario_cmds", None),
    ("multipolar.cli.evidence_cmds", "evidence"),
    ("multipolar.cli.run_cmds", None),
    ("multipolar.cli.bargain_cmds", "bargain"),
    ("multipolar.cli.runs_cmds", None),
    ("multipolar.cli.calibrate_cmds", None),
    ("multipolar.cli.explore_cmds", None),
    ("multipolar.cli.serve_cmds", None),
    ("multipolar.cli.coalition_cmds", None),
    ("multipolar.cli.data_cmds", "data"),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"multipolar {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    data: Data = None,
) -> None:
    """Executable models of Russian foreign policy and its neighbourhood."""
    if data is not None:
        try:
            activate(data)
        except MultipolarError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None


def _mount() -> None:
    for module_name, group in _MODULES:
        try:
            mod = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # that part of the CLI is not built yet
            raise
        if group is None:
            mod.register(app)
        else:
            app.add_typer(mod.app, name=group)


_mount()


def main() -> None:
    """Run the CLI."""
    tune_allocator()  # once per process (MULTIPOLAR_MALLOC_TUNE=0 leaves the allocator alone)
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")  # `run --out` says itself how to resume
        sys.exit(130)
    except Exception as exc:  # a bug, not a user error: say so briefly
        if os.environ.get("MULTIPOLAR_DEBUG"):
            raise
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in multipolar, not in your input. Set MULTIPOLAR_DEBUG=1 for the "
            "traceback and please report it.\n"
        )
        sys.exit(3)
    finally:
        # release Arrow's readers and writers while Arrow is still alive: a native pool torn
        # down at interpreter exit with a live worker aborts the process after the work is
        # done (apache/arrow#34314)
        gc.collect()


if __name__ == "__main__":
    main()
