"""The journal: bounded, filterable, and never holding a token, code, secret or password."""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from mock_outreach.app import create_app
from mock_outreach.journal import redact

CALLBACK = "http://localhost:8080/callback"
SECRET = "demo-dialer-secret"
PASSWORD = "hunter2-correct-horse"


@pytest.fixture
def app() -> Flask:
    return create_app({"dataset": "demo", "webhook_worker": False, "token_mint_interval_s": 0})


def in_process(app: Flask) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://mock.test")


def full_flow(http: httpx.Client) -> list[str]:
    """Consent, code exchange (form), refresh (JSON), API calls; returns every secret seen."""
    query = urlencode({"client_id": "demo-dialer", "redirect_uri": CALLBACK,
                       "response_type": "code", "scope": "prospects.all webhooks.all",
                       "state": "s"})
    http.get(f"/oauth/authorize?{query}")
    back = http.post(f"/oauth/authorize?{query}", data={
        "email": "ava.reed@acme.example", "password": PASSWORD, "decision": "allow"})
    code = parse_qs(urlsplit(back.headers["Location"]).query)["code"][0]
    first = http.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
        "client_id": "demo-dialer", "client_secret": SECRET}).json()
    second = http.post("/oauth/token", json={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"],
        "client_id": "demo-dialer", "client_secret": SECRET}).json()
    headers = {"Authorization": f"Bearer {second['access_token']}",
               "Content-Type": "application/vnd.api+json"}
    http.get("/api/v2/prospects?page[size]=1", headers=headers)
    http.post("/api/v2/webhooks", headers=headers, content=json.dumps({"data": {
        "type": "webhook", "attributes": {"url": "https://hooks.example/x",
                                          "secret": "webhook-shared-secret"}}}))
    http.get("/api/v2/users", headers={"Authorization": f"Bearer {first['access_token']}"})
    return [code, SECRET, PASSWORD, "webhook-shared-secret", first["access_token"],
            first["refresh_token"], second["access_token"], second["refresh_token"]]


def leaks(text: str, secrets: list[str]) -> list[str]:
    # Also look for a telling slice of each, in case a secret is cut short somewhere.
    return [s for s in secrets if s in text or s[-16:] in text]


def test_journal_and_logs_hold_no_secret_after_a_full_flow(
        serve: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = create_app({"dataset": "demo", "webhook_worker": False, "token_mint_interval_s": 0})
    with httpx.Client(base_url=serve(app)) as http:
        secrets = full_flow(http)
        journal = http.get("/__mock__/journal", params={"limit": 1000}).text
    entries = json.loads(journal)["entries"]
    assert {e["path"] for e in entries} >= {"/oauth/authorize", "/oauth/token",
                                            "/api/v2/prospects", "/api/v2/webhooks"}
    assert "[redacted]" in journal
    assert leaks(journal, secrets) == []
    # The server side's logs (werkzeug, authlib, the mock), not the test's own HTTP client.
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert any(r.name.startswith("authlib") for r in server)  # authlib logs at DEBUG...
    assert leaks("\n".join(r.getMessage() for r in server), secrets) == []  # ...no secret


def test_journal_keeps_what_happened(app: Flask, client: FlaskClient) -> None:
    full_flow(in_process(app))
    entries = client.get("/__mock__/journal").get_json()["entries"]
    webhook = next(e for e in entries if e["path"] == "/api/v2/webhooks")
    assert webhook["method"] == "POST"
    assert webhook["status"] == 201
    assert webhook["user_id"] == 1
    assert "hooks.example" in webhook["request"]["body"]
    assert webhook["request"]["headers"]["Authorization"] == "Bearer [redacted]"
    assert webhook["response"]["headers"]["X-RateLimit-Limit"] == "10000"
    token = next(e for e in entries if e["path"] == "/oauth/token")
    assert token["user_id"] == 1
    assert '"token_type": "bearer"' in token["response"]["body"]
    listing = next(e for e in entries if e["path"] == "/api/v2/prospects")
    assert listing["query"] == "page[size]=1"
    assert entries == sorted(entries, key=lambda e: -e["id"])


def test_journal_filters_by_path_method_status_and_user(app: Flask,
                                                      client: FlaskClient) -> None:
    full_flow(in_process(app))
    client.get("/api/v2/users/999999", headers={
        "Authorization": "Bearer " + client.post(
            "/__mock__/tokens", json={"email": "ben.cole@acme.example"}).get_json()[
            "access_token"]})

    def paths(**query: Any) -> list[str]:
        return [e["path"] for e in client.get("/__mock__/journal",
                                              query_string=query).get_json()["entries"]]

    assert set(paths(path="/oauth")) == {"/oauth/authorize", "/oauth/token"}
    assert set(paths(path="/api/v2/*s")) == {"/api/v2/prospects", "/api/v2/webhooks",
                                             "/api/v2/users"}
    assert paths(method="post", path="/api/v2") == ["/api/v2/webhooks"]
    assert paths(status=404) == ["/api/v2/users/999999"]
    assert paths(user_id=2) == ["/api/v2/users/999999"]
    assert len(paths(limit=2)) == 2


def test_journal_is_bounded_and_skips_the_control_api(client: FlaskClient) -> None:
    client.put("/__mock__/settings", json={"journal_size": 5})
    for _ in range(8):
        client.get("/api/v2/users")
    client.get("/__mock__/health")
    entries = client.get("/__mock__/journal").get_json()["entries"]
    assert len(entries) == 5
    assert {e["path"] for e in entries} == {"/api/v2/users"}
    assert {e["status"] for e in entries} == {401}


def test_bad_journal_filters_get_400(client: FlaskClient) -> None:
    answer = client.get("/__mock__/journal?status=abc")
    assert answer.status_code == 400
    assert answer.get_json()["errors"][0]["source"] == {"parameter": "status"}


@pytest.mark.parametrize(("text", "kept"), [
    ('{"access_token": "abc", "expires_in": 7200}', '"expires_in": 7200'),
    ('{"refreshToken":"abc","scope":"x"}', '"scope":"x"'),
    ("grant_type=authorization_code&code=abc&state=s", "grant_type=authorization_code"),
    ("http://localhost/cb?code=abc&state=s", "state=s"),
    ('{"password": "a\\"bc"}', '"password"'),
    ("Bearer abc", "Bearer"),
    ('{"client_secret": "abc', '"client_secret"'),
])
def test_redaction_hides_values_and_keeps_the_rest(text: str, kept: str) -> None:
    redacted = redact(text)
    assert "abc" not in redacted
    assert kept in redacted


def test_redaction_hides_bare_jwts() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    assert re.search("eyJ", redact(f"token {jwt} here")) is None


def test_journal_size_zero_turns_the_journal_off(client: FlaskClient) -> None:
    client.put("/__mock__/settings", json={"journal_size": 0})
    client.get("/api/v2/users")
    assert client.get("/__mock__/journal").get_json() == {"entries": []}


@pytest.mark.parametrize("text", ["Bearer ", 'x": "Bearer "', "code=", '"token": "', "eyJ",
                                  "token", "BEARER\t"])
def test_redaction_survives_empty_and_cut_values(text: str) -> None:
    redacted = redact(text)  # the fuzzer once found `"Bearer "` followed by a quote crashing it
    assert redacted == text or "[redacted" in redacted


SECRET_VALUE = "S3cr3tV4lue"


@given(st.text(max_size=60), st.sampled_from(['"access_token": "{}"', "code={}", "Bearer {}",
                                               '"clientSecret":"{}"', "password={}&x=1"]),
       st.text(max_size=60))
def test_redaction_never_fails_and_always_hides_a_planted_secret(
        before: str, template: str, after: str) -> None:
    text = before + " " + template.format(SECRET_VALUE) + " " + after
    assert SECRET_VALUE not in redact(text)
