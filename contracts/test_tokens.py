"""Token expiry and refresh: refused tokens are 401, refresh rotates, the client recovers once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from outreach_contracts.oauth_flow import free_mint_slot, token_request
from outreach_contracts.support import parse_iso, target_now
from outreach_contracts.targets import Target

pytestmark = pytest.mark.validated("mock", "url")
CARA = "cara.diaz@acme.example"


def assert_refused(response: httpx.Response) -> None:
    """A refused token: 401, a JSON body, and never data."""
    assert response.status_code == 401, response.text[:300]
    assert "data" not in response.json()


@pytest.fixture
def pair(target: Target) -> dict[str, Any]:
    """A token pair of its own (so that expiring it leaves the session's token alone)."""
    if not target.is_mock:
        pytest.skip("mock only: mints and expires tokens through the control API")
    return target.mint(CARA)


def expire(target: Target, access_token: str) -> None:
    target.control("POST", "/tokens/expire", json={"access_token": access_token})


def refresh(target: Target, refresh_token: str) -> httpx.Response:
    free_mint_slot(target)
    return token_request(target, grant_type="refresh_token", refresh_token=refresh_token)


def test_missing_bearer_token_is_401(target: Target) -> None:
    with target.http() as http:
        assert_refused(http.get("/prospects"))


def test_garbled_token_is_401(target: Target) -> None:
    with target.http("not.a.jwt") as http:
        assert_refused(http.get("/prospects"))


def test_non_bearer_authorization_is_401(target: Target) -> None:
    with target.http() as http:
        assert_refused(http.get("/prospects", headers={"Authorization": "Basic dXNlcjpwdw=="}))


def test_garbled_token_is_401_on_writes_too(target: Target) -> None:
    with target.http("not.a.jwt") as http:
        assert_refused(http.post("/calls", content=b"{}",
                                 headers={"Content-Type": "application/vnd.api+json"}))


@pytest.mark.mock_only("expires a token through the control API")
def test_expired_access_token_is_401(target: Target, pair: dict[str, Any]) -> None:
    expire(target, pair["access_token"])
    with target.http(pair["access_token"]) as http:
        assert_refused(http.get("/prospects"))


@pytest.mark.mock_only("moves the mock's clock")
def test_access_token_expires_after_two_hours(target: Target, pair: dict[str, Any]) -> None:
    with target.http(pair["access_token"]) as http:
        assert http.get("/users", params={"page[size]": "1"}).status_code == 200
        target.control("POST", "/clock", json={"advance": 7201})
        try:
            assert_refused(http.get("/users", params={"page[size]": "1"}))
        finally:
            target.control("POST", "/clock", json={"advance": -7201})


@pytest.mark.mock_only("revokes a token through the control API")
def test_revoked_access_token_is_401(target: Target, pair: dict[str, Any]) -> None:
    target.control("POST", "/tokens/revoke", json={"access_token": pair["access_token"]})
    with target.http(pair["access_token"]) as http:
        assert_refused(http.get("/prospects"))


@pytest.mark.mock_only("refreshes a minted pair")
def test_refresh_returns_a_new_pair_that_works(target: Target, pair: dict[str, Any]) -> None:
    response = refresh(target, pair["refresh_token"])
    assert response.status_code == 200, response.text[:300]
    body = response.json()
    assert body["refresh_token"] != pair["refresh_token"]
    assert body["access_token"] != pair["access_token"]
    assert body["expires_in"] == 7200
    with target.http(body["access_token"]) as http:
        assert http.get("/users", params={"page[size]": "1"}).status_code == 200


@pytest.mark.mock_only("refreshes an expired access token's pair")
def test_refresh_works_after_the_access_token_expired(target: Target,
                                                      pair: dict[str, Any]) -> None:
    expire(target, pair["access_token"])
    assert refresh(target, pair["refresh_token"]).status_code == 200


@pytest.mark.mock_only("revokes a refresh token through the control API")
def test_revoked_refresh_token_is_invalid_grant(target: Target, pair: dict[str, Any]) -> None:
    target.control("POST", "/tokens/revoke", json={"refresh_token": pair["refresh_token"]})
    response = refresh(target, pair["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.mock_only("moves the mock's clock past 14 days")
def test_refresh_token_dies_after_fourteen_days(target: Target, pair: dict[str, Any]) -> None:
    target.control("POST", "/clock", json={"advance": 14 * 86400 + 60})
    try:
        response = refresh(target, pair["refresh_token"])
    finally:
        target.control("POST", "/clock", json={"advance": -(14 * 86400 + 121)})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.mock_only("fidelity: an older refresh token keeps working until superseded")
def test_older_refresh_token_still_works_after_one_refresh(target: Target,
                                                           pair: dict[str, Any]) -> None:
    assert refresh(target, pair["refresh_token"]).status_code == 200
    assert refresh(target, pair["refresh_token"]).status_code == 200


@pytest.mark.mock_only("fidelity decision 3: the v2 root body is undocumented")
def test_api_root_names_the_rep_the_scopes_and_the_expiry(target: Target, token: str) -> None:
    with target.http(token) as http:
        meta = http.get(target.api_url).json()["meta"]
    assert meta["user"]["email"] and isinstance(meta["user"]["id"], int)
    assert "prospects.all" in meta["scopes"]
    assert parse_iso(meta["expiresAt"]) > target_now(target)


@pytest.mark.mock_only("expires the client's token through the control API")
def test_client_refreshes_once_after_a_401_and_retries(
        target: Target, pair: dict[str, Any], make_outreach: Callable[..., Any]) -> None:
    client = make_outreach(pair)
    expire(target, pair["access_token"])
    free_mint_slot(target)
    users = list(client.users.list(page_size=5))
    assert users
    assert client.auth.refresh_count == 1


@pytest.mark.mock_only("revokes the client's tokens through the control API")
def test_client_raises_reconnect_required_when_the_refresh_is_refused(
        target: Target, pair: dict[str, Any], make_outreach: Callable[..., Any]) -> None:
    from outreach_client import ReconnectRequired

    client = make_outreach(pair)
    target.control("POST", "/tokens/revoke", json={"refresh_token": pair["refresh_token"]})
    expire(target, pair["access_token"])
    with pytest.raises(ReconnectRequired):
        client.users.get(1)
