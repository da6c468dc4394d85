"""The authorization endpoint: consent page, browser flow over HTTP, and every refusal."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from outreach_contracts.oauth_flow import read_form

from mock_outreach.app import create_app

DEMO = {"client_id": "demo-dialer", "redirect_uri": "http://localhost:8080/callback",
        "response_type": "code", "scope": "prospects.read calls.all", "state": "st-42"}
SECRET = "demo-dialer-secret"


def authorize_url(**overrides: Any) -> str:
    params = {k: v for k, v in {**DEMO, **overrides}.items() if v is not None}
    return "/oauth/authorize?" + urlencode(params)


def decide(client: FlaskClient, decision: str = "allow", email: str = "ava.reed@acme.example",
           **overrides: Any) -> Any:
    return client.post(authorize_url(**overrides), data={"email": email, "decision": decision})


def location_query(response: Any) -> dict[str, str]:
    assert response.status_code == 302, response.get_data(as_text=True)
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}


def receiver() -> tuple[Flask, list[dict[str, str]]]:
    """The integration's side of the redirect: it records what came back."""
    app, seen = Flask("receiver"), []

    @app.get("/callback")
    def callback() -> str:
        seen.append(dict(request.args))
        return "connected"

    return app, seen


def test_browser_code_flow_over_http_connects_and_calls_the_api(serve: Any) -> None:
    mock = serve(create_app({"dataset": "demo", "webhook_worker": False}))
    callback_app, seen = receiver()
    callback = serve(callback_app) + "/callback"
    with httpx.Client(base_url=mock) as http:
        registered = http.post("/__mock__/apps", json={
            "name": "Flow Dialer", "redirect_uris": [callback],
            "scopes": ["prospects.all", "users.read"]}).json()
        query = urlencode({"client_id": registered["client_id"], "redirect_uri": callback,
                           "response_type": "code", "scope": "prospects.read users.read",
                           "state": "s1"})
        page = http.get(f"/oauth/authorize?{query}")
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        form = read_form(page.text)
        assert form.method == "post"
        assert "ava.reed@acme.example" in form.options
        fields = {**form.fields, "email": form.options[0], "decision": form.button_ids["allow"]}
        landed = http.post(urljoin(str(page.url), form.action), data=fields,
                           follow_redirects=True)
        assert landed.text == "connected"
        assert seen[0]["state"] == "s1"
        assert re.fullmatch(r"[0-9a-f]{64}", seen[0]["code"])
        tokens = http.post("/oauth/token", data={
            "grant_type": "authorization_code", "code": seen[0]["code"],
            "redirect_uri": callback, "client_id": registered["client_id"],
            "client_secret": registered["client_secret"]}).json()
        me = http.get("/api/v2", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    meta = me.json()["meta"]
    assert meta["user"]["email"] == "ava.reed@acme.example"
    assert meta["application"]["clientId"] == registered["client_id"]
    assert meta["scopes"] == ["prospects.read", "users.read"]


def test_consent_page_shows_app_name_scopes_and_both_buttons(client: FlaskClient) -> None:
    page = client.get(authorize_url())
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Demo Dialer" in html
    assert "<code>prospects.read</code>" in html and "<code>calls.all</code>" in html
    form = read_form(html)
    assert form.button_ids == {"allow": "allow", "deny": "deny"}
    assert form.action.startswith("/oauth/authorize?")


def test_allow_redirects_with_a_64_hex_code_and_the_state(client: FlaskClient) -> None:
    back = decide(client)
    query = location_query(back)
    assert back.headers["Location"].startswith("http://localhost:8080/callback?")
    assert re.fullmatch(r"[0-9a-f]{64}", query["code"])
    assert query["state"] == "st-42"


def test_denied_consent_redirects_with_access_denied(client: FlaskClient) -> None:
    query = location_query(decide(client, decision="deny"))
    assert query["error"] == "access_denied"
    assert query["state"] == "st-42"
    assert "code" not in query


@pytest.mark.parametrize("scope", ["prospects.read nonsense.read", "prospects.admin",
                                   "stages.read"])
def test_unknown_scope_redirects_with_invalid_scope(client: FlaskClient, scope: str) -> None:
    query = location_query(client.get(authorize_url(scope=scope)))
    assert query["error"] == "invalid_scope"
    assert query["state"] == "st-42"


def test_scope_the_app_was_not_granted_redirects_with_invalid_scope(
        client: FlaskClient) -> None:
    client.post("/__mock__/apps", json={"name": "Reader", "client_id": "reader",
                                        "redirect_uris": ["http://127.0.0.1:9/cb"],
                                        "scopes": ["prospects.read"]})
    query = location_query(client.get(authorize_url(
        client_id="reader", redirect_uri="http://127.0.0.1:9/cb", scope="prospects.write")))
    assert query["error"] == "invalid_scope"


def test_unregistered_redirect_uri_renders_an_error_page_and_never_redirects(
        client: FlaskClient) -> None:
    page = client.get(authorize_url(redirect_uri="http://evil.example/cb"))
    assert page.status_code == 400
    assert page.mimetype == "text/html"
    assert "Location" not in page.headers
    assert "redirect uri" in page.get_data(as_text=True)


@pytest.mark.parametrize("overrides", [{"client_id": "nobody"}, {"client_id": None},
                                       {"redirect_uri": None}])
def test_unknown_client_or_missing_parameter_renders_an_error_page(
        client: FlaskClient, overrides: dict[str, Any]) -> None:
    page = client.get(authorize_url(**overrides))
    assert page.status_code == 400
    assert page.mimetype == "text/html"
    assert "Location" not in page.headers


@pytest.mark.parametrize("response_type", ["token", "", "code token"])
def test_bad_response_type_renders_an_error_page_and_never_redirects(
        client: FlaskClient, response_type: str) -> None:
    page = client.get(authorize_url(response_type=response_type))
    assert page.status_code == 400
    assert "Location" not in page.headers
    assert "unsupported_response_type" in page.get_data(as_text=True)


def test_posting_consent_for_a_bad_redirect_uri_never_redirects(client: FlaskClient) -> None:
    answer = decide(client, redirect_uri="http://evil.example/cb")
    assert answer.status_code == 400
    assert "Location" not in answer.headers


def test_unknown_email_shows_the_consent_page_again_with_the_problem(
        client: FlaskClient) -> None:
    page = decide(client, email="nobody@acme.example")
    assert page.status_code == 400
    assert "No user has the email" in page.get_data(as_text=True)


def test_repeated_oauth_parameter_renders_an_error_page(client: FlaskClient) -> None:
    page = client.get(authorize_url() + "&state=again")
    assert page.status_code == 400
    assert "Multiple &#39;state&#39;" in page.get_data(as_text=True)


def test_code_from_consent_exchanges_for_the_user_who_signed_in(client: FlaskClient) -> None:
    code = location_query(decide(client, email="Ben.Cole@acme.example"))["code"]
    tokens = client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": DEMO["redirect_uri"],
        "client_id": DEMO["client_id"], "client_secret": SECRET}).get_json()
    me = client.get("/api/v2", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.get_json()["meta"]["user"]["email"] == "ben.cole@acme.example"
    assert tokens["scope"] == "prospects.read calls.all"
