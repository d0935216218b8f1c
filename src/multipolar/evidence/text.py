r"""Text normalisation for locating short phrases in documents extracted from PDFs and web pages.

A locator is matched against a *key*: the text reduced to its letters and digits, accents
stripped, ligatures and full-width forms expanded (Unicode NFKD), case folded. Everything else
(whitespace, line breaks, punctuation, quotes of any shape, dashes, hyphens) is a separator
and is dropped from the key, so ``inte-\ngration`` and ``integration`` give the same key, as do
``Russia’s`` and ``Russia's`` or ``post-\nSoviet`` and ``post-Soviet``. Footnote markers glued
to the end of a sentence (``Snyder.1``, ``institutions.”10``) are dropped too. For every key
character we keep the offset of the original character it came from (the *index map*) and
whether a word starts there, so a match can be reported at its offset in the original text and
a match must begin and end on word boundaries (``war`` does not match inside ``toward``).

The same function normalises documents and locators, so a locator copied from the document
with any amount of reflowing always matches. Depends only on the standard library.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# A footnote marker: one to three digits right after a letter and a closing punctuation mark,
# followed by whitespace or the end of the text ("Snyder.1", "life.”9", "institutions.”10").
_FOOTNOTE = re.compile(r"(?<=[^\W\d_][.,;:!?\"'”’)\]])\d{1,3}(?=\s|$)")

# Hyphen, then optional spaces, a line break and indentation: a word split over two lines.
_LINE_HYPHEN = re.compile(r"([^\W\d_]+)[-\u00ad\u2010\u2011][ \t\r]*\n\s*([^\W_]+)")
_WORDS = re.compile(r"(?>[^\W\d_]+(?:-[^\W\d_]+)*)(?![-\u00ad\u2010\u2011][ \t\r]*\n)")
_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2010": "-", "\u2011": "-", "\u00ad": "",
    "\ufffd": "",
})


@lru_cache(maxsize=4096)
def _key_chars(ch: str) -> str:
    """Letters and digits that character ``ch`` contributes to the key ('' for separators)."""
    if ch.isascii():
        return ch.lower() if ch.isalnum() else ""
    out = []
    for c in unicodedata.normalize("NFKD", ch):
        if c.isalnum():
            out.append(c.casefold())
    return "".join(out)


def _is_mark(ch: str) -> bool:
    """Tell whether ``ch`` is a combining mark (it belongs to the letter before it)."""
    return not ch.isascii() and unicodedata.category(ch).startswith("M")


@dataclass(frozen=True)
class NormText:
    """A text's matching key with its index map back to the original.

    ``key[k]`` came from ``original[index[k]]``; ``starts[k]`` is True when a word starts at
    ``key[k]`` (a separator precedes it in the original, or it is the first character).
    """

    original: str
    key: str
    index: tuple[int, ...]
    starts: tuple[bool, ...]

    def is_word_span(self, start: int, end: int) -> bool:
        """Tell whether ``key[start:end]`` begins and ends on word boundaries."""
        return self.starts[start] and (end == len(self.key) or self.starts[end])

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Return the original ``[begin, end)`` offsets covered by ``key[start:end]``."""
        return self.index[start], self.index[end - 1] + 1

    def find_all(self, needle: NormText | str) -> list[int]:
        """Key positions where ``needle`` occurs on word boundaries (empty needle: none)."""
        nk = needle.key if isinstance(needle, NormText) else normalise(needle).key
        if not nk:
            return []
        found: list[int] = []
        pos = self.key.find(nk)
        while pos != -1:
            if self.is_word_span(pos, pos + len(nk)):
                found.append(pos)
            pos = self.key.find(nk, pos + 1)
        return found


def normalise(text: str) -> NormText:
    """Build the matching key of ``text`` and its index map (see the module docstring)."""
    skip: set[int] = set()
    for m in _FOOTNOTE.finditer(text):
        skip.update(range(m.start(), m.end()))
    key: list[str] = []
    index: list[int] = []
    starts: list[bool] = []
    pending_sep = True
    for i, ch in enumerate(text):
        if i in skip:
            pending_sep = True
            continue
        kc = _key_chars(ch)
        if not kc:
            if not _is_mark(ch):
                pending_sep = True
            continue
        for j, c in enumerate(kc):
            key.append(c)
            index.append(i)
            starts.append(pending_sep and j == 0)
        pending_sep = False
    return NormText(text, "".join(key), tuple(index), tuple(starts))



def vocabulary(text: str) -> frozenset[str]:
    """Lower-cased words of ``text`` written on one line (hyphenated compounds kept whole)."""
    return frozenset(w.lower() for w in _WORDS.findall(text))


def clean_display(text: str, *, strip: bool = True,
                  vocab: frozenset[str] | None = None) -> str:
    r"""Tidy text for display: rejoined hyphenation, straight quotes, single spaces.

    A word split over two lines (``inte-\ngration``) is rejoined without its hyphen when the
    joined word occurs in ``vocab`` (the document's own words, see :func:`vocabulary`) and keeps
    it when the hyphenated compound does (``attraction-\nassertion``); otherwise the hyphen is
    kept before a capital or digit (``post-\nSoviet``, ``mid-\n2000s``) and dropped before a
    small letter. This is for
    people to read; matching never uses it. With ``strip=False`` leading and trailing
    whitespace is kept (collapsed to one space), so cleaned pieces can be concatenated.
    """
    words = vocab or frozenset()

    def join(m: re.Match[str]) -> str:
        left, right = m.group(1), m.group(2)
        if (left + right).lower() in words:
            return left + right
        if f"{left}-{right}".lower() in words or not right[:1].islower():
            return f"{left}-{right}"
        return left + right

    joined = _SPACES.sub(" ", _LINE_HYPHEN.sub(join, text).translate(_QUOTES))
    return joined.strip() if strip else joined
