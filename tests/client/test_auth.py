"""The auth flow: refresh before expiry, once on a 401, coalesced per rep (network faked)."""

import asyncio
import json
import threading
import time
from urllib.parse import parse_qs

import httpx
import pytest
from outreach_client import (
    AsyncOutreachClient,
    AuthenticationError,
    FileTokenStore,
    MemoryTokenStore,
    OAuthApp,
    OutreachAuth,
    OutreachClient,
    RateLimitError,
    ReconnectRequired,
    TokenSet,
)

BASE = "https://api.outreach.io"
REP = "ava.reed@acme.example"


class FakeOutreach:
    """A token endpoint (with the 1/min mint throttle) and one API route."""

    def __init__(self, mint_delay: float = 0.0):
        self.now = 10_000.0
        self.valid_access: set[str] = {"old-access"}
        self.valid_refresh: set[str] = {"old-refresh"}
        self.mints = 0
        self.last_mint = -1e9
        self.mint_delay = mint_delay
        self.lock = threading.Lock()
        self.api_tokens: list[str] = []
        self.reject_next_api = 0
        self.on_throttle = None
        self.token_requests = 0

    def token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form["client_id"] == "demo-dialer"
        assert form["client_secret"] == "demo-dialer-secret"
        assert form["grant_type"] == "refresh_token"
        with self.lock:
            self.token_requests += 1
            if form["refresh_token"] not in self.valid_refresh:
                return httpx.Response(400, json={"error": "invalid_grant"})
            if self.now - self.last_mint < 60:
                if self.on_throttle:
                    self.on_throttle()
                return httpx.Response(429, text="Retry later\n")
            self.last_mint = self.now
            self.mints += 1
            n = self.mints
        time.sleep(self.mint_delay)
        self.valid_access.add(f"access-{n}")
        self.valid_refresh.add(f"refresh-{n}")
        body = {
            "access_token": f"access-{n}",
            "token_type": "bearer",
            "expires_in": 7200,
            "refresh_token": f"refresh-{n}",
            "scope": "prospects.all tasks.all",
            "created_at": int(self.now),
        }
        return httpx.Response(200, json=body)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return self.token(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.api_tokens.append(token)
        if self.reject_next_api or token not in self.valid_access:
            self.reject_next_api = max(0, self.reject_next_api - 1)
            return httpx.Response(401, json={"error": "Invalid JWT token.", "description": "x"})
        return httpx.Response(200, json={"data": {"type": "user", "id": 1, "attributes": {}}})


def _setup(fake, *, expires_in=7200.0, store=None):
    store = store if store is not None else MemoryTokenStore()
    transport = httpx.MockTransport(fake)
    app = OAuthApp(
        "demo-dialer", "demo-dialer-secret", "http://localhost:8080/callback",
        base_url=BASE, transport=transport, clock=lambda: fake.now,
    )
    store.set(REP, TokenSet("old-access", "old-refresh", expires_at=fake.now + expires_in))
    auth = OutreachAuth(app, store, REP)
    return auth, store, transport


def _client(auth, transport):
    return OutreachClient(auth, base_url=BASE, transport=transport, sleep=lambda s: None)


def test_fresh_token_is_used_without_refreshing():
    fake = FakeOutreach()
    auth, _, transport = _setup(fake)
    _client(auth, transport).users.get(1)
    assert fake.mints == 0
    assert fake.api_tokens == ["old-access"]


def test_token_near_expiry_is_refreshed_before_the_request():
    fake = FakeOutreach()
    auth, store, transport = _setup(fake, expires_in=30)
    _client(auth, transport).users.get(1)
    assert fake.mints == 1
    assert fake.api_tokens == ["access-1"]
    assert store.get(REP).refresh_token == "refresh-1"
    assert store.get(REP).expires_at == fake.now + 7200


def test_a_401_refreshes_once_and_resends():
    fake = FakeOutreach()
    auth, _, transport = _setup(fake)
    fake.valid_access.clear()  # the server expired it early
    _client(auth, transport).users.get(1)
    assert fake.mints == 1
    assert fake.api_tokens == ["old-access", "access-1"]


def test_a_second_401_surfaces_without_another_refresh():
    fake = FakeOutreach()
    auth, _, transport = _setup(fake)
    fake.reject_next_api = 2
    with pytest.raises(AuthenticationError):
        _client(auth, transport).users.get(1)
    assert fake.mints == 1
    assert len(fake.api_tokens) == 2


def test_refused_refresh_token_raises_reconnect_required_and_forgets_the_pair():
    fake = FakeOutreach()
    auth, store, transport = _setup(fake, expires_in=0)
    fake.valid_refresh.clear()
    with pytest.raises(ReconnectRequired) as caught:
        _client(auth, transport).users.get(1)
    assert caught.value.rep == REP
    assert store.get(REP) is None
    with pytest.raises(ReconnectRequired):
        _client(auth, transport).users.get(1)


def test_rep_without_stored_token_must_reconnect():
    fake = FakeOutreach()
    auth, store, transport = _setup(fake)
    store.delete(REP)
    with pytest.raises(ReconnectRequired):
        _client(auth, transport).users.get(1)
    assert fake.api_tokens == []


def test_parallel_threads_share_one_refresh():
    fake = FakeOutreach(mint_delay=0.05)
    auth, _, transport = _setup(fake, expires_in=0)
    errors: list[Exception] = []

    def call():
        try:
            # Separate clients and auth objects on one store: as separate workers would.
            _client(OutreachAuth(auth.app, auth.store, REP), transport).users.get(1)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert fake.token_requests == 1
    assert fake.api_tokens == ["access-1"] * 8


def test_parallel_asyncio_tasks_share_one_refresh():
    fake = FakeOutreach()

    async def slow_handler(request):
        if request.url.path == "/oauth/token":
            await asyncio.sleep(0.05)
        return fake(request)

    auth, _, _ = _setup(fake, expires_in=0)
    transport = httpx.MockTransport(slow_handler)

    async def run():
        async with AsyncOutreachClient(auth, base_url=BASE, transport=transport) as client:
            await asyncio.gather(*(client.users.get(1) for _ in range(8)))

    asyncio.run(run())
    assert fake.token_requests == 1
    assert fake.api_tokens == ["access-1"] * 8


def test_parallel_401s_after_server_side_expiry_share_one_refresh():
    fake = FakeOutreach(mint_delay=0.05)
    auth, _, transport = _setup(fake)
    fake.valid_access.clear()
    threads = [
        threading.Thread(target=lambda: _client(auth, transport).users.get(1)) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fake.token_requests == 1
    assert fake.api_tokens.count("access-1") == 6


def test_throttled_refresh_uses_the_pair_another_process_stored(tmp_path):
    fake = FakeOutreach()
    path = tmp_path / "tokens.json"
    auth, _, transport = _setup(fake, expires_in=0, store=FileTokenStore(path))
    fake.last_mint = fake.now  # someone minted a moment ago...
    other = FileTokenStore(path)

    def other_process_refreshed():  # ...and stored the new pair in the shared file
        fake.valid_access.add("theirs")
        other.set(REP, TokenSet("theirs", "their-refresh", expires_at=fake.now + 7200))

    fake.on_throttle = other_process_refreshed
    _client(auth, transport).users.get(1)
    assert fake.api_tokens == ["theirs"]


def test_throttled_refresh_with_nothing_newer_raises_rate_limit():
    fake = FakeOutreach()
    auth, store, transport = _setup(fake, expires_in=0)
    fake.last_mint = fake.now
    with pytest.raises(RateLimitError):
        _client(auth, transport).users.get(1)
    assert store.get(REP).access_token == "old-access"


def test_refresh_request_is_a_form_with_client_credentials():
    app = OAuthApp("cid", "secret", "http://localhost:8080/callback", base_url=BASE)
    request = app.refresh_request("r1")
    assert request.url == f"{BASE}/oauth/token"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(request.content.decode())
    assert form == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["r1"],
        "redirect_uri": ["http://localhost:8080/callback"],
        "client_id": ["cid"],
        "client_secret": ["secret"],
    }
    assert json.dumps(form)  # plain strings only
