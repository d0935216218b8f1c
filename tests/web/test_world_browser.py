"""The world pages in headless Chromium, used as a person uses them, plus an accessibility check.

Opens a small world run, moves the year slider with the keyboard, points at a state, clicks
it, runs a coalition forecast, changes the question and adds a lever, and checks that the map,
the counts and the page's words change. axe-core (vendored in ``tests/web/vendor``, injected
into the page; no CDN) checks labels, names and contrast of every view visited. Screenshots go
to ``MULTIPOLAR_SCREENSHOTS`` (default: the test's temporary folder), kept as test artefacts.
Skipped only when no chromium binary exists (``scripts/install-browser.sh`` installs it).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from multipolar.web import Settings, create_app
from multipolar.web import coalition as wc
from tests.web.live import live_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on PATH "
                                "(install it with scripts/install-browser.sh)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture()
def world_server(tmp_path: Path, world_run: dict[str, Any],
                 shared_runs: dict[str, Any]) -> Iterator[str]:
    runs = tmp_path / "runs"
    runs.mkdir()
    for rid in shared_runs["ids"]:
        shutil.copytree(shared_runs["runs"] / rid, runs / rid)
    shutil.copytree(world_run["runs"] / world_run["id"], runs / world_run["id"])
    with live_server(lambda port: create_app(Settings(runs_dir=runs, port=port))) as url:
        yield url


def _axe(page: Any, where: str) -> list[str]:
    """Violations of the WCAG 2.1 A/AA rules axe-core finds in the page as it is."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        # evaluated through the devtools protocol: the page's CSP forbids inline scripts
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    out = page.evaluate("async (opts) => { const r = await axe.run(document, opts); "
                        "return { violations: r.violations, passes: r.passes.map((x) => x.id) }; }",
                        AXE_RULES)
    # the check ran: the rules on labels, names and contrast were applied and passed
    assert {"label", "button-name", "color-contrast"} <= set(out["passes"]) | {
        v["id"] for v in out["violations"]}, out["passes"]
    res = out["violations"]
    return [f"{where}: {v['id']} ({v['impact']}): {v['help']} - " +
            "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                      for n in v["nodes"][:4]) for v in res]


def _fills(page: Any, box: str) -> dict[str, str]:
    return dict(page.evaluate(
        f"() => [...document.querySelectorAll('{box} path[data-iso3]')]"
        ".map((p) => [p.dataset.iso3, p.getAttribute('fill')])"))


def _named_lines(page: Any, chart: str) -> dict[str, Any]:
    """``{trace name: y values}`` of the named line traces of the Plotly chart ``#chart``."""
    return dict(page.evaluate(
        f"() => Object.fromEntries(document.getElementById('{chart}').data"
        ".filter((t) => t.mode === 'lines' && t.name).map((t) => [t.name, t.y]))"))


def test_world_pages_in_chromium(world_server: str, world_run: dict[str, Any],
                                 shared_runs: dict[str, Any], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("MULTIPOLAR_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    access: list[str] = []
    supports_levers = "sets" in wc.accepted()
    nb_id = shared_runs["ids"][0]
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 1000})
        try:
            page = ctx.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
            page.goto(world_server)
            page.click("button[data-tab=runs]")
            page.click(f"button[aria-label='open run {world_run['id']}']")
            # the page follows the scenario on screen
            expect(page.locator("#page-sub")).to_contain_text("Russia and the world")
            expect(page.locator("#lede")).not_to_contain_text("post-Soviet neighbours")
            expect(page.locator("#scenario")).to_have_value("russia-world")
            for hidden in ("fan", "network", "members"):
                expect(page.locator(f".tabs button[data-tab={hidden}]")).to_be_hidden()
            expect(page.locator("#run-note")).to_contain_text("no organisation memberships")
            expect(page.locator("#tab-world")).to_be_visible()
            expect(page.locator("#world-map path[data-iso3=IND]").first).to_be_visible()
            expect(page.locator("#world-year-out")).to_contain_text("2019 (observed period)")
            before = _fills(page, "#world-map")
            assert before["IND"] != "#e4e4e4" and before["USA"] != before["CUB"]
            page.screenshot(path=str(shots / "world-map.png"), full_page=True)
            access += _axe(page, "world map")

            # move the year slider with the keyboard into the projected years
            slider = page.locator("#world-year")
            slider.focus()
            for _ in range(3):
                page.keyboard.press("ArrowRight")
            expect(page.locator("#world-year-out")).to_have_text("2022 (projection)")
            after = _fills(page, "#world-map")
            assert sum(after[k] != before[k] for k in before) > 20  # the map changed
            # observed values: none in a projected year, and the page says so
            page.select_option("#world-layer", "observed")
            expect(page.locator("#world-explain")).to_contain_text("observed data end in 2019")
            assert set(_fills(page, "#world-map").values()) == {"#e4e4e4"}
            page.select_option("#world-layer", "median")

            # hover a state: its numbers
            page.hover("#world-map path[data-iso3=IND] >> nth=0")
            tip = page.locator("#map-tip")
            expect(tip).to_be_visible()
            expect(tip).to_contain_text("India (IND)")
            expect(tip).to_contain_text("Asia and the Pacific")
            expect(tip).to_contain_text(re.compile(r"2022: median -?\d\.\d\d, 90% "))
            expect(tip).to_contain_text("observed: none (projection)")
            page.screenshot(path=str(shots / "world-hover.png"))

            # find a state by name (keyboard), then its fan chart and sphere shares
            page.fill("#state-search", "Kazakh")
            page.press("#state-search", "Enter")
            expect(page.locator("#state-title")).to_contain_text("Kazakhstan (KAZ)")
            expect(page.locator("#state-fan .main-svg").first).to_be_visible()
            expect(page.locator("#state-sphere .main-svg").first).to_be_visible()
            expect(page.locator("#state-detail")).to_contain_text("trade, arms, security")
            expect(page.locator("#state-channels")).to_contain_text("arms imports")
            # Russia's share per channel: the run's medians, one line per channel
            expect(page.locator("#state-sphere-channels .main-svg").first).to_be_visible()
            drawn = _named_lines(page, "state-sphere-channels")
            kept = page.evaluate(f"async () => (await (await fetch('/api/runs/{world_run['id']}"
                                 "/view')).json()).sphere_channels.KAZ")
            assert set(drawn) == {"trade", "arms", "security", "investment"}
            assert all(drawn[c] == kept[c]["median"] for c in drawn)
            # the state's ideal point on the data's scale, with Russia's and the US's
            expect(page.locator("#state-ideal .main-svg").first).to_be_visible()
            lines = _named_lines(page, "state-ideal")
            view = page.evaluate(f"async () => (await (await fetch('/api/runs/{world_run['id']}"
                                 "/view')).json())")
            assert lines["median"] == view["ideal_point"]["KAZ"]["median"]
            assert lines["Russia"] == view["poles"]["russia"]["median"]
            assert lines["the US"] == view["poles"]["us"]["median"]
            page.click("#world-map path[data-iso3=BRA] >> nth=0")
            expect(page.locator("#state-title")).to_contain_text("Brazil (BRA)")
            page.screenshot(path=str(shots / "world-state.png"), full_page=True)
            access += _axe(page, "world state")

            # export: the map as SVG, as a file
            with page.expect_download() as dl:
                page.click("[data-export=world-map] button:text('SVG')")
            svg = Path(dl.value.path()).read_text(encoding="utf-8")
            assert "data-iso3=\"IND\"" in svg and "2022 (projection)" in svg

            page.click("button[data-tab=groups]")
            expect(page.locator("#groups-chart .main-svg").first).to_be_visible()
            expect(page.locator("#groups-table")).to_contain_text("the West")
            page.click("button[data-tab=russia]")
            expect(page.locator("#russia-note")).to_contain_text("does not move")

            # the coalition what-if
            page.click("button[data-tab=coalition]")
            expect(page.locator("#coal-target")).to_have_value("UKR")
            page.fill("#coal-members", "60")
            page.click("#coal-run")
            expect(page.locator("#coal-status")).to_contain_text("complete", timeout=60_000)
            counts1 = page.locator("#coal-counts").inner_text()
            map1 = _fills(page, "#coal-map")
            assert len(set(map1.values())) > 3
            access += _axe(page, "coalition")
            page.fill("#coal-year", "2031")
            page.click("#coal-run")
            expect(page.locator("#coal-title")).to_contain_text("2031", timeout=60_000)
            counts2 = page.locator("#coal-counts").inner_text()
            assert counts2 != counts1 and "change vs previous" in counts2
            assert _fills(page, "#coal-map") != map1
            diff = _fills(page, "#coal-diff-map")
            assert sum(v != "#e4e4e4" for v in diff.values()) > 100
            expect(page.locator("#coal-moved tr")).to_have_count(11)
            page.hover("#coal-map path[data-iso3=BLR] >> nth=0")
            expect(page.locator("#map-tip")).to_contain_text("Belarus (BLR)")
            expect(page.locator("#map-tip")).to_contain_text("P(no) before:")
            # sort the table by the probability of voting yes, with the keyboard
            page.locator("#coal-table th button", has_text="P(yes)").focus()
            page.keyboard.press("Enter")
            first = page.locator("#coal-table tbody tr").first.inner_text()
            assert "Russia" not in first
            page.locator("#tab-coalition").screenshot(path=str(shots / "coalition.png"))
            # a dated lever
            page.click("#coal-add-lever")
            page.select_option("#coal-lv-path-0", "kindred_regimes.support")
            page.fill("#coal-lv-value-0", "0.4")
            page.fill("#coal-lv-year-0", "2025")
            expect(page.locator("#coal-cli")).to_contain_text(
                "--set kindred_regimes.support=0.4@2025")
            page.click("#coal-run")
            if supports_levers:
                expect(page.locator("#coal-diff-head")).to_contain_text("without the levers",
                                                                        timeout=60_000)
            else:
                expect(page.locator("#coal-status")).to_contain_text(
                    "not supported by this version")
            page.locator("#tab-coalition").screenshot(path=str(shots / "coalition-lever.png"))
            if supports_levers:  # a long what-if: its progress in percent, then cancelled
                page.fill("#coal-members", "5000")
                page.fill("#coal-seed", "77")
                page.click("#coal-run")
                expect(page.locator("#coal-status")).to_contain_text(
                    re.compile(r"\d+% \([\d,]+ of 10,000 members"), timeout=60_000)
                expect(page.locator("#coal-progress")).to_be_visible()
                page.locator("#tab-coalition").screenshot(path=str(shots / "coalition-progress.png"))
                page.click("#coal-cancel")
                expect(page.locator("#coal-status")).to_contain_text("stopped, nothing kept",
                                                                     timeout=30_000)
                expect(page.locator("#coal-run")).to_be_enabled()
                expect(page.locator("#coal-progress")).to_be_hidden()

            # compare a neighbourhood run with the world run: the states both model
            page.click("button[data-tab=compare]")
            page.select_option("#cmp-a", nb_id)
            page.select_option("#cmp-b", world_run["id"])
            expect(page.locator("#cmp-note")).to_contain_text("are in both and compared")
            expect(page.locator("#compare-table")).to_contain_text("Belarus")
            expect(page.locator("#cmp-prov-b")).to_contain_text("russia-world")
            expect(page.locator("#compare-diff-chart .main-svg").first).to_be_visible()
            assert sum(v != "#e4e4e4" for v in _fills(page, "#cmp-map").values()) >= 10
            page.screenshot(path=str(shots / "compare-mixed.png"), full_page=True)
        finally:
            ctx.close()
    errors = [e for e in errors if "status of 400" not in e]
    assert not errors, errors
    assert not access, "\n".join(access)
    assert (shots / "world-map.png").stat().st_size > 50_000


def test_neighbourhood_run_shows_its_own_settings(world_server: str, world_run: dict[str, Any],
                                                  shared_runs: dict[str, Any],
                                                  tmp_path: Path) -> None:
    """Opening a run puts its scenario, levers and words on the page; no stray labels."""
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("MULTIPOLAR_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    moved = shared_runs["ids"][1]  # made with russia_assertion 0.9 (the default is 0.5)
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 1000})
        try:
            page = ctx.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(world_server)
            page.click("button[data-tab=runs]")
            page.click(f"button[aria-label='open run {world_run['id']}']")
            expect(page.locator("#scenario")).to_have_value("russia-world")
            expect(page.locator("#tab-world")).to_be_visible()  # the run has finished loading
            page.click("button[data-tab=runs]")
            page.click(f"button[aria-label='open run {moved}']")
            expect(page.locator("#scenario")).to_have_value("russia-neighbourhood")
            expect(page.locator("#lede")).to_contain_text("post-Soviet neighbours")
            expect(page.locator("#lever-russia_assertion")).to_have_value("0.9")
            expect(page.locator("label[for=lever-eaeu_sreb_link]")).to_have_text(
                "EAEU–Silk Road link")
            expect(page.locator("#cli")).to_contain_text("--set levers.russia_assertion=0.9")
            expect(page.locator("#members")).to_have_value("120")
            expect(page.locator(".tabs button[data-tab=world]")).to_be_hidden()
            expect(page.locator("#fan-chart .annotation-text")).to_have_count(14)
            page.click("button[data-tab=members]")
            expect(page.locator("#members-chart .gtitle")).not_to_contain_text("undefined")
            ticks = page.locator("#members-chart .xtick text").all_text_contents()
            assert ticks and all(re.fullmatch(r"\d{4}", t) for t in ticks), ticks
            page.click("button[data-tab=russia]")
            expect(page.locator("#russia-chart .main-svg").first).to_be_visible()
            page.screenshot(path=str(shots / "neighbourhood-russia.png"), full_page=True)
            # a run against its base: the same run without its override, made on demand
            page.click("button[data-tab=runs]")
            page.click(f"button[aria-label='compare run {moved} with its base']")
            expect(page.locator("#cmp-prov-b")).to_contain_text("russia_assertion=0.9",
                                                                timeout=90_000)
            expect(page.locator("#cmp-prov-a")).to_contain_text("overrides: none")
            expect(page.locator("#cmp-prov-a")).to_contain_text("seed 12")
            expect(page.locator("#compare-table")).to_contain_text("Belarus")
        finally:
            ctx.close()
    assert not errors, errors
