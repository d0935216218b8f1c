"""The CLI's shared options are declared once, with one help text, and behave the same everywhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

import multipolar.cli as cli_pkg
from multipolar.cli.main import app

SHARED = ("--seed", "--set", "--perspective", "--hypothesis", "--event", "--members", "--out",
          "--json", "--anchor")
CLI_DIR = Path(cli_pkg.__file__).parent
runner = CliRunner()


def _commands(group: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            out.update(_commands(cmd, f"{prefix}{name} "))
        else:
            out[f"{prefix}{name}"] = cmd
    return out


def test_shared_options_are_declared_only_in_options_py() -> None:
    offenders = []
    for path in sorted(CLI_DIR.glob("*.py")):
        if path.name == "options.py":
            continue
        text = path.read_text(encoding="utf-8")
        for opt in SHARED:
            if re.search(rf'typer\.Option\([^)]*"{opt}"', text):
                offenders.append(f"{path.name}: {opt}")
    assert offenders == []


def test_each_shared_option_has_one_help_text_across_commands() -> None:
    root = typer.main.get_command(app)
    assert hasattr(root, "commands")
    helps: dict[str, set[str]] = {opt: set() for opt in SHARED}
    users: dict[str, list[str]] = {opt: [] for opt in SHARED}
    for name, cmd in _commands(root).items():
        for p in cmd.params:
            for opt in SHARED:
                if opt in getattr(p, "opts", []):
                    helps[opt].add(getattr(p, "help", None) or "")
                    users[opt].append(name)
    for opt in SHARED:
        assert len(helps[opt]) == 1, (opt, helps[opt])
    # the options are really shared: --seed and --set by many commands, --event by the three
    assert len(users["--seed"]) >= 6 and len(users["--set"]) >= 6
    assert {"run", "forecast", "compare"} <= set(users["--event"])
    assert {"run", "forecast", "backtest"} <= set(users["--anchor"])


def test_one_progress_bar_class() -> None:
    users = [p.name for p in CLI_DIR.glob("*.py") if "rich.progress" in p.read_text("utf-8")]
    assert users == ["progress.py"]


def test_a_malformed_event_is_a_located_error() -> None:
    res = runner.invoke(app, ["run", "--members", "5", "--quiet", "--no-plots",
                              "--event", "nonsense"])
    assert res.exit_code == 2, res.output
    assert "--event" in res.output and "Traceback" not in res.output


def test_every_commands_help_renders() -> None:
    # help texts are Rich markup: a bare [/WORD] in one breaks --help
    root = typer.main.get_command(app)
    for name in _commands(root):
        res = runner.invoke(app, [*name.split(), "--help"])
        assert res.exit_code == 0, (name, res.output[-500:])
