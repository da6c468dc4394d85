"""Where contracts run: the in-process mock, a running mock reached by URL, or the real API."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import httpx

MEDIA_TYPE = "application/vnd.api+json"
LIVE_BASE_URL = "https://api.outreach.io"
LIVE_ENV = ("OUTREACH_CLIENT_ID", "OUTREACH_CLIENT_SECRET", "OUTREACH_REFRESH_TOKEN")
DEMO_REP = "ava.reed@acme.example"
DEMO_APP = ("demo-dialer", "demo-dialer-secret", "http://localhost:8080/callback")
CONTRACT_TAG = "mock-outreach-contract"


class TargetUnavailable(Exception):
    """The target cannot be used (no credentials, nothing listening); tests skip with this."""


@dataclass
class LiveCredentials:
    """An OAuth app and one rep's refresh token, read from the environment."""

    client_id: str
    client_secret: str
    refresh_token: str
    redirect_uri: str = ""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> LiveCredentials:
        env = dict(os.environ if env is None else env)
        missing = [name for name in LIVE_ENV if not env.get(name)]
        if missing:
            raise TargetUnavailable(
                f"live target needs {', '.join(missing)} in the environment "
                "(see README, 'Contract tests')")
        return cls(env["OUTREACH_CLIENT_ID"], env["OUTREACH_CLIENT_SECRET"],
                   env["OUTREACH_REFRESH_TOKEN"], env.get("OUTREACH_REDIRECT_URI", ""))


@dataclass
class Target:
    """One API under test: how to reach it and how to get a rep's token there."""

    kind: str  # "mock" (in-process), "url" (a running mock) or "live" (api.outreach.io)
    base_url: str  # scheme://host[:port], without /api/v2
    transport: httpx.BaseTransport | None = None
    app: Any = None  # the Flask app of an in-process mock
    read_only: bool = False
    credentials: LiveCredentials | None = None
    name: str = ""
    _tokens: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def is_mock(self) -> bool:
        """Whether the control API (/__mock__/) is there to drive clock, tokens and faults."""
        return self.kind != "live"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v2"

    def http(self, token: str | None = None, *, api: bool = True) -> httpx.Client:
        """A plain httpx client on the API (or the server root), bearing `token` if given."""
        headers = {"Accept": MEDIA_TYPE}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=self.api_url if api else self.base_url, headers=headers,
                            transport=self.transport, timeout=30, follow_redirects=False)

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the mock's control API and return its JSON; raises on an error status."""
        if not self.is_mock:
            raise TargetUnavailable("the control API exists on the mock only")
        with self.http(api=False) as http:
            response = http.request(method, f"/__mock__{path}", **kwargs)
        if response.status_code >= 300:
            raise AssertionError(f"control {method} {path}: {response.status_code} "
                                 f"{response.text[:300]}")
        return response.json() if response.content else None

    def mint(self, email: str = DEMO_REP, **extra: Any) -> dict[str, Any]:
        """A fresh token pair for a seeded rep, minted by the mock without the browser."""
        return self.control("POST", "/tokens", json={"email": email, **extra})

    def token(self) -> dict[str, Any]:
        """The session rep's token body: minted on a mock, refreshed once per run on live."""
        if "rep" not in self._tokens:
            self._tokens["rep"] = self.mint() if self.is_mock else self.refresh_live()
        return self._tokens["rep"]

    def refresh_live(self) -> dict[str, Any]:
        """Exchange the configured refresh token (the live 'connect' step)."""
        creds = self.credentials
        if creds is None:
            raise TargetUnavailable("no live credentials")
        form = {"grant_type": "refresh_token", "client_id": creds.client_id,
                "client_secret": creds.client_secret, "refresh_token": creds.refresh_token}
        if creds.redirect_uri:
            form["redirect_uri"] = creds.redirect_uri
        with self.http(api=False) as http:
            response = http.post("/oauth/token", data=form)
        if response.status_code != 200:
            raise TargetUnavailable(f"live refresh grant failed: {response.status_code} "
                                    f"{response.text[:200]}")
        body = response.json()
        creds.refresh_token = body.get("refresh_token", creds.refresh_token)
        return body

    def app_credentials(self) -> tuple[str, str, str]:
        """(client id, secret, redirect URI) of the OAuth app the tokens belong to."""
        if self.credentials is not None:
            c = self.credentials
            return c.client_id, c.client_secret, c.redirect_uri or DEMO_APP[2]
        apps = self.control("GET", "/apps")["apps"]
        app = next((a for a in apps if a["client_id"] == DEMO_APP[0]), apps[0])
        return app["client_id"], app["client_secret"], app["redirect_uris"][0]

    def me(self, token: str) -> dict[str, Any]:
        """The rep behind a token: `{"id", "email"}` via the API root, then users by email."""
        with self.http(token) as http:
            meta = http.get(self.api_url).raise_for_status().json().get("meta", {})
            user = dict(meta.get("user") or {})
            if user.get("id") is None and user.get("email"):
                found = http.get("/users", params={"filter[email]": user["email"]}).json()
                user["id"] = found["data"][0]["id"]
        return user
