"""Fixtures running the client against the real mock, in-process (WSGI) and over loopback HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from outreach_client import (
    MemoryTokenStore,
    OAuthApp,
    OutreachAuth,
    OutreachClient,
    TokenSet,
    TokenStore,
)

from tests.serving import http_server

AVA = "ava.reed@acme.example"
CLIENT_ID, CLIENT_SECRET = "demo-dialer", "demo-dialer-secret"
REDIRECT_URI = "http://localhost:8080/callback"


def _create_app(settings: dict[str, Any] | None = None) -> Any:
    app_module = pytest.importorskip("mock_outreach.app", reason="needs mock_outreach.app")
    return app_module.create_app(settings)


def mock_has(app: Any, method: str, path: str) -> bool:
    """Whether the mock serves a route yet (features land while the client is built)."""
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(path, method=method)
    except Exception as exc:  # NotFound / MethodNotAllowed; RequestRedirect means it exists
        return type(exc).__name__ == "RequestRedirect"
    return True


# Mock features the client tests rely on, by the route that proves each is there.
FEATURES = {
    "oauth token endpoint": ("POST", "/oauth/token"),
    "oauth sign-in page": ("GET", "/oauth/authorize"),
    "token expire control": ("POST", "/__mock__/tokens/expire"),
    "token revoke control": ("POST", "/__mock__/tokens/revoke"),
    "fault rules": ("POST", "/__mock__/faults"),
    "journal": ("GET", "/__mock__/journal"),
}


@pytest.fixture
def needs(mock_app: Any) -> Any:
    """`needs("fault rules")` skips the test until the mock serves that feature."""

    def check(*features: str) -> None:
        for feature in features:
            if not mock_has(mock_app, *FEATURES[feature]):
                pytest.skip(f"needs {feature} in mock")

    return check


@dataclass
class MockEnv:
    """One running mock: how to reach it, and its control API."""

    app: Any
    base_url: str
    transport: httpx.BaseTransport | None
    kind: str
    stores: list[TokenStore] = field(default_factory=list)

    @property
    def control(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, transport=self.transport, timeout=30)

    def ctl(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the control API and return its JSON."""
        with self.control as http:
            response = http.request(method, f"/__mock__{path}", **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def user_id(self, email: str) -> int:
        users = self.ctl("GET", "/users")["users"]
        return next(user["id"] for user in users if user["email"] == email)

    def mint(self, email: str, **extra: Any) -> TokenSet:
        body = self.ctl("POST", "/tokens", json={"email": email, **extra})
        return TokenSet.from_response(body, time.time())

    def oauth_app(self) -> OAuthApp:
        return OAuthApp(
            CLIENT_ID,
            CLIENT_SECRET,
            REDIRECT_URI,
            base_url=self.base_url,
            transport=self.transport,
        )

    def client(
        self,
        email: str = AVA,
        *,
        store: TokenStore | None = None,
        connect: bool = True,
        transport: httpx.BaseTransport | None = None,
        **kwargs: Any,
    ) -> OutreachClient:
        """A client authenticated as a rep (a fresh token minted unless connect=False).

        `transport` wraps or replaces the way to the mock for this client only.
        """
        store = store if store is not None else MemoryTokenStore()
        if connect:
            store.set(email, self.mint(email))
        transport = transport or self.transport
        app = OAuthApp(
            CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, base_url=self.base_url, transport=transport
        )
        kwargs.setdefault("sleep", lambda seconds: None)
        return OutreachClient(
            OutreachAuth(app, store, email), base_url=self.base_url, transport=transport, **kwargs
        )




@pytest.fixture
def mock_app() -> Any:
    """A fresh mock with the demo dataset."""
    return _create_app({"dataset": "demo"})


@pytest.fixture(params=["wsgi", "http"])
def env(request: pytest.FixtureRequest, mock_app: Any) -> Iterator[MockEnv]:
    """The mock reached in-process through WSGITransport, then over real loopback HTTP."""
    if request.param == "wsgi":
        yield MockEnv(mock_app, "http://mock.test", httpx.WSGITransport(app=mock_app), "wsgi")
        return
    with http_server(mock_app) as url:
        yield MockEnv(mock_app, url, None, "http")


@pytest.fixture
def wsgi_env(mock_app: Any) -> MockEnv:
    """The mock in-process only (for the slower, fault-heavy tests)."""
    return MockEnv(mock_app, "http://mock.test", httpx.WSGITransport(app=mock_app), "wsgi")


@pytest.fixture
def http_env(mock_app: Any) -> Iterator[MockEnv]:
    """The mock over real loopback HTTP only (dropped connections need a real socket)."""
    with http_server(mock_app) as url:
        yield MockEnv(mock_app, url, None, "http")
