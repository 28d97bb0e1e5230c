"""Browser tests: Playwright drives Debian's chromium against pytest-django's ``live_server``.

See tests/browser/README.md. Every test collected under tests/browser is marked ``browser``.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCALE = "zh-CN"
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000  # per action, navigation and expect(); a page of this site renders in well under a second

expect.set_options(timeout=TIMEOUT_MS)

_page_key = pytest.StashKey[Page]()
_screenshots_key = pytest.StashKey[list[str]]()


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark every test under tests/browser ``browser``, before ``-m`` selects (``-m "not browser"`` skips them)."""
    item.add_marker(pytest.mark.browser)


class Chromium:
    """The run's Playwright driver and chromium, started on first use.

    While Playwright's sync API is started, an asyncio loop counts as running in the test thread (hence
    DJANGO_ALLOW_ASYNC_UNSAFE in tests/conftest.py). So that no later, non-browser test runs under it, it
    is stopped as soon as the run leaves the browser tests (``pytest_runtest_teardown`` below); a later
    browser test would start it again.
    """

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def browser(self) -> Browser:
        if self._browser is None:
            self._check_executable()
            headed = _env_flag("BROWSER_HEADED")
            if headed and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
                pytest.fail(
                    "BROWSER_HEADED=1 needs a display: neither DISPLAY nor WAYLAND_DISPLAY is set", pytrace=False
                )
            self._playwright = sync_playwright().start()
            try:
                self._browser = self._playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    headless=not headed,
                    slow_mo=float(os.environ.get("BROWSER_SLOWMO", "0")),
                    args=CHROMIUM_ARGS,
                )
            except BaseException:
                self.stop()
                raise
        return self._browser

    def stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None

    @staticmethod
    def _check_executable() -> None:
        if os.access(CHROMIUM, os.X_OK):
            return
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does"
        if _env_flag("CI"):
            pytest.fail(f"{reason}. Under CI the browser tests fail rather than skip.", pytrace=False)
        pytest.skip(reason)


_chromium = Chromium()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    """The session's Playwright + chromium (Debian's, headless unless BROWSER_HEADED=1)."""
    yield _chromium
    _chromium.stop()


@pytest.fixture
def browser(chromium: Chromium) -> Browser:
    return chromium.browser()


@pytest.fixture
def context(browser: Browser, live_server) -> Iterator[BrowserContext]:
    """A fresh context per test: no cookies (so no language chosen yet), zh-CN, 1280x900.

    ``base_url`` is the live server, so ``page.goto("/brands/")`` works. ``live_server`` makes the test's
    database transactional: what the test creates is committed, so the server thread sees it, and every
    table is emptied after the test (load reference data in the test, e.g. with ``reference_data``).
    """
    ctx = browser.new_context(base_url=live_server.url, locale=LOCALE, viewport=VIEWPORT, timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, context: BrowserContext) -> Page:
    pg = context.new_page()
    request.node.stash[_page_key] = pg
    return pg


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """When a browser test fails, save a full-page screenshot of its page and print where."""
    report = yield
    pg = item.stash.get(_page_key, None)
    if report.failed and report.when in ("setup", "call") and pg is not None and not pg.is_closed():
        directory = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or tempfile.gettempdir()) / "browser-screenshots"
        name = re.sub(r"[^\w.-]+", "_", item.nodeid)[-150:]
        path = directory / f"{name}.png"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=str(path), full_page=True, timeout=5_000)
        except Exception as exc:  # a failed screenshot must not hide the test's own failure
            line = f"{item.nodeid}: no screenshot ({exc!r})"
        else:
            line = f"{item.nodeid}: {path}"
        report.sections.append(("browser screenshot", f"{path}\npage: {pg.url}"))
        item.config.stash.setdefault(_screenshots_key, []).append(line)
    return report


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(_screenshots_key, [])
    if lines:
        terminalreporter.section("browser screenshots of failed tests")
        for line in lines:
            terminalreporter.line(line)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """Stop chromium and Playwright when the next test is not a browser test (or there is none)."""
    try:
        return (yield)
    finally:
        if nextitem is None or nextitem.get_closest_marker("browser") is None:
            _chromium.stop()
