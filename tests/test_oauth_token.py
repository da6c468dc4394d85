"""The token endpoint: code exchange, refresh rotation, lifetimes on the clock, mint throttle."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_outreach.app import create_app

CALLBACK = "http://localhost:8080/callback"
CLIENT = {"client_id": "demo-dialer", "client_secret": "demo-dialer-secret"}
INVALID_GRANT = {
    "error": "invalid_grant",
    "error_description": "The provided authorization grant is invalid, expired, revoked, does "
                         "not match the redirection URI used in the authorization request, or "
                         "was issued to another client."}
DAY = 86400


@pytest.fixture
def app() -> Flask:
    """Most tests here mint many tokens in a row: the throttle is off unless it is the subject."""
    return create_app({"dataset": "demo", "webhook_worker": False, "token_mint_interval_s": 0})


@pytest.fixture
def throttled(client: FlaskClient) -> FlaskClient:
    client.put("/__mock__/settings", json={"token_mint_interval_s": 60})
    client.post("/__mock__/clock", json={"freeze": True})
    return client


def get_code(client: FlaskClient, email: str = "ava.reed@acme.example",
             scope: str = "prospects.all users.read") -> str:
    query = urlencode({"client_id": "demo-dialer", "redirect_uri": CALLBACK,
                       "response_type": "code", "scope": scope, "state": "s"})
    answer = client.post(f"/oauth/authorize?{query}", data={"email": email, "decision": "allow"})
    return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]


def exchange(client: FlaskClient, code: str, **overrides: Any) -> Any:
    return client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
        **CLIENT, **overrides})


def refresh(client: FlaskClient, token: str, **overrides: Any) -> Any:
    return client.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": token, "redirect_uri": CALLBACK,
        **CLIENT, **overrides})


def connect(client: FlaskClient) -> dict[str, Any]:
    answer = exchange(client, get_code(client))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def who(client: FlaskClient, access_token: str) -> int:
    return client.get("/api/v2", headers={"Authorization": f"Bearer {access_token}"}).status_code


def advance(client: FlaskClient, seconds: float) -> None:
    client.post("/__mock__/clock", json={"advance": seconds})


def test_code_exchange_answers_outreach_token_fields(client: FlaskClient) -> None:
    now = client.post("/__mock__/clock", json={"freeze": True}).get_json()["epoch"]
    answer = exchange(client, get_code(client))
    body = answer.get_json()
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert list(body) == ["access_token", "token_type", "expires_in", "refresh_token", "scope",
                          "created_at"]
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert body["scope"] == "prospects.all users.read"
    assert body["created_at"] == int(now)
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 7200
    assert who(client, body["access_token"]) == 200


def test_json_token_request_is_accepted(client: FlaskClient) -> None:
    answer = client.post("/oauth/token", json={
        "grant_type": "authorization_code", "code": get_code(client), "redirect_uri": CALLBACK,
        **CLIENT})
    assert answer.status_code == 200
    assert who(client, answer.get_json()["access_token"]) == 200


def test_wrong_client_secret_is_invalid_client(client: FlaskClient) -> None:
    answer = exchange(client, get_code(client), client_secret="guess")
    assert answer.status_code == 401
    assert answer.get_json()["error"] == "invalid_client"


def test_reused_code_is_invalid_grant(client: FlaskClient) -> None:
    code = get_code(client)
    assert exchange(client, code).status_code == 200
    answer = exchange(client, code)
    assert answer.status_code == 400
    assert answer.get_json() == INVALID_GRANT


def test_expired_code_is_invalid_grant(client: FlaskClient) -> None:
    code = get_code(client)
    advance(client, 601)
    answer = exchange(client, code)
    assert answer.status_code == 400
    assert answer.get_json() == INVALID_GRANT


def test_code_with_another_redirect_uri_is_invalid_grant(client: FlaskClient) -> None:
    answer = exchange(client, get_code(client), redirect_uri="http://127.0.0.1:8080/callback")
    assert answer.get_json() == INVALID_GRANT


def test_code_issued_to_another_client_is_invalid_grant(client: FlaskClient) -> None:
    other = client.post("/__mock__/apps", json={"name": "Other", "redirect_uris": [CALLBACK],
                                                "scopes": ["prospects.all"]}).get_json()
    answer = exchange(client, get_code(client), client_id=other["client_id"],
                      client_secret=other["client_secret"])
    assert answer.get_json() == INVALID_GRANT


def test_unknown_code_and_unknown_grant_type_get_oauth_errors(client: FlaskClient) -> None:
    assert exchange(client, "0" * 64).get_json() == INVALID_GRANT
    answer = exchange(client, "x", grant_type="password")
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "unsupported_grant_type"
    missing = client.post("/oauth/token", data={"grant_type": "authorization_code", **CLIENT})
    assert missing.get_json()["error"] == "invalid_request"


def test_access_token_expires_after_7200s_and_a_refresh_works(client: FlaskClient) -> None:
    tokens = connect(client)
    advance(client, 7199)
    assert who(client, tokens["access_token"]) == 200
    advance(client, 1)
    assert who(client, tokens["access_token"]) == 401
    renewed = refresh(client, tokens["refresh_token"])
    assert renewed.status_code == 200
    fresh = renewed.get_json()
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert fresh["scope"] == tokens["scope"]
    assert who(client, fresh["access_token"]) == 200


def test_refresh_token_is_refused_after_14_days(client: FlaskClient) -> None:
    tokens = connect(client)
    advance(client, 14 * DAY - 1)
    assert refresh(client, tokens["refresh_token"]).status_code == 200
    advance(client, 1)
    answer = refresh(client, tokens["refresh_token"])
    assert answer.status_code == 400
    assert answer.get_json() == INVALID_GRANT


def test_older_refresh_token_keeps_working_after_rotation(client: FlaskClient) -> None:
    tokens = connect(client)
    assert refresh(client, tokens["refresh_token"]).status_code == 200
    assert refresh(client, tokens["refresh_token"]).status_code == 200


def test_superseded_refresh_token_is_refused(client: FlaskClient) -> None:
    client.put("/__mock__/settings", json={"refresh_tokens_kept": 2})
    first = connect(client)
    second = refresh(client, first["refresh_token"]).get_json()
    assert refresh(client, first["refresh_token"]).status_code == 200  # one newer: still fine
    answer = refresh(client, first["refresh_token"])  # now 3 newer exist
    assert answer.get_json() == INVALID_GRANT
    assert refresh(client, second["refresh_token"]).status_code == 200


def test_hundred_newer_tokens_supersede_a_refresh_token_by_default(client: FlaskClient) -> None:
    first = connect(client)
    for _ in range(99):
        client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"})
    assert refresh(client, first["refresh_token"]).status_code == 200  # the 100th newer one
    assert refresh(client, first["refresh_token"]).get_json() == INVALID_GRANT


def test_revoked_refresh_token_is_refused(client: FlaskClient) -> None:
    tokens = connect(client)
    client.post("/__mock__/tokens/revoke", json={"refresh_token": tokens["refresh_token"]})
    assert refresh(client, tokens["refresh_token"]).get_json() == INVALID_GRANT
    assert who(client, tokens["access_token"]) == 401


def test_refresh_with_another_clients_credentials_is_invalid_grant(
        client: FlaskClient) -> None:
    other = client.post("/__mock__/apps", json={"name": "Other", "redirect_uris": [CALLBACK],
                                                "scopes": ["prospects.all"]}).get_json()
    tokens = connect(client)
    answer = refresh(client, tokens["refresh_token"], client_id=other["client_id"],
                     client_secret=other["client_secret"])
    assert answer.get_json() == INVALID_GRANT


def test_refresh_cannot_widen_the_granted_scopes(client: FlaskClient) -> None:
    tokens = connect(client)
    answer = refresh(client, tokens["refresh_token"], scope="prospects.all calls.all")
    assert answer.get_json()["error"] == "invalid_scope"


def test_second_mint_within_60s_is_throttled_with_retry_later(throttled: FlaskClient) -> None:
    tokens = connect(throttled)
    advance(throttled, 59)
    answer = refresh(throttled, tokens["refresh_token"])
    assert answer.status_code == 429
    assert answer.mimetype == "text/plain"
    assert answer.get_data(as_text=True) == "Retry later\n"
    assert answer.headers["Retry-After"] == "1"
    advance(throttled, 1)
    assert refresh(throttled, tokens["refresh_token"]).status_code == 200


def test_throttled_code_exchange_keeps_the_code_usable(throttled: FlaskClient) -> None:
    connect(throttled)
    code = get_code(throttled)
    assert exchange(throttled, code).status_code == 429
    advance(throttled, 60)
    assert exchange(throttled, code).status_code == 200


def test_throttle_is_per_user_and_app(throttled: FlaskClient) -> None:
    connect(throttled)
    assert exchange(throttled, get_code(throttled, "ben.cole@acme.example")).status_code == 200


def test_control_route_mints_are_never_throttled(throttled: FlaskClient) -> None:
    for _ in range(3):
        answer = throttled.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"})
        assert answer.status_code == 201
    assert exchange(throttled, get_code(throttled)).status_code == 200
