"""``multipolar evidence check|show|locate``: resolve citation locators against a corpus.

``check`` resolves every citation of a scenario (or of a bare citations file) and exits 1 when
any is missing; ``show`` prints the passages behind one scenario element; ``locate`` finds an
arbitrary phrase in one document (handy while writing citations). User errors exit 2 through
:func:`multipolar.cli.common.user_errors`. Depends on :mod:`multipolar.evidence` and the
scenario loader.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
import yaml
from rich.table import Table
from rich.text import Text

from multipolar.cli.common import console, out, print_json, user_errors
from multipolar.cli.options import Json
from multipolar.core.errors import InputError
from multipolar.core.labels import source_label
from multipolar.evidence import (
    CitationResult,
    Corpus,
    check_citation,
    check_citations,
    is_citations_file,
    load_citations_file,
)

if TYPE_CHECKING:  # the scenario schemas (pydantic) are imported on first use only
    from multipolar.scenario import Citation, Scenario

app = typer.Typer(
    help="Resolve citation locators against a corpus of source documents.",
    no_args_is_help=True,
)

CORPUS_HELP = "Folder of .txt source documents (e.g. ../shared/seeds)."


def _load(ref: str) -> tuple[str, Scenario | None, dict[str, Citation]]:
    """Load a scenario (path or bundled name) or a bare citations file."""
    p = Path(ref)
    if p.is_file() and p.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8"))
        except (yaml.YAMLError, OSError, UnicodeDecodeError):
            data = None  # let the scenario loader report it with a location
        if is_citations_file(data):
            return str(p), None, load_citations_file(p)
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import load_scenario

    sc = load_scenario(ref).scenario
    return sc.name, sc, dict(sc.citations)


def _items(sc: Scenario | None, lib: dict[str, Citation]) -> list[tuple[str, Citation]]:
    if sc is None:
        return [(f"citations.{k}", c) for k, c in lib.items()]
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario.semantics import all_citations

    return all_citations(sc)


def _snippet(r: CitationResult, width: int = 40) -> Text:
    """Render the match in bold with a little context on each side."""
    if r.passage is None or r.passage_match is None:
        return Text("")
    s, e = r.passage_match
    before = r.passage[max(0, s - width):s]
    after = r.passage[e:e + width]
    if s > width and " " in before:
        before = "…" + before.split(" ", 1)[1]
    if e + width < len(r.passage) and " " in after:
        after = after.rsplit(" ", 1)[0]
    t = Text(before)
    t.append(r.passage[s:e], style="bold")
    t.append(after.rstrip() + ("…" if e + width < len(r.passage) else ""))
    return t


def _passage(r: CitationResult) -> Text:
    if r.passage is None or r.passage_match is None:
        return Text("")
    s, e = r.passage_match
    t = Text(r.passage[:s])
    t.append(r.passage[s:e], style="bold yellow")
    t.append(r.passage[e:])
    return t


@app.command("check")
def check(
    scenario: str = typer.Argument(
        ..., help="Scenario file, bundled scenario name, or a citations file (id: {doc, ...})."),
    corpus: Path = typer.Option(..., "--corpus", envvar="MULTIPOLAR_CORPUS", help=CORPUS_HELP),
    json_: Json = False,
    passages: bool = typer.Option(False, "--passages", help="Print each full passage."),
    strict: bool = typer.Option(False, "--strict",
                                help="Also fail (exit 1) on warnings such as ambiguous locators."),
) -> None:
    """Resolve every citation; exit 1 if any is missing (2 on bad input)."""
    with user_errors():
        label, sc, lib = _load(scenario)
        cor = Corpus.from_dir(corpus)
        report = check_citations(_items(sc, lib), cor, scenario=label)
    if json_:
        print_json(report.to_dict())
    else:
        t = Table(title=f"evidence for {label} in {cor.root}", show_lines=passages)
        t.add_column("citation", overflow="fold", ratio=2)
        t.add_column("source", overflow="fold", ratio=2)
        t.add_column("line:col", no_wrap=True)
        t.add_column("status", no_wrap=True)
        t.add_column("passage", overflow="fold", ratio=5)
        for r in report.results:
            cite = r.id or r.owner
            doc = source_label(r.document or r.doc, short=True)
            if r.found:
                status = Text("found" if r.occurrences == 1 else f"found ×{r.occurrences}",
                              style="green" if r.occurrences == 1 else "yellow")
                body = _passage(r) if passages else _snippet(r)
                t.add_row(cite, doc, f"{r.line}:{r.column}", status, body)
            else:
                body = Text(f"{r.problem}\nfix: {r.fix}", style="red")
                t.add_row(cite, doc, "", Text("MISSING", style="bold red"), body)
        out.print(t)
        per_doc = ", ".join(f"{n.split('_', 1)[0]}: {c['found']}/{c['citations']}"
                            for n, c in report.documents().items())
        colour = "green" if report.ok else "red"
        console.print(f"[{colour}]{report.found} of {report.citations} citations found[/] "
                      f"({per_doc})")
        for w in report.warnings:
            console.print(Text(f"warning: {w}", style="yellow"))
    if not report.ok or (strict and report.warnings):
        raise typer.Exit(1)


def _known_names(sc: Scenario) -> list[str]:
    names: list[str] = list(sc.citations)
    for section in ("mechanisms", "levers", "drivers", "aims", "perspectives", "hypotheses"):
        names += list(getattr(sc, section))
    names += [i.id for i in sc.institutions] + [a.id for a in sc.actors]
    return names


@app.command("show")
def show(
    name: str = typer.Argument(..., help="Mechanism, lever, driver, aim, perspective, "
                               "hypothesis, actor, institution, citation id or dotted path."),
    corpus: Path = typer.Option(..., "--corpus", envvar="MULTIPOLAR_CORPUS", help=CORPUS_HELP),
    scenario: str = typer.Option("russia-neighbourhood", "--scenario", "-s",
                                 help="Scenario file, bundled name or citations file."),
    json_: Json = False,
) -> None:
    """Print the passages behind one element of a scenario (exit 1 if any is missing)."""
    with user_errors():
        label, sc, lib = _load(scenario)
        cor = Corpus.from_dir(corpus)
        if sc is not None:
            # lazy: keeps start-up fast (loads numpy, the scenario schema)
            from multipolar.scenario.semantics import evidence_for

            cits = evidence_for(sc, name)
            known = _known_names(sc)
        else:
            cits = [lib[name]] if name in lib else []
            known = list(lib)
        if not cits:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
            raise InputError(f"no evidence for '{name}' in {label}", field="NAME",
                             fix=f"{hint}name an element that carries evidence; known: "
                                 + ", ".join(known[:30]) + (" ..." if len(known) > 30 else ""))
        ids = {id(c): k for k, c in lib.items()}
        results = [check_citation(f"citations.{ids[id(c)]}" if id(c) in ids else name, c, cor)
                   for c in cits]
    if json_:
        print_json({"name": name, "scenario": label,
                    "evidence": [r.to_dict() for r in results]})
    else:
        for i, r in enumerate(results, 1):
            head = Text(f"[{i}/{len(results)}] ", style="bold")
            head.append(r.id or r.owner, style="bold cyan")
            head.append(f"  {source_label(r.document or r.doc)}")
            if r.found:
                head.append(f"  line {r.line}, offset {r.offset}")
            out.print(head)
            out.print(Text(f"  claim: {r.claim}", style="italic"))
            out.print(Text(f"  locator: {r.locator}"))
            if r.found:
                out.print(Text("  ").append(_passage(r)))
            else:
                out.print(Text(f"  MISSING: {r.problem}\n  fix: {r.fix}", style="red"))
            out.print()
    if any(not r.found for r in results):
        raise typer.Exit(1)


@app.command("locate")
def locate(
    doc: str = typer.Argument(..., help="Document: file name or numeric prefix (001)."),
    phrase: str = typer.Argument(..., help="Phrase to find (any spacing, quotes, hyphenation)."),
    corpus: Path = typer.Option(..., "--corpus", envvar="MULTIPOLAR_CORPUS", help=CORPUS_HELP),
    json_: Json = False,
) -> None:
    """Find a phrase in one document; print every occurrence (exit 1 if there is none)."""
    with user_errors():
        cor = Corpus.from_dir(corpus)
        first = cor.locate(doc, phrase)
        d = cor.documents[first.doc]
        rows: list[dict[str, Any]] = []
        for start, end in d.find_all(phrase):
            line, col = d.line_col(start)
            p = d.passage(start, end, context=120)
            rows.append({"doc": d.name, "offset": start, "end": end, "line": line,
                         "column": col, "passage": p.text,
                         "passage_match": [len(p.before), len(p.before) + len(p.match)]})
    if json_:
        print_json({"doc": d.name, "phrase": phrase, "occurrences": rows})
        return
    for row in rows:
        s, e = row["passage_match"]
        t = Text(f"{row['doc']} line {row['line']}:{row['column']} offset {row['offset']}\n  ",
                 style="bold")
        t.append(row["passage"][:s], style="")
        t.append(row["passage"][s:e], style="bold yellow")
        t.append(row["passage"][e:], style="")
        out.print(t)
