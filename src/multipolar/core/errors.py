"""User-facing errors.

Every error a user can cause (a malformed scenario, an unknown actor, a bad ``--set`` path, a
truncated input file) is raised as a :class:`MultipolarError` carrying *where* (file, line,
column, field) and *how to fix it*. The CLI renders these without a traceback and exits with
code 2. This module depends on nothing else in the package.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    fix: str | None = None

    def render(self) -> str:
        """Format as ``file:line:col: field: message`` followed by an indented fix."""
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
        head = ": ".join(p for p in (where, self.field or "", self.message) if p)
        if self.fix:
            head += f"\n    fix: {self.fix}"
        return head


@dataclass
class MultipolarError(Exception):
    """An error caused by user input; rendered for people, never as a traceback.

    It holds one or more :class:`Problem` records so a validator can report every problem in
    a file at once instead of stopping at the first.
    """

    problems: list[Problem] = field(default_factory=list)
    title: str = "error"

    def __init__(
        self,
        message: str | None = None,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        fix: str | None = None,
        problems: list[Problem] | None = None,
        title: str = "error",
    ) -> None:
        self.problems = list(problems or [])
        if message is not None:
            self.problems.insert(
                0,
                Problem(message, file=file, line=line, column=column, field=field, fix=fix),
            )
        self.title = title
        super().__init__(self.render())

    def render(self) -> str:
        """Human-readable report of every problem."""
        if not self.problems:
            return self.title
        if len(self.problems) == 1:
            return self.problems[0].render()
        lines = [f"{self.title}: {len(self.problems)} problems"]
        lines += [f"  {i}. " + p.render().replace("\n", "\n     ")
                  for i, p in enumerate(self.problems, 1)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


class ScenarioError(MultipolarError):
    """A scenario file (YAML) or an override of it is invalid."""


class InputError(MultipolarError):
    """A data or bargaining input file is invalid."""


def suggest(name: str, known: list[str] | tuple[str, ...]) -> str:
    """A fix hint: the closest known name, then the list of known names."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    head = f"did you mean '{close[0]}'? " if close else ""
    shown = ", ".join(list(known)[:25]) + (" ..." if len(known) > 25 else "")
    return f"{head}known: {shown}"
