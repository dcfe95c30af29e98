"""End to end: the real app in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

Starts ``detente app`` on a free localhost port, loads the page, sees the answer on it,
runs the deal analysis and checks that the chart appears; picks another scenario, edits a cell (a word in a number
cell is refused with a message), visits every page and comes back to the same work. Skipped (with the reason) when Chromium or Playwright
is missing; ``.ci/run`` installs Chromium.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from detente.scenarios import load_builtin

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


HEADERS = {"Deals": "Deal space", "Simulate": "Strategy comparison", "Stability": "Stability (GMCR)"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (.ci/run installs Debian's chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")
    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "streamlit.log"
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "detente", "app", "--port", str(port)], stdout=out, stderr=subprocess.STDOUT,
            env=env,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the app did not start:\n" + log.read_text(errors="replace")[-3000:])
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def test_load_run_deals_and_see_the_chart(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(app_url, wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Scenario")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("US–DPRK working-level talks").first).to_be_visible(timeout=30_000)
            # the first page shows the answer, worked out as the scenario loads
            expect(page.get_by_role("heading", name="The answer")).to_be_visible(timeout=30_000)
            expect(page.get_by_text("Deal zone:").first).to_be_visible(timeout=120_000)
            expect(page.get_by_text("by mean payoff").first).to_be_visible()
            page.get_by_test_id("stSidebar").get_by_text("Deals", exact=True).click()
            page.get_by_role("button", name="Run the deal analysis").click()
            chart = page.locator('[data-testid="stImage"] img, [data-testid="stImageContainer"] img').first
            expect(chart).to_be_visible(timeout=120_000)
            box = chart.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 150
            expect(page.get_by_text("Bargaining solutions").first).to_be_visible()
            page.screenshot(path=str(tmp_path / "deals.png"))
        finally:
            browser.close()


def _edit_party_cell(page: Any, column: int, text: str) -> None:
    """Type ``text`` into the first party's cell ``column`` (0 is the id) of the parties table."""
    grid = page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)  # let the table settle after the last rerun
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 20, box["y"] + 35 + 17)  # the header row, then the middle of row 0
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # open the cell's editor
    page.wait_for_timeout(500)
    page.keyboard.press("Control+a")
    page.keyboard.type(text)
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")


def test_the_app_keeps_the_scenario_its_edits_and_results(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(app_url, wait_until="domcontentloaded")
            sidebar = page.get_by_test_id("stSidebar")
            expect(page.get_by_text("US–DPRK working-level talks").first).to_be_visible(timeout=60_000)
            page.get_by_test_id("stSelectbox").first.click()
            page.get_by_role("option", name="libya-2003").click()
            title = load_builtin("libya-2003").title
            expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=30_000)
            expect(sidebar.get_by_text("libya-2003", exact=False)).to_be_visible()

            _edit_party_cell(page, 3, "four")  # the exposure limit of LBY
            refused = page.get_by_text("Exposure limit of LBY: 'four' is not a number")
            expect(refused).to_be_visible(timeout=30_000)
            expect(page.get_by_text("the old value 4 is kept")).to_be_visible()
            _edit_party_cell(page, 3, "3.5")
            expect(sidebar.get_by_text("libya-2003 (built-in, edited)", exact=False)).to_be_visible(
                timeout=30_000
            )

            sidebar.get_by_text("Deals", exact=True).click()
            page.get_by_role("button", name="Run the deal analysis").click()
            expect(page.get_by_text("Bargaining solutions").first).to_be_visible(timeout=120_000)
            for name in ("Roadmap", "Simulate", "Stability", "Report", "Scenario", "Deals"):
                sidebar.get_by_text(name, exact=True).click()
                expect(page.get_by_role("heading", name=HEADERS.get(name, name)).first).to_be_visible(
                    timeout=30_000
                )
                expect(sidebar.get_by_text("libya-2003 (built-in, edited)", exact=False)).to_be_visible()
            expect(page.get_by_text("Bargaining solutions").first).to_be_visible()  # the result is kept
            expect(page.get_by_text("Out of date")).to_have_count(0)
            sidebar.get_by_text("Scenario", exact=True).click()
            expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=30_000)
            expect(page.get_by_role("combobox", name="Built-in scenario")).to_have_value("libya-2003")
            page.screenshot(path=str(tmp_path / "scenario.png"))
            assert state_of(page) == "3.5"
        finally:
            browser.close()


def state_of(page: Any) -> str:
    """The first party's exposure limit as the downloadable YAML says it."""
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the scenario (YAML)").click()
    text = Path(info.value.path()).read_text()
    data = yaml.safe_load(text)
    return f"{data['parties'][0]['exposure_limit']:g}"


def test_report_opens_in_chromium_without_a_network_request(tmp_path: Path) -> None:
    """Load a whole report in the real browser and record every request it makes."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (.ci/run installs Debian's chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")
    from playwright.sync_api import sync_playwright

    from detente.report import ReportInputs, build_report
    from detente.scenarios import load_builtin

    options = {
        "simulate": {"strategies": ["grit", "maximum-pressure"], "runs": 3},
        "roadmap": {"time_limit": 3.0},
    }
    path = build_report(ReportInputs(load_builtin("libya-2003"), quick=True, options=options)).write(
        tmp_path / "report.html"
    )
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.resolve().as_uri(), wait_until="load")
            page.wait_for_timeout(300)
            assert page.locator("figure svg").count() >= 3  # the figures render inline
            assert page.locator("section[data-section]").count() >= 6
        finally:
            browser.close()
    outside = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert requests and not outside, outside
