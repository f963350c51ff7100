"""Browser tests: Playwright driving the system Chromium (/usr/bin/chromium), mobile-first.

Fixtures:
    page                  a fresh page in a fresh browser context (360x740, vi-VN) for each test
    context               that page's browser context
    browser_context_args  the options for new_context(); override it in a module for another viewport
    browser               the Chromium instance shared by the whole session
    screenshot_dir        var/screenshots under the repository (created), for PNGs a test wants to keep

Every test under tests/browser gets the ``browser`` marker (deselect with ``-m "not browser"``).
Without /usr/bin/chromium the tests are skipped, except under CI, where that is a failure.
A failing test leaves a screenshot in var/screenshots/failures/.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

# Playwright's sync API runs an asyncio event loop in the test thread; without this Django refuses
# ORM calls made by the test itself ("You cannot call this from an async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_TIMEOUT_MS = 15_000


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees every collected item, not only ours: pick the ones under tests/browser.
    chromium_missing = not CHROMIUM.exists() and not _in_ci()
    for item in items:
        if not Path(item.path).resolve().is_relative_to(HERE):
            continue
        item.add_marker(pytest.mark.browser)
        if chromium_missing:
            item.add_marker(
                pytest.mark.skip(reason=f"{CHROMIUM} not found (install Debian's chromium, or run make test as root)")
            )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found and CI is set: browser tests must run in CI (apt-get install chromium)")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser_context_args() -> dict[str, Any]:
    return {
        "viewport": {"width": 360, "height": 740},
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
    }


@pytest.fixture
def context(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = context.new_page()
    yield page
    report = getattr(request.node, "_report_call", None)
    if report is not None and report.failed and not page.is_closed():
        failures = REPO / "var" / "screenshots" / "failures"
        failures.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        with contextlib.suppress(Exception):  # a screenshot must never hide the real failure
            page.screenshot(path=str(failures / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = REPO / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


from tests.browser.world import tree  # noqa: E402, F401  (a fixture shared by the browser tests)
