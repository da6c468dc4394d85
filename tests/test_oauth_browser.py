"""A real headless Chromium connects a dialer: consent page, Allow, redirect, code exchange."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from flask import Flask, request

from mock_outreach.app import create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                 "(apt-get install -y chromium; the Makefile does it in CI)")]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--remote-debugging-pipe"]
PATIENCE_S = 30  # how long to wait for the browser before calling the test failed


class Browser:
    """Chromium driven over the DevTools protocol on a pipe (fd 3 in, fd 4 out)."""

    def __init__(self, profile: Path):
        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()
        actions = [(os.POSIX_SPAWN_DUP2, to_browser, 3), (os.POSIX_SPAWN_DUP2, from_browser, 4),
                   (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
        argv = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"]
        self.pid = os.posix_spawn(str(CHROMIUM), argv, os.environ, file_actions=actions)
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next_id = 0
        self.session = ""

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                assert "error" not in reply, reply
                return reply.get("result", {})

    def _receive(self) -> dict[str, Any]:
        deadline = time.monotonic() + PATIENCE_S
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._read], [], [], deadline - time.monotonic())
            assert ready, "chromium stopped answering"
            chunk = os.read(self._read, 1 << 16)
            assert chunk, "chromium closed the pipe"
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open_page(self) -> None:
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def wait_for(self, expression: str) -> Any:
        """Poll until the expression is truthy (page loads happen at the browser's pace)."""
        deadline = time.monotonic() + PATIENCE_S
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"never true in the browser: {expression}")

    def close(self) -> None:
        os.kill(self.pid, signal.SIGTERM)
        os.waitpid(self.pid, 0)
        os.close(self._read)
        os.close(self._write)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    chromium = Browser(tmp_path / "profile")
    try:
        chromium.open_page()
        yield chromium
    finally:
        chromium.close()


def receiver() -> tuple[Flask, list[dict[str, str]]]:
    app, seen = Flask("receiver"), []

    @app.get("/callback")
    def callback() -> str:
        seen.append(dict(request.args))
        return "<p id='done'>connected</p>"

    return app, seen


def test_rep_connects_a_dialer_in_a_real_browser(serve: Any, browser: Browser) -> None:
    mock = serve(create_app({"dataset": "demo", "webhook_worker": False}))
    callback_app, seen = receiver()
    callback = serve(callback_app) + "/callback"
    app = httpx.post(f"{mock}/__mock__/apps", json={
        "name": "Browser Dialer", "redirect_uris": [callback],
        "scopes": ["prospects.all", "calls.all"]}).json()
    query = urlencode({"client_id": app["client_id"], "redirect_uri": callback,
                       "response_type": "code", "scope": "prospects.read calls.all",
                       "state": "from-chromium"})
    browser.send("Page.navigate", url=f"{mock}/oauth/authorize?{query}")
    assert browser.wait_for("document.querySelector('#app-name')?.textContent") == \
        "Browser Dialer"
    assert browser.evaluate("[...document.querySelectorAll('#scopes code')]"
                            ".map(e => e.textContent)") == ["prospects.read", "calls.all"]
    assert "cara.diaz@acme.example" in browser.evaluate(
        "[...document.querySelectorAll('#users option')].map(o => o.value)")
    browser.evaluate("document.querySelector('#email').value = 'cara.diaz@acme.example';"
                     "document.querySelector('#allow').click()")
    assert browser.wait_for("document.querySelector('#done')?.textContent") == "connected"
    assert seen[0]["state"] == "from-chromium"
    tokens = httpx.post(f"{mock}/oauth/token", data={
        "grant_type": "authorization_code", "code": seen[0]["code"], "redirect_uri": callback,
        "client_id": app["client_id"], "client_secret": app["client_secret"]}).json()
    me = httpx.get(f"{mock}/api/v2", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["meta"]["user"]["email"] == "cara.diaz@acme.example"


def test_deny_in_a_real_browser_returns_access_denied(serve: Any, browser: Browser) -> None:
    mock = serve(create_app({"dataset": "demo", "webhook_worker": False}))
    callback_app, seen = receiver()
    callback = serve(callback_app) + "/callback"
    app = httpx.post(f"{mock}/__mock__/apps", json={
        "name": "Browser Dialer", "redirect_uris": [callback], "scopes": ["calls.all"]}).json()
    query = urlencode({"client_id": app["client_id"], "redirect_uri": callback,
                       "response_type": "code", "scope": "calls.all", "state": "no"})
    browser.send("Page.navigate", url=f"{mock}/oauth/authorize?{query}")
    browser.wait_for("!!document.querySelector('#deny')")
    browser.evaluate("document.querySelector('#deny').click()")
    browser.wait_for("!!document.querySelector('#done')")
    assert seen == [{"error": "access_denied", "state": "no",
                     "error_description": "The resource owner or authorization server denied "
                                          "the request."}]
