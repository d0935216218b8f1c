"""The one progress bar of the CLI, used by every command that computes for a while.

:class:`Bar` is a context manager around a Rich progress display (on stderr, so ``--json``
output stays clean) and silent when disabled. It is fed three ways: :meth:`Bar.update` with
``(label, done, total)`` (explore, compare), :meth:`Bar.members` as the callback of
:func:`multipolar.ensemble.run_ensemble`, :meth:`Bar.evaluations`, which returns the
``(evaluation, best)`` callback of the calibrators, and :meth:`Bar.stages`, the
``(stage, done, total)`` hook of the coalition forecast. Every line shows the work done as a
count and a percentage, the time spent and the time left. Depends on Rich and
:mod:`multipolar.cli.common` (the console).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from multipolar.cli.common import console


class Bar:
    """A progress bar with one line per label; a no-op when ``enabled`` is false."""

    def __init__(self, enabled: bool, *, transient: bool = False) -> None:
        self.enabled = enabled
        self.transient = transient
        self.bar: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Bar:
        if self.enabled:
            self.bar = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(bar_width=24),
                MofNCompleteColumn(), TaskProgressColumn(), TextColumn("{task.fields[note]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"), TimeRemainingColumn(), console=console,
                transient=self.transient)
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def update(self, label: str, done: int, total: int, note: str = "") -> None:
        """Move the line called ``label`` to ``done`` of ``total``."""
        if self.bar is None:
            return
        if label not in self.tasks:
            self.tasks[label] = self.bar.add_task(label, total=total, note=note)
        self.bar.update(self.tasks[label], completed=min(done, total), total=total, note=note)

    def members(self, p: Any) -> None:
        """Callback for :func:`multipolar.ensemble.run_ensemble` (a ``Progress`` record)."""
        rate = f"{p.rate:,.0f} members/s" if p.rate else ""
        self.update("members", p.members_done, p.members_total, rate)

    def evaluations(self, label: str, total: int) -> Callable[[int, float], None]:
        """Callback ``(evaluation, best MAE)`` for the calibrators."""
        def step(i: int, best: float) -> None:
            self.update(label, i, total, f"best MAE {best:.4f}")

        return step

    def stages(self, label: str) -> Callable[[str, int, int], None]:
        """Hook ``(stage, done, total)`` (the coalition forecast's): one line, the stage as note.

        The line counts members; while the simulated world is prepared (no member done yet)
        the note says so and the time left is unknown.
        """
        def step(stage: str, done: int, total: int) -> None:
            self.update(label, done, total, "" if stage in ("members", "done") else "preparing")

        return step
