"""End to end in headless Chromium: run a scenario, move a slider, read evidence, screenshot.

Chromium is Debian's ``chromium`` package (``scripts/install-browser.sh`` installs it), driven by
Playwright through ``executable_path``; Playwright's own browser download is never used. The
test is skipped only when no chromium binary exists. Screenshots go to the folder named by
``MULTIPOLAR_SCREENSHOTS`` (default: the test's temporary folder).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from multipolar.web import Settings, create_app
from tests.web.live import live_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on PATH "
                                "(install it with scripts/install-browser.sh)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture()
def server(tmp_path: Path, corpus_dir: Path) -> Iterator[str]:
    with live_server(lambda port: create_app(Settings(runs_dir=tmp_path / "runs",
                                                      corpus=corpus_dir, port=port))) as url:
        yield url


def test_dashboard_in_chromium(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("MULTIPOLAR_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1500, "height": 1000})
        try:
            page = ctx.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
            page.goto(server)
            slider = page.locator("#lever-russia_assertion")
            expect(slider).to_be_visible()
            page.fill("#members", "150")
            page.fill("#end", "2020")
            # move the slider with the keyboard, as a user would: 0.50 -> 0.70
            slider.focus()
            for _ in range(4):
                page.keyboard.press("ArrowRight")
            expect(page.locator("#cli")).to_contain_text("--set levers.russia_assertion=0.7")
            expect(page.locator("#cli")).to_contain_text("--members 150 --seed 7")
            page.click("#run")
            expect(page.locator("#status")).to_have_text(re.compile(r"^complete"), timeout=60_000)
            expect(page.locator("#run-title")).to_contain_text("russia_assertion=0.7")
            expect(page.locator("#cli")).to_contain_text("--out ")
            expect(page.locator("#fan-chart .main-svg").first).to_be_visible()
            # 14 neighbours drawn as small multiples
            expect(page.locator("#fan-chart .annotation-text")).to_have_count(14)
            # Russia's share per channel, a panel per neighbour: the run's medians
            expect(page.locator("#sphere-chart .annotation-text")).to_have_count(14)
            drawn = page.evaluate("() => document.getElementById('sphere-chart').data"
                                  ".filter((t) => t.name === 'arms').map((t) => t.y)")
            kept = page.evaluate("async () => { const v = await (await fetch("
                                 "`/api/runs/${S.run.id}/view`)).json(); return v.actors"
                                 ".filter((a) => v.sphere_channels[a] && v.roles[a] === "
                                 "'neighbour').map((a) => v.sphere_channels[a].arms.median); }")
            assert len(drawn) == 14 and drawn == kept
            page.screenshot(path=str(shots / "dashboard-alignment.png"), full_page=True)

            page.click("button[data-tab=network]")
            year = page.locator("#year")
            year.fill("2020")  # after the last observed year (2019)
            year.dispatch_event("input")
            expect(page.locator("#year-out")).to_contain_text("2020 (projection)")
            expect(page.locator("#network-chart .main-svg").first).to_be_visible()
            page.screenshot(path=str(shots / "dashboard-network.png"), full_page=True)

            # evidence of the lever we moved: claim, then the passage from the corpus
            page.click("#levers .lever:has(#lever-russia_assertion) button.info")
            expect(page.locator("#tab-evidence")).to_be_visible()
            expect(page.locator("#evidence-detail .claim").first).not_to_be_empty()
            page.click("#evidence-detail .show-passage >> nth=0")
            mark = page.locator("#evidence-detail mark").first
            expect(mark).to_be_visible()
            assert len(mark.inner_text().split()) >= 3
            page.screenshot(path=str(shots / "dashboard-evidence.png"), full_page=True)

            page.click("button[data-tab=runs]")
            expect(page.locator("#runs-table")).to_contain_text("complete")
            # the page says where it looks for runs and how a CLI run gets there
            expect(page.locator("#runs-folder")).to_contain_text("multipolar run --out ")
            expect(page.locator("#runs-table a", has_text="alignment CSV")).to_have_count(1)
            page.screenshot(path=str(shots / "dashboard-runs.png"), full_page=True)
        finally:
            ctx.close()
    assert not errors, errors
    assert (shots / "dashboard-evidence.png").stat().st_size > 20_000
