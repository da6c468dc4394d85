"""Shared fixtures: a fresh demo mock per test, its test client and a rep's bearer headers."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_outreach.app import create_app
from tests.serving import http_server

pytest_plugins = ["tests.browser"]  # live_mock, chromium_page: see tests/browser.py
AVA = "ava.reed@acme.example"
GINA = "gina.park@globex.example"


@pytest.fixture
def app() -> Flask:
    return create_app({"dataset": "demo", "webhook_worker": False})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def mint(client: FlaskClient, email: str = AVA, **extra: Any) -> dict[str, Any]:
    reply = client.post("/__mock__/tokens", json={"email": email, **extra})
    assert reply.status_code == 201, reply.get_data(as_text=True)
    return reply.get_json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def auth(client: FlaskClient) -> dict[str, str]:
    """Headers carrying Ava's (org 1) access token with every dialer scope."""
    return bearer(mint(client)["access_token"])


@pytest.fixture
def write_headers(auth: dict[str, str]) -> dict[str, str]:
    return {**auth, "Content-Type": "application/vnd.api+json"}


@pytest.fixture
def serve() -> Iterator[Callable[[Flask], str]]:
    """Serve apps over real HTTP (werkzeug, 127.0.0.1, a free port); yields their base URLs."""
    with contextlib.ExitStack() as stack:
        yield lambda app: stack.enter_context(http_server(app))
