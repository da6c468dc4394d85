"""The OAuth app builds Outreach's authorize URL and reads the redirect back."""

import httpx
import pytest
from outreach_client import AuthorizationDenied, OAuthApp, OAuthError, ReconnectRequired

APP = OAuthApp(
    "demo-dialer", "demo-dialer-secret", "http://localhost:8080/callback",
    scopes=["tasks.all", "calls.all"], base_url="http://mock:8765",
)


def test_authorize_url_carries_client_redirect_space_separated_scopes_and_state():
    url, state = APP.authorization_url()
    parsed = httpx.URL(url)
    assert parsed.path == "/oauth/authorize"
    assert parsed.params["client_id"] == "demo-dialer"
    assert parsed.params["redirect_uri"] == "http://localhost:8080/callback"
    assert parsed.params["response_type"] == "code"
    assert parsed.params["scope"] == "tasks.all calls.all"
    assert parsed.params["state"] == state
    assert len(state) >= 20


def test_each_authorize_url_gets_its_own_state():
    assert APP.authorization_url()[1] != APP.authorization_url()[1]


def test_callback_with_matching_state_yields_the_code():
    code = APP.parse_callback("http://localhost:8080/callback?code=abc&state=s1", "s1")
    assert code == "abc"


def test_callback_with_other_state_is_refused():
    with pytest.raises(AuthorizationDenied, match="state"):
        APP.parse_callback("http://localhost:8080/callback?code=abc&state=evil", "s1")


def test_denied_consent_is_reported():
    with pytest.raises(AuthorizationDenied, match="access_denied"):
        APP.parse_callback("http://localhost:8080/callback?error=access_denied&state=s1", "s1")


def _token_response(status, body):
    return httpx.Response(status, json=body, request=APP.refresh_request("r"))


def test_invalid_grant_means_reconnect():
    with pytest.raises(ReconnectRequired):
        APP.parse_token_response(_token_response(400, {"error": "invalid_grant"}), "ava")


def test_other_token_errors_are_oauth_errors():
    with pytest.raises(OAuthError) as caught:
        APP.parse_token_response(_token_response(401, {"error": "invalid_client"}), "ava")
    assert caught.value.error_id == "invalid_client"
