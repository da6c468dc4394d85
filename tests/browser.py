"""Browser-test helpers: the mock over real HTTP and Debian's Chromium driven by Playwright.

Registered as a plugin by tests/conftest.py, so any test can ask for `live_mock` and
`chromium_page`. Mark such tests `@pytest.mark.browser`; they skip when Chromium is missing
(`make chromium` installs it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from mock_outreach.app import create_app
from tests.serving import http_server

CHROMIUM = Path("/usr/bin/chromium")
# Offline, unprivileged and quiet: no sandbox (root in CI), no GPU, no calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
TIMEOUT_MS = 15_000  # an upper bound on waiting for the page, never an assertion


@dataclass
class LiveMock:
    """One mock app served over real HTTP on 127.0.0.1."""

    app: Flask
    url: str

    @property
    def state(self) -> Any:
        return self.app.extensions["mock_outreach"]


@dataclass
class Tab:
    """A page in its own browser context, with everything it reported as an error."""

    page: Any
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def live_mock() -> Iterator[Callable[..., LiveMock]]:
    """Factory: `live_mock(config)` builds a mock (no webhook worker by default) and serves it."""
    with contextlib.ExitStack() as stack:

        def start(config: dict[str, Any] | None = None) -> LiveMock:
            app = create_app({"dataset": "demo", "webhook_worker": False, **(config or {})})
            return LiveMock(app, stack.enter_context(http_server(app)))

        yield start


@pytest.fixture
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium under Playwright (its bundled driver; no downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (run `make chromium`)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def chromium_page(chromium: Any) -> Callable[..., Tab]:
    """Factory: `chromium_page(url)` opens a fresh page and records console errors and crashes."""

    def open_page(url: str, **context_options: Any) -> Tab:
        context = chromium.new_context(**context_options)
        context.set_default_timeout(TIMEOUT_MS)
        tab = Tab(context.new_page())
        tab.page.on("console", lambda msg: tab.errors.append(msg.text)
                    if msg.type == "error" else None)
        tab.page.on("pageerror", lambda exc: tab.errors.append(str(exc)))
        tab.page.goto(url)
        return tab

    return open_page
