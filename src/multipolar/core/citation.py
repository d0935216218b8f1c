"""A citation: a pointer at a passage of a source document, and the idea taken from it.

:class:`Citation` is shared by the scenario language (a mechanism's or parameter's evidence)
and the bargaining data files, which both validate it; the scenario re-exports it as
``multipolar.scenario.Citation``. Depends on pydantic only.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_LOCATOR_WORDS = 12
_WORD = re.compile(r"\S+")


class Citation(BaseModel):
    """A pointer at a passage of a source document, and the idea we take from it.

    ``locator`` is a short phrase (at most twelve words) that occurs in ``doc``; ``claim``
    states in our own words what the passage supports. ``doc`` is a file name in the
    evidence corpus (e.g. ``001_fd82be3ebef96972.txt``) or its numeric prefix (``001``).
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)

    doc: str = Field(min_length=1)
    locator: str = Field(min_length=3)
    claim: str = Field(min_length=3)

    @field_validator("locator")
    @classmethod
    def _short_locator(cls, v: str) -> str:
        n = len(_WORD.findall(v))
        if n > MAX_LOCATOR_WORDS:
            raise ValueError(
                f"locator has {n} words; use a phrase of at most {MAX_LOCATOR_WORDS} words "
                "that occurs in the document (a pointer, not a quotation)"
            )
        return v
