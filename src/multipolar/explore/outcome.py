"""A small, safe expression language for outcomes of an exploration.

An outcome reduces each ensemble member's trajectory to one number (or a 0/1 flag), e.g.::

    alignment[Belarus][2030]                 one actor, one year
    mean(alignment[Ukraine][2025:2035])      mean over the years 2025..2035 (both included)
    membership[Armenia][EAEU][2030]          1 if Armenia is in the EAEU in 2030, else 0
    capacity[2030]                           Russia's own outcomes take a year only
    alignment[Belarus][2030] < 0.3           a comparison gives a 0/1 flag (PRIM targets)
    max(alignment[Georgia][2014:2035]) - alignment[Georgia][2014]

Grammar (no Python is ever evaluated; names are checked against the model)::

    expr    := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?
    sum     := product (('+' | '-') product)*
    product := unary (('*' | '/') unary)*
    unary   := '-' unary | atom
    atom    := NUMBER | '(' expr ')' | FUNC '(' expr ')' | NAME ('[' index ']')*
    index   := NAME | NUMBER | NUMBER ':' NUMBER | 'quoted name'
    FUNC    := mean | min | max | sum | std | first | last

A reference with a year range is a ``(members, years)`` array; the functions reduce over
years. Actor names with spaces are quoted: ``alignment['United States'][2030]``.
Errors are :class:`~multipolar.core.errors.MultipolarError` s with the column and a caret.
Depends on NumPy and :mod:`multipolar.core.errors` only.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from multipolar.core.errors import MultipolarError

ACTOR_OUTCOMES = ("alignment", "china_share", "subsidy", "coercion", "conflict", "integration",
                  "democracy", "dependence", "attraction", "assertion")
CORE_OUTCOMES = ("capacity", "regime_security", "recognition", "oil_price", "china_weight")
FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mean": lambda a: a.mean(axis=-1),
    "min": lambda a: a.min(axis=-1),
    "max": lambda a: a.max(axis=-1),
    "sum": lambda a: a.sum(axis=-1),
    "std": lambda a: a.std(axis=-1),
    "first": lambda a: a[..., 0],
    "last": lambda a: a[..., -1],
}
_CMP = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
        "==": np.equal, "!=": np.not_equal}
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<op><=|>=|==|!=|[-+*/()<>\[\]:])
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    """One lexical token with its 0-based position in the text."""

    kind: str
    text: str
    pos: int


@dataclass(frozen=True)
class Domain:
    """The names an expression may use: years, actors and institutions of a model."""

    years: tuple[int, ...]
    actors: tuple[str, ...]
    institutions: tuple[str, ...]

    @staticmethod
    def of(model: Any) -> Domain:
        """The domain of a compiled model or a ``ChunkResult`` (anything with these lists)."""
        return Domain(tuple(int(y) for y in model.years), tuple(model.actors),
                      tuple(model.institutions))


# An evaluator maps a ChunkResult to a (members,) or (members, years) float array.
Eval = Callable[[Any], np.ndarray]


class Outcome:
    """A parsed outcome: its text, whether it is a 0/1 flag, and how to evaluate it.

    Outcomes pickle as their text and domain (a worker re-parses them), so they can travel
    to process and Dask workers.
    """

    def __init__(self, text: str, is_flag: bool, fn: Eval, uses: tuple[str, ...],
                 domain: Domain) -> None:
        self.text = text
        self.is_flag = is_flag
        self.fn = fn
        self.uses = uses
        self.domain = domain

    def __call__(self, res: Any) -> np.ndarray:
        """The outcome per member of ``res`` (a ``ChunkResult``), shape ``(members,)``."""
        return np.asarray(self.fn(res), dtype=np.float64)

    def __reduce__(self) -> tuple[Any, ...]:
        return (parse_outcome, (self.text, self.domain))

    def __repr__(self) -> str:
        return f"Outcome({self.text!r})"


def _err(text: str, pos: int, message: str, fix: str) -> MultipolarError:
    caret = f"\n      {text}\n      {' ' * pos}^"
    return MultipolarError(f"{message} (column {pos + 1}){caret}", field="--outcome",
                      column=pos + 1, fix=fix)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; an unexpected character is an error with its column."""
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _err(text, pos, f"unexpected character {text[pos]!r}",
                       "outcomes use names, [index], numbers, + - * /, comparisons and "
                       "functions like mean(...)")
        kind = m.lastgroup or ""
        if kind != "ws":
            tok = m.group()
            out.append(Token(kind, tok[1:-1] if kind == "str" else tok, pos))
        pos = m.end()
    out.append(Token("end", "", len(text)))
    return out


class _Parser:
    def __init__(self, text: str, domain: Domain) -> None:
        self.text = text
        self.dom = domain
        self.toks = tokenize(text)
        self.i = 0
        self.uses: list[str] = []

    # ---------------------------------------------------------------- helpers
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def take(self) -> Token:
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, text: str, fix: str) -> Token:
        t = self.tok
        if t.text != text or t.kind not in ("op",):
            got = "the end of the expression" if t.kind == "end" else repr(t.text)
            raise _err(self.text, t.pos, f"expected '{text}' but found {got}", fix)
        return self.take()

    def error(self, t: Token, message: str, fix: str) -> MultipolarError:
        return _err(self.text, t.pos, message, fix)

    # ---------------------------------------------------------------- grammar
    def parse(self) -> tuple[Eval, bool]:
        fn, flag = self.expr()
        if self.tok.kind != "end":
            raise self.error(self.tok, f"unexpected {self.tok.text!r} after a complete "
                             "expression", "remove it, or join the parts with an operator")
        return fn, flag

    def expr(self) -> tuple[Eval, bool]:
        left = self.sum()
        if self.tok.kind == "op" and self.tok.text in _CMP:
            op = _CMP[self.take().text]
            right = self.sum()
            return (lambda r: op(left(r), right(r)).astype(np.float64)), True
        return left, False

    def sum(self) -> Eval:
        left = self.product()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.take().text
            right = self.product()
            left = (lambda a, b: (lambda r: a(r) + b(r)))(left, right) if op == "+" else \
                (lambda a, b: (lambda r: a(r) - b(r)))(left, right)
        return left

    def product(self) -> Eval:
        left = self.unary()
        while self.tok.kind == "op" and self.tok.text in "*/":
            op = self.take().text
            right = self.unary()
            if op == "*":
                left = (lambda a, b: (lambda r: a(r) * b(r)))(left, right)
            else:
                left = (lambda a, b: (lambda r: _div(a(r), b(r))))(left, right)
        return left

    def unary(self) -> Eval:
        if self.tok.kind == "op" and self.tok.text == "-":
            self.take()
            inner = self.unary()
            return lambda r: -inner(r)
        return self.atom()

    def atom(self) -> Eval:
        t = self.tok
        if t.kind == "num":
            self.take()
            v = float(t.text)
            return lambda r: np.float64(v)  # type: ignore[return-value]
        if t.kind == "op" and t.text == "(":
            self.take()
            fn, _flag = self.expr()
            self.expect(")", "close the parenthesis")
            return fn
        if t.kind == "name":
            if t.text in FUNCTIONS:
                return self.call()
            return self.reference()
        if t.kind == "end":
            raise self.error(t, "the expression ends too early",
                             "complete it, e.g. alignment[Belarus][2030]")
        raise self.error(t, f"unexpected {t.text!r}",
                         "start with a number, a name like alignment[Belarus][2030], "
                         "a function like mean(...) or '('")

    def call(self) -> Eval:
        name = self.take()
        f = FUNCTIONS[name.text]
        self.expect("(", f"write {name.text}(...) around what to reduce")
        inner, _ = self.expr()
        self.expect(")", "close the parenthesis of the function call")
        return lambda r: f(np.atleast_1d(inner(r)))

    def index(self) -> tuple[Token, Token | None]:
        self.expect("[", "indices go in square brackets")
        t = self.tok
        if t.kind not in ("name", "num", "str"):
            raise self.error(t, "expected an actor, institution or year inside [...]",
                             "e.g. [Belarus], ['United States'], [2030] or [2025:2035]")
        self.take()
        hi: Token | None = None
        if self.tok.kind == "op" and self.tok.text == ":":
            self.take()
            hi = self.tok
            if hi.kind != "num":
                raise self.error(hi, "expected the last year of the range after ':'",
                                 "write a year range as [2025:2035] (both years included)")
            self.take()
        self.expect("]", "close the index with ']'")
        return t, hi

    def year_slice(self, lo: Token, hi: Token | None) -> slice | int:
        years = self.dom.years

        def pos_of(tok: Token) -> int:
            if tok.kind != "num" or not tok.text.isdigit():
                raise self.error(tok, f"expected a year, found {tok.text!r}",
                                 f"use a year between {years[0]} and {years[-1]}")
            y = int(tok.text)
            if y not in years:
                raise self.error(tok, f"year {y} is outside the simulated years "
                                 f"{years[0]}-{years[-1]}",
                                 f"use a year between {years[0]} and {years[-1]} "
                                 "(or change --start/--end)")
            return years.index(y)

        a = pos_of(lo)
        if hi is None:
            return a
        b = pos_of(hi)
        if b < a:
            raise self.error(hi, f"the range {lo.text}:{hi.text} runs backwards",
                             "put the earlier year first")
        return slice(a, b + 1)

    def named(self, tok: Token, known: tuple[str, ...], what: str) -> int:
        if tok.text not in known:
            close = difflib.get_close_matches(tok.text, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise self.error(tok, f"unknown {what} '{tok.text}'",
                             f"{hint}known {what}s: {', '.join(known)}")
        return known.index(tok.text)

    def reference(self) -> Eval:
        name = self.take()
        n = name.text
        if n in ACTOR_OUTCOMES:
            a_tok, extra = self.index()
            if extra is not None:
                raise self.error(a_tok, "an actor cannot be a range", "name one actor")
            j = self.named(a_tok, self.dom.actors, "actor")
            yt = self.year_index(name, f"{n}[{a_tok.text}]")
            self.uses.append(n)
            return lambda r: r.actor_outcomes[n][:, yt, j]
        if n in CORE_OUTCOMES:
            yt = self.year_index(name, n)
            self.uses.append(n)
            return lambda r: r.core_outcomes[n][:, yt]
        if n == "membership":
            a_tok, _ = self.index()
            j = self.named(a_tok, self.dom.actors, "actor")
            i_tok, _ = self.index()
            k = self.named(i_tok, self.dom.institutions, "institution")
            yt = self.year_index(name, f"membership[{a_tok.text}][{i_tok.text}]")
            self.uses.append(n)
            return lambda r: r.memberships[:, yt, j, k]

        known = (*ACTOR_OUTCOMES, *CORE_OUTCOMES, "membership", *FUNCTIONS)
        close = difflib.get_close_matches(n, known, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise self.error(name, f"unknown outcome '{n}'", f"{hint}known: {', '.join(known)}")

    def year_index(self, name: Token, so_far: str) -> slice | int:
        if not (self.tok.kind == "op" and self.tok.text == "["):
            raise self.error(self.tok, f"{so_far} needs a year", f"write {so_far}[2030] or "
                             f"{so_far}[2025:2035]")
        lo, hi = self.index()
        return self.year_slice(lo, hi)


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(a / b)


def parse_outcome(text: str, domain: Domain) -> Outcome:
    """Parse ``text`` against ``domain``; raise a :class:`MultipolarError` with a column if bad.

    The result is callable on a ``ChunkResult`` and must give one number per member: a year
    range must be reduced with a function (``mean(alignment[Ukraine][2025:2035])``).
    """
    if not text or not text.strip():
        raise MultipolarError("the outcome expression is empty", field="--outcome",
                         fix="e.g. --outcome 'alignment[Belarus][2030]'")
    p = _Parser(text, domain)
    fn, flag = p.parse()
    _check_shape(text, fn, domain)
    return Outcome(text.strip(), flag, fn, tuple(dict.fromkeys(p.uses)), domain)


class _Probe:
    """A tiny fake result with the domain's shapes, used to check an expression's shape."""

    def __init__(self, d: Domain) -> None:
        n, t, a, k = 2, len(d.years), len(d.actors), len(d.institutions)
        self.actor_outcomes = {name: np.zeros((n, t, a)) for name in ACTOR_OUTCOMES}
        self.core_outcomes = {name: np.zeros((n, t)) for name in CORE_OUTCOMES}
        self.memberships = np.zeros((n, t, a, k))


def _check_shape(text: str, fn: Eval, d: Domain) -> None:
    shape = np.shape(fn(_Probe(d)))
    if shape == ():
        raise MultipolarError(f"the outcome '{text}' does not depend on the model",
                         field="--outcome", fix="refer to an outcome, e.g. "
                         "alignment[Belarus][2030]")
    if len(shape) > 1:
        raise MultipolarError(f"the outcome '{text}' covers a range of years, not one number per "
                         "member", field="--outcome",
                         fix=f"reduce it with mean(...), min(...), max(...), first(...) or "
                         f"last(...), e.g. mean({text.strip()})")
