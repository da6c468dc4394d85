"""The pytest plugin: `--outreach-target`, target markers, and fixtures for the contract suites."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .broken import BROKEN
from .factories import Factory
from .targets import LIVE_BASE_URL, LiveCredentials, Target, TargetUnavailable

TARGET_KINDS = ("mock", "url", "live")
MARKERS = (
    "validated(*targets): the targets (mock, url, live) this contract has been validated against",
    "mock_only(reason): needs the mock's control API (clock, token expiry, forms); skipped on live",
    "writes: creates or changes records; skipped with --outreach-read-only",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("outreach", "Outreach contract suites")
    group.addoption("--outreach-target", default="mock", metavar="TARGET",
                    help="mock (in-process, default), http://HOST:PORT of a running mock, "
                         "or live (api.outreach.io; OUTREACH_CLIENT_ID, OUTREACH_CLIENT_SECRET, "
                         "OUTREACH_REFRESH_TOKEN, optional OUTREACH_BASE_URL)")
    group.addoption("--outreach-read-only", action="store_true", default=False,
                    help="skip every contract that creates or changes records")


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)


def pytest_report_header(config: pytest.Config) -> str:
    read_only = " (read-only)" if config.getoption("--outreach-read-only") else ""
    return f"outreach target: {config.getoption('--outreach-target')}{read_only}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Record each contract's validated targets in the report (junit properties)."""
    for item in items:
        marker = item.get_closest_marker("validated")
        if marker is not None:
            item.user_properties.append(("validated", ",".join(marker.args)))


def target_kind(option: str) -> str:
    if option == "live":
        return "live"
    if option.startswith(("http://", "https://")):
        return "url"
    return "mock"


def build_target(option: str, read_only: bool = False) -> Target:
    """The target an `--outreach-target` value names; raises TargetUnavailable with the reason."""
    kind = target_kind(option)
    if kind == "live":
        import os

        creds = LiveCredentials.from_env()
        base = os.environ.get("OUTREACH_BASE_URL", LIVE_BASE_URL).rstrip("/")
        return Target("live", base, read_only=read_only, credentials=creds, name=option)
    if kind == "url":
        target = Target("url", option.rstrip("/"), read_only=read_only, name=option)
        try:
            target.control("GET", "/health")
        except (httpx.HTTPError, AssertionError) as exc:
            raise TargetUnavailable(f"no mock answers at {option}: {exc}") from exc
        return target
    return in_process_target(option, read_only)


def in_process_target(option: str, read_only: bool = False) -> Target:
    """A fresh demo mock in this process; `mock:<broken-name>` wraps it in a broken variant."""
    from mock_outreach.app import create_app

    _, _, variant = option.partition(":")
    if variant and variant not in BROKEN:
        raise pytest.UsageError(f"unknown target {option!r}; broken variants: {sorted(BROKEN)}")
    app = create_app({"dataset": "demo", "webhook_worker": False})
    wsgi = BROKEN[variant](app) if variant else app
    return Target("mock", "http://mock.test", transport=httpx.WSGITransport(app=wsgi), app=app,
                  read_only=read_only, name=option)


@pytest.fixture(scope="session")
def outreach_target(pytestconfig: pytest.Config) -> Target:
    """The session's target, built once from `--outreach-target`."""
    option = pytestconfig.getoption("--outreach-target")
    try:
        return build_target(option, pytestconfig.getoption("--outreach-read-only"))
    except TargetUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture
def target(request: pytest.FixtureRequest, outreach_target: Target) -> Target:
    """The target, after skipping what this test's markers rule out on it."""
    mock_only = request.node.get_closest_marker("mock_only")
    if mock_only is not None and not outreach_target.is_mock:
        reason = mock_only.args[0] if mock_only.args else "needs the mock's control API"
        pytest.skip(f"mock only: {reason}")
    if request.node.get_closest_marker("writes") and outreach_target.read_only:
        pytest.skip("writes records; --outreach-read-only is set")
    return outreach_target


@pytest.fixture
def token(target: Target) -> str:
    """The session rep's access token."""
    return target.token()["access_token"]


@pytest.fixture
def rep(target: Target, token: str) -> dict[str, Any]:
    """The rep the token belongs to: `{"id", "email", ...}`."""
    cached = target._tokens.setdefault("me", {})
    if not cached:
        cached.update(target.me(token))
    return cached


@pytest.fixture
def api(target: Target, token: str) -> Iterator[httpx.Client]:
    """An httpx client on `<base>/api/v2` with the rep's bearer token."""
    with target.http(token) as http:
        yield http


@pytest.fixture
def make_outreach(target: Target) -> Iterator[Any]:
    """Builds `outreach_client.OutreachClient`s from token bodies (default: the session rep's)."""
    oc = pytest.importorskip("outreach_client", reason="needs the outreach_client package")
    opened: list[Any] = []

    def make(token_body: dict[str, Any] | None = None) -> Any:
        client_id, secret, redirect = target.app_credentials()
        app = oc.OAuthApp(client_id, secret, redirect, base_url=target.base_url,
                          transport=target.transport)
        store = oc.MemoryTokenStore()
        store.set("rep", oc.TokenSet.from_response(token_body or target.token(), time.time()))
        client = oc.OutreachClient(oc.OutreachAuth(app, store, "rep"), base_url=target.base_url,
                                   transport=target.transport, sleep=lambda seconds: None)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


@pytest.fixture
def outreach(make_outreach: Any) -> Any:
    """An `outreach_client.OutreachClient` for the session rep."""
    return make_outreach()


@pytest.fixture
def factory(target: Target, api: httpx.Client) -> Iterator[Factory]:
    """Creates tagged records and deletes them after the test; refuses in read-only mode."""
    if target.read_only:
        pytest.skip("creates records; --outreach-read-only is set")
    made = Factory(api)
    yield made
    failures = made.cleanup()
    assert not failures, f"could not delete what the contract created: {failures}"
