"""The HTML report opened in a real headless Chromium: what a person sees, nothing fetched.

Chromium is Debian's (``apt-get install chromium``, done by ``.ci/run``),
driven by Playwright without its own browser download. Screenshots of each
page at desktop and phone width go to ``test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


def report_of(playbook: str, folder: Path) -> tuple[Path, dict]:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scenario_engine.cli",
            "play",
            str(REPO / "playbooks" / playbook),
            "--report-dir",
            str(folder),
            "--reporter",
            "html",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    [page] = [p for p in folder.rglob("report.html") if "latest" not in p.parts]
    return page, json.loads((page.parent / "report.json").read_text())


def open_page(browser, page_path: Path, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if url == page_path.as_uri():
            request_route.continue_()
        else:
            outside.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(page_path.as_uri())
    return context, page, outside, errors


@pytest.mark.parametrize(
    ("playbook", "failing"), [("chaos_tour.py", False), ("failing_on_purpose.py", True)]
)
def test_the_report_shows_its_charts_and_loads_nothing(browser, tmp_path, playbook, failing):
    page_path, report = report_of(playbook, tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1400, 390):
        context, page, outside, errors = open_page(browser, page_path, width)
        assert page.locator("#timeline").is_visible()
        bands = page.locator(".phase-band")
        assert bands.count() == sum(1 for s in report["steps"] if s["kind"] == "phase")
        assert bands.first.is_visible()
        markers = page.locator(".chaos-marker")
        assert markers.count() == len(report["chaos"])  # one per action, in its own colour
        assert len({markers.nth(i).get_attribute("fill") for i in range(markers.count())}) == (
            min(markers.count(), 8)
        )
        failed = [a for a in report["assertions"] if not a["passed"]]
        assert page.locator(".failure-marker").count() == len(failed)
        assert bool(failed) == failing
        if failing:
            page.locator(".failure-marker .hit").first.click()
            assert page.url.endswith("#failure-1") or "#failure-" in page.url
            assert page.locator(".failure pre").first.is_visible()  # the witness events
        withins = [a for a in report["assertions"] if a["label"].startswith("Within(")]
        assert page.locator(".latency-chart").count() == len(withins)
        if withins:
            assert page.locator(".latency-histogram").first.is_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than a {width}px screen"
        page.screenshot(path=str(ARTIFACTS / f"{Path(playbook).stem}-{width}.png"), full_page=True)
        assert outside == []
        assert errors == []
        context.close()
