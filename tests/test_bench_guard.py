"""The benchmark guard: a ratio that dropped by more than 30% fails, in its better direction."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUARD = ROOT / "benchmarks" / "guard.py"
pytestmark = pytest.mark.skipif(not GUARD.is_file(), reason="not a source checkout")


def _guard():
    spec = importlib.util.spec_from_file_location("bench_guard", GUARD)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _report(**ratios: tuple[float, str]) -> dict:
    return {"ratios": {k: {"value": v, "better": b} for k, (v, b) in ratios.items()},
            "load_average_start": 1.0, "load_average_end": 1.2}


def test_drops_beyond_the_tolerance_fail_in_either_direction():
    g = _guard()
    ref = _report(mesa=(200.0, "higher"), run=(1.2, "lower"))
    rows = {r["name"]: r for r in g.compare(ref, _report(mesa=(141.0, "higher"),
                                                         run=(1.7, "lower")))}
    assert rows["mesa"]["ok"] and rows["run"]["ok"]  # 29.5% fewer, 1.7 <= 1.2 / 0.7
    rows = {r["name"]: r for r in g.compare(ref, _report(mesa=(139.0, "higher"),
                                                         run=(1.72, "lower")))}
    assert not rows["mesa"]["ok"] and not rows["run"]["ok"]
    # improvements never fail
    rows = {r["name"]: r for r in g.compare(ref, _report(mesa=(900.0, "higher"),
                                                         run=(0.5, "lower")))}
    assert rows["mesa"]["ok"] and rows["run"]["ok"]


def test_the_command_fails_on_a_drop_and_skips_ratios_only_one_report_has(tmp_path, capsys):
    g = _guard()
    ref, new = tmp_path / "ref.json", tmp_path / "new.json"
    ref.write_text(json.dumps(_report(mesa=(200.0, "higher"), old=(3.0, "higher"))))
    new.write_text(json.dumps(_report(mesa=(210.0, "higher"), fresh=(1.0, "lower"))))
    assert g.main([str(ref), str(new)]) == 0
    out = capsys.readouterr().out
    assert "not judged (reference only)" in out and "not judged (new only)" in out
    new.write_text(json.dumps(_report(mesa=(100.0, "higher"))))
    assert g.main([str(ref), str(new)]) == 1
    assert "mesa" in capsys.readouterr().err
    assert g.main([str(ref), str(tmp_path / "missing.json")]) == 2


def test_the_stored_release_report_has_ratios_the_guard_can_judge():
    release = ROOT / "benchmarks" / "reports" / "release.json"
    rep = json.loads(release.read_text(encoding="utf-8"))
    ratios = rep["ratios"]
    assert ratios and all(r["better"] in ("higher", "lower") and r["value"] > 0
                          for r in ratios.values())
    assert rep.get("load_average_start") is not None  # the machine's load is recorded
