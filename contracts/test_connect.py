"""Connect: the authorization-code flow through the sign-in page (mock), the refresh grant (all)."""

from __future__ import annotations

from typing import Any

import pytest
from outreach_contracts.oauth_flow import (
    authorize_url,
    callback_params,
    free_mint_slot,
    sign_in,
    token_request,
)
from outreach_contracts.targets import DEMO_REP, Target

pytestmark = pytest.mark.validated("mock", "url")
SCOPES = ["prospects.all", "tasks.all", "calls.all"]
TOKEN_FIELDS = {"access_token", "token_type", "expires_in", "refresh_token", "scope",
                "created_at"}


def consent_url(target: Target, state: str = "st-123", scopes: list[str] = SCOPES,
                redirect: str | None = None) -> str:
    client_id, _, registered = target.app_credentials()
    return authorize_url(client_id, redirect or registered, scopes, state)


def connect(target: Target, email: str = DEMO_REP) -> dict[str, str]:
    """Sign in and allow; the callback's query."""
    return callback_params(sign_in(target, consent_url(target), email))


def exchange(target: Target, code: str) -> Any:
    free_mint_slot(target)
    return token_request(target, grant_type="authorization_code", code=code)


@pytest.mark.mock_only("drives the mock's sign-in form")
def test_allowing_redirects_back_with_a_code_and_the_same_state(target: Target) -> None:
    params = connect(target)
    assert params["state"] == "st-123"
    assert len(params["code"]) >= 32


@pytest.mark.mock_only("drives the mock's sign-in form")
def test_code_exchange_yields_a_token_that_works_on_the_api(target: Target) -> None:
    response = exchange(target, connect(target)["code"])
    assert response.status_code == 200, response.text[:300]
    body = response.json()
    assert set(body) >= TOKEN_FIELDS
    assert body["token_type"].lower() == "bearer"
    assert body["expires_in"] == 7200
    assert set(body["scope"].split()) == set(SCOPES)
    with target.http(body["access_token"]) as http:
        assert http.get("/prospects", params={"page[size]": "1"}).status_code == 200


@pytest.mark.mock_only("drives the mock's sign-in form")
def test_token_from_the_code_flow_belongs_to_the_rep_who_signed_in(target: Target) -> None:
    body = exchange(target, connect(target, "ben.cole@acme.example")["code"]).json()
    assert target.me(body["access_token"])["email"] == "ben.cole@acme.example"


@pytest.mark.mock_only("drives the mock's sign-in form")
def test_code_is_single_use(target: Target) -> None:
    code = connect(target)["code"]
    assert exchange(target, code).status_code == 200
    again = exchange(target, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


@pytest.mark.mock_only("drives the mock's sign-in form")
def test_denying_redirects_back_with_access_denied_and_the_state(target: Target) -> None:
    params = callback_params(sign_in(target, consent_url(target), DEMO_REP, "deny"))
    assert params["error"] == "access_denied"
    assert params["state"] == "st-123"
    assert "code" not in params


@pytest.mark.mock_only("drives the mock's sign-in form")
def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(target: Target) -> None:
    url = consent_url(target, redirect="https://evil.example/callback")
    with target.http(api=False) as http:
        response = http.get(url)
    assert response.status_code == 400
    assert "location" not in response.headers


@pytest.mark.mock_only("drives the mock's sign-in form")
def test_scope_beyond_the_apps_is_refused(target: Target) -> None:
    with target.http(api=False) as http:
        response = http.get(consent_url(target, scopes=["prospects.all", "opportunities.all"]))
    if response.status_code in (302, 303):
        assert callback_params(response)["error"] == "invalid_scope"
    else:
        assert response.status_code == 400


@pytest.mark.mock_only("drives the mock's sign-in form")
def test_code_exchange_with_a_wrong_secret_is_refused(target: Target) -> None:
    code = connect(target)["code"]
    free_mint_slot(target)
    response = token_request(target, grant_type="authorization_code", code=code,
                             client_secret="not-the-secret")
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


def test_refresh_grant_yields_a_working_token(target: Target) -> None:
    """On live this is the connect step: the configured refresh token is exchanged once."""
    body = target.token() if not target.is_mock else refresh_fresh_pair(target)
    assert TOKEN_FIELDS - {"created_at", "scope"} <= set(body)
    with target.http(body["access_token"]) as http:
        assert http.get("/users", params={"page[size]": "1"}).status_code == 200


def refresh_fresh_pair(target: Target) -> dict[str, Any]:
    pair = target.mint("cara.diaz@acme.example")
    free_mint_slot(target)
    response = token_request(target, grant_type="refresh_token",
                             refresh_token=pair["refresh_token"])
    assert response.status_code == 200, response.text[:300]
    return response.json()


def test_unknown_refresh_token_is_invalid_grant(target: Target) -> None:
    response = token_request(target, grant_type="refresh_token",
                             refresh_token="not-a-real-refresh-token")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert response.json()["error_description"]
