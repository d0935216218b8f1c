"""The evidence corpus: a folder of ``.txt`` documents, and locating phrases in them.

:class:`Corpus` lists the plain ``.txt`` files directly inside one folder (the seeds, named like
``001_fd82be3ebef96972.txt``). A citation names its document by full file name, by name without
``.txt``, or by numeric prefix (``001``). Names are only ever looked up in that listing, never
joined onto a path, so a citation (or a dashboard request) cannot read outside the folder:
names with path separators or ``..`` are refused, and symbolic links that lead outside the
folder are left out of the listing. :meth:`Document.find` locates a phrase with the
normalisation of :mod:`multipolar.evidence.text` and reports its offset in the original text
and the passage around it. Depends on the standard library and :mod:`multipolar.core.errors`.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from multipolar.core.errors import InputError
from multipolar.evidence.text import NormText, clean_display, normalise, vocabulary

DOC_SUFFIX = ".txt"
MAX_DOC_BYTES = 20 * 1024 * 1024
PASSAGE_CONTEXT = 240
_SPLIT_AFTER = re.compile(r"[-\u00ad\u2010\u2011][ \t\r]*\n\s*[^\W\d_]+")
_SPLIT_BEFORE = re.compile(r"[^\W\d_]+[-\u00ad\u2010\u2011][ \t\r]*\n\s*\Z")
_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]*$")


@dataclass(frozen=True)
class Passage:
    """The text around a match, cleaned for display, split so the match can be highlighted."""

    before: str
    match: str
    after: str

    @property
    def text(self) -> str:
        """The whole passage as one string."""
        return f"{self.before}{self.match}{self.after}"


@dataclass(frozen=True)
class Match:
    """Where a locator was found: offsets into the ORIGINAL text of the document."""

    doc: str
    locator: str
    offset: int
    end: int
    line: int
    column: int
    occurrences: int
    offsets: tuple[int, ...]
    text: str
    passage: Passage

    @property
    def unique(self) -> bool:
        """True when the locator occurs once in the document."""
        return self.occurrences == 1


@dataclass
class Document:
    """One document of the corpus; its text is read on first use."""

    name: str
    path: Path
    root: Path
    _text: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        """The original text (UTF-8; undecodable bytes become U+FFFD)."""
        if self._text is None:
            real = _inside(self.root, self.path)
            if real is None:
                raise InputError(f"document '{self.name}' now lies outside the corpus folder",
                                 file=str(self.path), fix="remove the link or fix the folder")
            try:
                size = real.stat().st_size
                if size > MAX_DOC_BYTES:
                    raise InputError(
                        f"document '{self.name}' is {size} bytes, over {MAX_DOC_BYTES}",
                        file=str(self.path), fix="split it or remove it from the corpus")
                self._text = real.read_bytes().decode("utf-8", errors="replace")
            except OSError as exc:
                raise InputError(f"cannot read document '{self.name}': {exc.strerror}",
                                 file=str(self.path),
                                 fix="check the file and its permissions") from None
        return self._text

    @cached_property
    def norm(self) -> NormText:
        """The matching key of the text with its index map."""
        return normalise(self.text)

    @cached_property
    def vocab(self) -> frozenset[str]:
        """The document's words, used to rejoin words split over lines for display."""
        return vocabulary(self.text)

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        text = self.text
        line = text.count("\n", 0, offset) + 1
        return line, offset - (text.rfind("\n", 0, offset) + 1) + 1

    def passage(self, start: int, end: int, context: int = PASSAGE_CONTEXT) -> Passage:
        """Return the cleaned text around ``text[start:end]``, cut at word boundaries."""
        text = self.text
        # Never cut a word split over two lines: widen the highlighted span to whole words.
        m = _SPLIT_AFTER.match(text, end)
        if m:
            end = m.end()
        m = _SPLIT_BEFORE.search(text, max(0, start - 80), start)
        if m:
            start = m.start()
        lo = max(0, start - context)
        hi = min(len(text), end + context)
        if lo > 0:
            sp = text.find(" ", lo, start)
            nl = text.find("\n", lo, start)
            cands = [c for c in (sp, nl) if c != -1]
            lo = min(cands) + 1 if cands else lo
        if hi < len(text):
            cands = [c for c in (text.rfind(" ", end, hi), text.rfind("\n", end, hi)) if c != -1]
            hi = max(cands) if cands else hi
        v = self.vocab
        before = clean_display(text[lo:start], strip=False, vocab=v).lstrip()
        after = clean_display(text[end:hi], strip=False, vocab=v).rstrip()
        match = clean_display(text[start:end], strip=False, vocab=v)
        return Passage(("…" if lo > 0 else "") + before, match,
                       after + ("…" if hi < len(text) else ""))

    def find_all(self, locator: str) -> list[tuple[int, int]]:
        """Original ``(start, end)`` offsets of every word-bounded occurrence of ``locator``."""
        nloc = normalise(locator)
        n = len(nloc.key)
        return [self.norm.span(k, k + n) for k in self.norm.find_all(nloc)]

    def find(self, locator: str, context: int = PASSAGE_CONTEXT) -> Match | None:
        """Return the first occurrence of ``locator`` (``None`` when it does not occur)."""
        spans = self.find_all(locator)
        if not spans:
            return None
        start, end = spans[0]
        line, col = self.line_col(start)
        return Match(self.name, locator, start, end, line, col, len(spans),
                     tuple(s for s, _ in spans), self.text[start:end],
                     self.passage(start, end, context))

    def closest(self, locator: str, context: int = 60) -> tuple[int, str] | None:
        """Line and cleaned text of the passage sharing the longest run with ``locator``."""
        lk = normalise(locator).key
        dk = self.norm.key
        if not lk or not dk:
            return None
        sm = difflib.SequenceMatcher(None, dk, lk, autojunk=False)
        m = sm.find_longest_match(0, len(dk), 0, len(lk))
        if m.size < 4:
            return None
        start, end = self.norm.span(m.a, m.a + m.size)
        p = self.passage(start, end, context)
        return self.line_col(start)[0], p.text


def _inside(root: Path, path: Path) -> Path | None:
    """``path`` resolved, or ``None`` if it resolves outside ``root`` (already resolved)."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return real if real.is_relative_to(root) and real.is_file() else None


class Corpus:
    """The ``.txt`` documents directly inside one folder."""

    def __init__(self, root: Path, documents: dict[str, Document],
                 skipped: dict[str, str] | None = None) -> None:
        self.root = root
        self.documents = documents
        self.skipped = dict(skipped or {})

    @classmethod
    def from_dir(cls, path: str | os.PathLike[str]) -> Corpus:
        """List the documents of folder ``path``; a clean error if it is not a usable folder."""
        given = Path(path)
        if not given.exists():
            raise InputError(f"corpus folder '{given}' does not exist", file=str(given),
                             field="--corpus",
                             fix="give the folder holding the seed .txt files, "
                                 "e.g. --corpus ../shared/seeds")
        if not given.is_dir():
            raise InputError(f"corpus '{given}' is not a folder", file=str(given),
                             field="--corpus", fix="give the folder, not a file inside it")
        root = given.resolve()
        docs: dict[str, Document] = {}
        skipped: dict[str, str] = {}
        try:
            entries = sorted(root.iterdir())
        except OSError as exc:
            raise InputError(f"cannot list corpus folder: {exc.strerror}", file=str(given),
                             field="--corpus", fix="check the folder's permissions") from None
        for entry in entries:
            name = entry.name
            if not name.lower().endswith(DOC_SUFFIX) or name.startswith("."):
                continue
            if _inside(root, entry) is None:
                skipped[name] = "not a regular file inside the corpus folder (link leads outside?)"
                continue
            docs[name] = Document(name, entry, root)
        if not docs:
            raise InputError(f"corpus folder '{given}' holds no {DOC_SUFFIX} documents",
                             file=str(given), field="--corpus",
                             fix="point --corpus at the folder with the seed documents")
        return cls(root, docs, skipped)

    @property
    def names(self) -> list[str]:
        """Full file names of the documents, sorted."""
        return sorted(self.documents)

    def resolve_name(self, doc: str) -> str:
        """Return the full file name that ``doc`` refers to, or raise a clean error.

        ``doc`` may be a full name, a name without ``.txt`` or a unique prefix ending before an
        underscore (``001`` for ``001_fd82be3ebef96972.txt``). Anything that looks like a path
        (separators, ``..``, an absolute path) is refused.
        """
        listing = ", ".join(self.names)
        if (not doc or "/" in doc or "\\" in doc or "\x00" in doc or ".." in doc
                or os.path.isabs(doc) or not _NAME_OK.match(doc)):
            raise InputError(f"'{doc}' is not a document name", field="doc",
                             fix=f"name a file of the corpus, without any folder: {listing}")
        if doc in self.documents:
            return doc
        if doc + DOC_SUFFIX in self.documents:
            return doc + DOC_SUFFIX
        hits = [n for n in self.names if n.startswith(doc + "_")]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise InputError(f"document prefix '{doc}' matches {len(hits)} documents",
                             field="doc", fix=f"use the full name: {', '.join(hits)}")
        close = difflib.get_close_matches(doc, self.names, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        extra = f" (left out: {', '.join(sorted(self.skipped))})" if doc in self.skipped else ""
        raise InputError(f"document '{doc}' is not in the corpus {self.root}{extra}",
                         field="doc", fix=f"{hint}use one of: {listing}")

    def document(self, doc: str) -> Document:
        """Return the document called ``doc`` (see :meth:`resolve_name`)."""
        return self.documents[self.resolve_name(doc)]

    def safe_path(self, doc: str) -> Path:
        """Return the resolved path of ``doc``, guaranteed to lie inside the corpus folder."""
        d = self.document(doc)
        real = _inside(self.root, d.path)
        if real is None:
            raise InputError(f"document '{doc}' lies outside the corpus folder", field="doc",
                             fix="remove the link from the corpus folder")
        return real

    def locate(self, doc: str, locator: str, context: int = PASSAGE_CONTEXT) -> Match:
        """Find ``locator`` in ``doc``; a clean error naming the closest text if it is absent."""
        d = self.document(doc)
        m = d.find(locator, context)
        if m is None:
            raise InputError(f"phrase '{locator}' does not occur in {d.name}", field="locator",
                             fix=missing_fix(d, locator))
        return m


def missing_fix(doc: Document, locator: str) -> str:
    """Advice for a locator not found in ``doc``, quoting the closest passage."""
    near = doc.closest(locator)
    base = "copy a phrase of at most 12 words from the document"
    if near is None:
        return f"{base}; nothing similar occurs in {doc.name}"
    line, text = near
    return f"{base}; the closest text is at line {line}: \"{text}\""
