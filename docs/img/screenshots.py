"""Take the tutorial's screenshots: the app and the report in Debian's headless Chromium.

Run from the repository root: ``.venv/bin/python docs/img/screenshots.py`` (needs
/usr/bin/chromium and the dev extra). It starts ``detente app`` on a free port,
drives it with Playwright, writes a report and photographs it too.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

OUT = Path(__file__).resolve().parent
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str) -> None:
    for _ in range(180):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the app did not start")


def _page(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(name, exact=True).click()
    expect(page.get_by_role("heading").first).to_be_visible()


def shoot_app(url: str, page: Page) -> None:
    page.goto(url)
    expect(page.get_by_text("US–DPRK working-level talks").first).to_be_visible(timeout=60_000)
    page.locator('[data-testid="stDataFrame"] canvas, [data-testid="stDataFrameResizable"]').first.wait_for(
        timeout=60_000
    )
    expect(page.get_by_text("Deal zone").first).to_be_visible(timeout=180_000)  # the answer, worked out on load
    page.wait_for_timeout(1500)
    page.screenshot(path=str(OUT / "app-scenario.png"))

    _page(page, "Deals")
    page.get_by_role("button", name="Run the deal analysis").click()
    expect(page.locator('[data-testid="stImage"] img').first).to_be_visible(timeout=120_000)
    page.wait_for_timeout(800)
    page.screenshot(path=str(OUT / "app-deals.png"))

    _page(page, "Roadmap")
    page.get_by_role("button", name="Plan the roadmap").click()
    expect(page.get_by_text("The same target, sequenced up front").first).to_be_visible(timeout=120_000)
    page.locator('[data-testid="stImage"] img').first.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    page.screenshot(path=str(OUT / "app-roadmap.png"))

    _page(page, "Simulate")
    page.get_by_role("button", name="Run the simulations").click()
    expect(page.locator('[data-testid="stImage"] img').first).to_be_visible(timeout=300_000)
    page.wait_for_timeout(800)
    page.screenshot(path=str(OUT / "app-simulate.png"))

    _page(page, "Scenario")
    page.get_by_text("Upload", exact=True).click()
    bad = Path(tempfile.mkdtemp()) / "my-scenario.yaml"
    from detente.scenarios import builtin_text

    text = (
        builtin_text("korea-2019")
        .replace("discount: 0.98", "discount: 1.5", 1)
        .replace("by: USA", "by: US", 1)
    )
    bad.write_text(text)
    page.locator('input[type="file"]').set_input_files(str(bad))
    expect(page.get_by_text("is not a valid scenario").first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(800)
    page.screenshot(path=str(OUT / "app-bad-upload.png"))


def shoot_report(page: Page, tmp: Path) -> None:
    report = tmp / "report.html"
    subprocess.run(
        [sys.executable, "-m", "detente", "report", "korea-2019", "--quick", "-o", str(report)], check=True
    )
    page.goto(report.as_uri())
    page.add_style_tag(content="nav.toc { position: static; }")  # no sticky bar over element shots
    page.wait_for_timeout(500)
    page.screenshot(path=str(OUT / "report-top.png"))
    for key, name in (("deals", "report-deals.png"), ("simulate", "report-strategies.png")):
        page.locator(f'section[data-section="{key}"] figure').first.scroll_into_view_if_needed()
        page.locator(f'section[data-section="{key}"] figure').first.screenshot(path=str(OUT / name))
    page.locator('section[data-section="stability"]').screenshot(path=str(OUT / "report-stability.png"))
    page.locator('section[data-section="roadmap"]').screenshot(path=str(OUT / "report-roadmap.png"))


def main() -> None:
    port = _port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    proc = subprocess.Popen([sys.executable, "-m", "detente", "app", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        _wait(url)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            shoot_app(url, page)
            shoot_report(page, Path(tempfile.mkdtemp()))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    print("\n".join(str(p) for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
