"""Browser fixtures: Debian's Chromium driven by Playwright (never Playwright's own browser download).

`page` records every console error, uncaught exception and failed request of the page's own origin;
`clean_page` fails the test if any happened, so every browser test also checks "no console errors".
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from cos_ocr_emulator.testing import RunningEmulator

CHROMIUM = os.environ.get("COS_EMULATOR_TEST_CHROMIUM", "/usr/bin/chromium")
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}


@dataclass
class Problems:
    messages: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.messages.append(f"console: {message.text} @ {message.location}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error}"))
        page.on(
            "requestfailed", lambda request: self.messages.append(f"requestfailed: {request.url} {request.failure}")
        )


_BROWSER_FIXTURES = {"page", "clean_page", "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


# Module scope, not session: while Playwright's sync API is open it keeps an asyncio loop marked as
# running in the main thread, and later tests that call anyio.run() there would fail.
@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    # --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield browser
    browser.close()


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def page(browser: Browser, problems: Problems) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems.watch(page)
    yield page
    context.close()


@pytest.fixture
def clean_page(page: Page, problems: Problems) -> Iterator[Page]:
    yield page
    assert problems.messages == [], "the browser reported problems:\n" + "\n".join(problems.messages)


@pytest.fixture
def emu(cos_emulator: RunningEmulator) -> RunningEmulator:
    return cos_emulator


def rendered(page: Page) -> int:
    return int(page.locator("#view").get_attribute("data-rendered") or 0)


def navigate(page: Page, action: Callable[[], object]) -> None:
    """Do `action` (a click that changes the view) and wait until the new view has rendered."""
    before = rendered(page)
    action()
    page.wait_for_function("n => Number(document.querySelector('#view').dataset.rendered || 0) > n", arg=before)


def open_view(page: Page, emu: RunningEmulator, hash_: str) -> Page:
    url = f"{emu.endpoint}/_emulator/ui/#/{hash_}"
    if page.url.startswith(f"{emu.endpoint}/_emulator/ui/"):  # only the hash changes: no reload
        navigate(page, lambda: page.goto(url))
        return page
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#view[data-rendered]")
    return page
