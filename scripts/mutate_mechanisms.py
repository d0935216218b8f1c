"""Sign-flip mutation run over the mechanisms: does a test notice each reversed sign.

Usage (from the repository root)::

    python scripts/mutate_mechanisms.py [--list] [--only FILE] [--timeout S] [--out PATH]
        [-- PYTEST ARGS]

For every ``+``/``-`` (binary), ``+=``/``-=`` and ``1 -``/``1 +`` in the *update terms* of the
mechanisms (the ``step`` and ``initialise`` methods of every mechanism class in
``src/multipolar/model/mechanisms/*.py``, the private helpers they call, and the module-level
hazard functions of ``institutions.py``), the script writes a copy of the source tree in which
that one operator is flipped, runs the mechanism tests (``tests/model/mechanisms`` by default)
against it, and records whether they fail (the mutant is *killed*) or pass (it *survives*):
first the behaviour tables alone (``-k behaviour``, quick), then, for a mutant they miss,
every selected test. One mutant at a time (parallelism 1), each under a wall-clock limit.

It prints one line per mutant and the score; ``--out`` writes them as JSON. Operators inside
index expressions (``k:k + 1``) and on string constants are not mutated (they pick elements,
they are not update terms).

By default the mutants run *in process*: the mutated function alone is compiled and set in
place of the original on its class (or module), the tests run through ``pytest.main`` (first
the test classes of the mechanism that owns the function, then, for a mutant they miss, the
whole selection) and the original is put back; no process starts per mutant, so a run takes
minutes. ``--subprocess`` runs each mutant in a fresh interpreter on a copied source tree
instead (slower, fully isolated). Wrap the run in ``timeout`` to bound it.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MECH = Path("src/multipolar/model/mechanisms")
SKIP_FILES = {"__init__.py", "base.py", "catalogue.py", "_maths.py"}
MODULE_FUNCTIONS = {"join_logit", "exit_logit", "lean"}
"""Module-level functions whose terms are update terms (the membership hazards)."""
SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add}


@dataclass
class Mutant:
    """One flipped operator."""

    file: str
    line: int
    col: int
    end: tuple[int, int]  # (end line, end column): nested operations may share their start
    function: str
    kind: str  # "binop" or "augassign"
    before: str
    after: str
    killed: bool | None = None
    seconds: float = 0.0


def _mutable_functions(tree: ast.Module) -> list[tuple[str, ast.FunctionDef]]:
    """``(qualified name, node)`` of the functions whose operators are update terms."""
    out: list[tuple[str, ast.FunctionDef]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in MODULE_FUNCTIONS:
            out.append((node.name, node))
        if not isinstance(node, ast.ClassDef):
            continue
        registered = any(isinstance(d, ast.Name) and d.id == "register"
                         for d in node.decorator_list)
        shared_base = node.name.startswith("_") and any(
            isinstance(b, ast.Name) and b.id == "Mechanism" for b in node.bases)
        if registered or shared_base:
            for item in node.body:
                if not isinstance(item, ast.FunctionDef):
                    continue
                helper = item.name.startswith("_") and not item.name.startswith("__")
                if item.name in ("step", "initialise") or helper:
                    out.append((f"{node.name}.{item.name}", item))
    return out


def _in_subscript_slice(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    cur = node
    while cur in parents:
        parent = parents[cur]
        if isinstance(parent, ast.Subscript) and cur is parent.slice:
            return True
        cur = parent
    return False


def _is_string(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or \
        isinstance(node, ast.JoinedStr)


def _end(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


def find_mutants(path: Path) -> list[Mutant]:
    """Every sign flip in the update terms of ``path``."""
    src = path.read_text(encoding="utf-8")
    tree = ast.parse(src)
    out: list[Mutant] = []
    for qual, fn in _mutable_functions(tree):
        parents = {c: p for p in ast.walk(fn) for c in ast.iter_child_nodes(p)}
        for node in ast.walk(fn):
            if isinstance(node, ast.BinOp) and type(node.op) in SWAP:
                if _in_subscript_slice(node, parents) or _is_string(node.left) or \
                        _is_string(node.right):
                    continue
                sym = "+" if isinstance(node.op, ast.Add) else "-"
                out.append(Mutant(str(path.relative_to(ROOT)), node.lineno, node.col_offset,
                                  _end(node), qual, "binop", sym, "-" if sym == "+" else "+"))
            elif isinstance(node, ast.AugAssign) and type(node.op) in SWAP:
                sym = "+=" if isinstance(node.op, ast.Add) else "-="
                out.append(Mutant(str(path.relative_to(ROOT)), node.lineno, node.col_offset,
                                  _end(node), qual, "augassign", sym,
                                  "-=" if sym == "+=" else "+="))
    return out


def _flip(tree: ast.AST, m: Mutant) -> None:
    """Flip mutant ``m``'s operator in ``tree`` (in place; locations are kept)."""
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) == m.line and \
                getattr(node, "col_offset", None) == m.col and _end(node) == tuple(m.end):
            if m.kind == "binop" and isinstance(node, ast.BinOp) and type(node.op) in SWAP:
                node.op = SWAP[type(node.op)]()
                return
            if m.kind == "augassign" and isinstance(node, ast.AugAssign) and \
                    type(node.op) in SWAP:
                node.op = SWAP[type(node.op)]()
                return
    raise LookupError(f"mutant site not found: {m}")


def apply(src: str, m: Mutant) -> str:
    """``src`` with mutant ``m``'s operator flipped (the module re-written from its AST)."""
    tree = ast.parse(src)
    _flip(tree, m)
    return ast.unparse(tree)


def run_mutant(m: Mutant, work: Path, pytest_args: list[str], timeout: int) -> Mutant:
    """Run the tests against a tree in which ``m`` is applied; set ``m.killed``."""
    target = work / m.file
    original = target.read_text(encoding="utf-8")  # the copy made at the start
    target.write_text(apply(original, m), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(work / "src"), PYTHONDONTWRITEBYTECODE="1")
    t0 = time.perf_counter()

    def fails(extra: list[str]) -> bool:
        proc = subprocess.run(
            ["timeout", str(timeout), sys.executable, "-m", "pytest", "-x", "-q",
             "-p", "no:randomly", "-p", "no:cacheprovider", *pytest_args, *extra],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        return proc.returncode not in (0, 5)  # 5: no test selected

    try:
        # the behaviour tables first (fast); the whole selection only for a survivor of them
        m.killed = fails(["-k", "behaviour"]) or fails([])
    finally:
        target.write_text(original, encoding="utf-8")
        m.seconds = round(time.perf_counter() - t0, 1)
    return m


def _owner(m: Mutant) -> tuple[object, str, object]:
    """``(holder, attribute, original)``: where the mutated function lives (class or module)."""
    import importlib

    module = importlib.import_module(
        "multipolar.model.mechanisms." + Path(m.file).stem)
    owner, _, attr = m.function.rpartition(".")
    holder = getattr(module, owner) if owner else module
    return holder, attr, vars(holder)[attr]


def _mutated_function(m: Mutant, holder: object, attr: str) -> object:
    """The mutated function object, compiled alone with its module's globals."""
    import importlib

    module = importlib.import_module(
        "multipolar.model.mechanisms." + Path(m.file).stem)
    path = ROOT / m.file
    tree = ast.parse(path.read_text(encoding="utf-8"))
    _flip(tree, m)  # in the original tree: line numbers stay those of the file
    want = attr
    # the function that holds the mutated operator, found by its owner and name
    owner = m.function.rpartition(".")[0]
    scope: list[ast.stmt] = tree.body
    if owner:
        scope = next(n for n in tree.body if isinstance(n, ast.ClassDef)
                     and n.name == owner).body
    fn = next(n for n in scope if isinstance(n, ast.FunctionDef) and n.name == want)
    namespace: dict[str, object] = {}
    code = compile(ast.Module(body=[fn], type_ignores=[]), str(path), "exec")
    exec(code, vars(module), namespace)
    return namespace[want]


def _test_ids(m: Mutant) -> list[str]:
    """Node ids of the contract test classes of the mechanism that owns ``m``'s function."""
    import importlib

    holder, _, _ = _owner(m)
    mods = ["tests.model.mechanisms.test_each_mechanism",
            "tests.model.mechanisms.test_world_mechanisms"]
    ids = []
    for name in mods:
        mod = importlib.import_module(name)
        for cname, obj in vars(mod).items():
            mech = getattr(obj, "mechanism", None)
            if isinstance(obj, type) and mech is not None and (
                    mech is holder or (isinstance(holder, type) and issubclass(mech, holder))
                    or (not isinstance(holder, type) and mech.__module__ == holder.__name__)):
                ids.append(f"{name.replace('.', '/')}.py::{cname}")
    return ids


def run_in_process(m: Mutant, pytest_args: list[str]) -> Mutant:
    """Run the tests with ``m``'s function replaced in memory; set ``m.killed``."""
    import contextlib
    import io

    import pytest

    holder, attr, original = _owner(m)
    mutated = _mutated_function(m, holder, attr)
    t0 = time.perf_counter()
    base = ["-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]

    def fails(args: list[str]) -> bool:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = pytest.main([*base, *args])
        return int(code) not in (0, 5)

    try:
        setattr(holder, attr, mutated)
        ids = _test_ids(m)
        m.killed = (bool(ids) and fails(ids)) or fails(pytest_args)
    finally:
        setattr(holder, attr, original)
        m.seconds = round(time.perf_counter() - t0, 1)
    return m


def main(argv: list[str] | None = None) -> int:
    """Run the mutation run; print one line per mutant and the score."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    ap.add_argument("--only", help="mutate only this file of the mechanisms package")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per mutant")
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    ap.add_argument("--subprocess", action="store_true",
                    help="one interpreter per mutant on a copied tree (slow, isolated)")
    ap.add_argument("pytest_args", nargs="*", default=["tests/model/mechanisms"])
    args = ap.parse_args(argv)
    files = sorted(p for p in (ROOT / MECH).glob("*.py") if p.name not in SKIP_FILES
                   and (args.only is None or p.name == args.only))
    mutants = [m for f in files for m in find_mutants(f)]
    if args.list:
        for m in mutants:
            print(f"{m.file}:{m.line}:{m.col}-{m.end[1]} {m.function} {m.before} -> {m.after}")
        print(f"{len(mutants)} mutants")
        return 0
    def report(i: int, m: Mutant) -> None:
        state = "killed" if m.killed else "SURVIVED"
        print(f"[{i}/{len(mutants)}] {state:8} {m.file}:{m.line} {m.function} "
              f"{m.before} -> {m.after} ({m.seconds} s)", flush=True)

    if args.subprocess:
        with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
            work = Path(tmp)
            shutil.copytree(ROOT / "src", work / "src",
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            for i, m in enumerate(mutants, 1):
                run_mutant(m, work, args.pytest_args, args.timeout)
                report(i, m)
    else:
        sys.path.insert(0, str(ROOT))
        os.chdir(ROOT)
        import pytest

        quiet = ["-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
        if int(pytest.main([*quiet, *args.pytest_args])) != 0:
            print("the tests fail without any mutant: fix them first")
            return 2
        for i, m in enumerate(mutants, 1):
            run_in_process(m, args.pytest_args)
            report(i, m)
    killed = sum(bool(m.killed) for m in mutants)
    print(f"score: {killed}/{len(mutants)} killed")
    for m in mutants:
        if not m.killed:
            print(f"survivor: {m.file}:{m.line} {m.function} {m.before} -> {m.after}")
    if args.out:
        args.out.write_text(json.dumps([asdict(m) for m in mutants], indent=1) + "\n",
                            encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
