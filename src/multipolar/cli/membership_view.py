"""The membership table of ``run`` and ``forecast``: who is a member now, staying or joining.

A probability of membership in a later year reads differently for a state that is a member in
the last observed year (the chance it *stays*) and for one that is not (the chance it
*joins*). The table puts the two in separate columns, headed by the years they compare, so
that nobody has to guess the observed status. Depends on Rich and
:mod:`multipolar.core.textformat`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from rich.table import Table

from multipolar.core.textformat import DASH, MIN_SHOWN

WIDTH = 26
"""Characters per line of a cell: three cells fit an 80-column terminal."""

Status = tuple[bool | None, float | None]
"""Member in the last observed year (None: unknown) and P(member) in the last year."""


def split(status: Mapping[str, Status], minimum: float = MIN_SHOWN) -> tuple[str, str]:
    """The ``stay`` and ``join`` cells of one actor.

    A member's probability is always shown (a low one says it is likely to leave); a
    non-member's only at or above ``minimum``.
    """
    stay, join = [], []
    for inst, (member, p) in status.items():
        if p is None or math.isnan(p):
            continue
        if member:
            stay.append(f"{inst} {p:.2f}")
        elif p >= minimum:
            join.append(f"{inst} {p:.2f}")
    return lines(stay), lines(join)


def lines(items: list[str], width: int = WIDTH) -> str:
    """``items`` joined by commas, broken between items (never inside one) at ``width``."""
    out: list[str] = []
    for item in items:
        if out and len(out[-1]) + len(item) + 2 <= width:
            out[-1] += f", {item}"
        else:
            if out:
                out[-1] += ","
            out.append(item)
    return "\n".join(out) or DASH


def membership_table(rows: Iterable[tuple[str, Mapping[str, Status]]], observed: int,
                     end: int, caption: str | None = None) -> Table | None:
    """``actor | member in OBSERVED: P(still a member in END) | not a member: P(joined by END)``.

    Rows with nothing to show (no membership and no chance of one) are left out; None when
    no row is left.
    """
    t = Table(title=f"memberships: who is a member in {observed}, and the chance of "
                    f"membership in {end}", caption=caption, caption_justify="left")
    t.add_column("actor", overflow="fold")
    t.add_column(f"member in {observed}: P(stays) {end}")
    t.add_column(f"not a member in {observed}: P(joins) {end}")
    n = 0
    for actor, status in rows:
        stay, join = split(status)
        if stay == DASH and join == DASH:
            continue
        t.add_row(actor, stay, join)
        n += 1
    return t if n else None
