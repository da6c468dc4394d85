"""QA controls: settings, token expiry and revocation, reset, and who may call /__mock__/."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_outreach.app import create_app

AVA, BEN = "ava.reed@acme.example", "ben.cole@acme.example"
REMOTE = {"REMOTE_ADDR": "10.0.0.5"}


def mint(client: FlaskClient, email: str = AVA) -> dict[str, Any]:
    return client.post("/__mock__/tokens", json={"email": email}).get_json()


def status(client: FlaskClient, token: str) -> int:
    return client.get("/api/v2/users", headers={"Authorization": f"Bearer {token}"}).status_code


def test_settings_list_every_tunable(client: FlaskClient) -> None:
    settings = client.get("/__mock__/settings").get_json()
    assert settings["access_token_ttl_s"] == 7200
    assert settings["refresh_token_ttl_s"] == 14 * 86400
    assert settings["refresh_tokens_kept"] == 100
    assert settings["token_mint_interval_s"] == 60
    assert settings["rate_limit"] == 10_000
    assert settings["strict_params"] is False


def test_put_settings_changes_token_lifetimes(client: FlaskClient) -> None:
    changed = client.put("/__mock__/settings", json={"access_token_ttl_s": 60})
    assert changed.get_json()["access_token_ttl_s"] == 60
    token = mint(client)
    assert token["expires_in"] == 60
    client.post("/__mock__/clock", json={"advance": 60})
    assert status(client, token["access_token"]) == 401


def test_strict_params_setting_reaches_the_query_parser(client: FlaskClient) -> None:
    token = mint(client)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v2/users?bogus=1", headers=headers).status_code == 200
    client.put("/__mock__/settings", json={"strict_params": True})
    assert client.get("/api/v2/users?bogus=1", headers=headers).status_code == 400


def test_settings_are_shared_by_workers_on_one_database(tmp_path: Any) -> None:
    db = str(tmp_path / "mock.sqlite")
    first = create_app({"db": db, "webhook_worker": False}).test_client()
    second = create_app({"db": db, "webhook_worker": False}).test_client()
    first.put("/__mock__/settings", json={"strict_params": True, "rate_limit": 7})
    assert second.get("/__mock__/settings").get_json()["rate_limit"] == 7
    token = mint(second)["access_token"]
    answer = second.get("/api/v2/users?bogus=1", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 400
    assert answer.headers["X-RateLimit-Limit"] == "7"


@pytest.mark.parametrize("body", [{"nope": 1}, {"rate_limit": "lots"}, {"strict_params": 1},
                                  {"access_token_ttl_s": -1}])
def test_bad_settings_get_422_and_change_nothing(client: FlaskClient, body: Any) -> None:
    before = client.get("/__mock__/settings").get_json()
    answer = client.put("/__mock__/settings", json={"journal_size": 3, **body})
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["id"] == "validationError"
    assert client.get("/__mock__/settings").get_json() == before


def test_settings_body_must_be_a_json_object(client: FlaskClient) -> None:
    answer = client.put("/__mock__/settings", data="[1]", content_type="application/json")
    assert answer.status_code == 400


def test_expire_by_access_token_expires_only_that_token(client: FlaskClient) -> None:
    first, second = mint(client), mint(client)
    answer = client.post("/__mock__/tokens/expire", json={"access_token": first["access_token"]})
    assert answer.get_json() == {"expired": 1}
    assert status(client, first["access_token"]) == 401
    assert status(client, second["access_token"]) == 200


def test_expire_by_user_expires_all_their_tokens_and_refresh_still_works(
        client: FlaskClient) -> None:
    client.put("/__mock__/settings", json={"token_mint_interval_s": 0})
    ava, ava2, ben = mint(client), mint(client), mint(client, BEN)
    assert client.post("/__mock__/tokens/expire", json={"user_id": 1}).get_json() == {
        "expired": 2}
    assert [status(client, t["access_token"]) for t in (ava, ava2, ben)] == [401, 401, 200]
    renewed = client.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": ava["refresh_token"],
        "client_id": "demo-dialer", "client_secret": "demo-dialer-secret"})
    assert status(client, renewed.get_json()["access_token"]) == 200


def test_revoke_by_access_token_also_kills_its_refresh_token(client: FlaskClient) -> None:
    token = mint(client)
    answer = client.post("/__mock__/tokens/revoke", json={"access_token": token["access_token"]})
    assert answer.get_json() == {"revoked": 2}
    assert status(client, token["access_token"]) == 401
    states = {t["kind"]: t["state"] for t in client.get("/__mock__/tokens").get_json()["tokens"]}
    assert states == {"access": "revoked", "refresh": "revoked"}


def test_revoke_by_user_stops_every_token_of_that_user(client: FlaskClient) -> None:
    ava, ben = mint(client), mint(client, BEN)
    client.post("/__mock__/tokens/revoke", json={"user_id": 1})
    assert status(client, ava["access_token"]) == 401
    assert status(client, ben["access_token"]) == 200


@pytest.mark.parametrize(("route", "body"), [
    ("expire", {}), ("expire", {"refresh_token": "x"}), ("expire", {"user_id": "1"}),
    ("revoke", {"access_token": "a", "user_id": 1}), ("revoke", {"access_token": ""})])
def test_expire_and_revoke_need_exactly_one_selector(client: FlaskClient, route: str,
                                                     body: Any) -> None:
    answer = client.post(f"/__mock__/tokens/{route}", json=body)
    assert answer.status_code == 422


def test_reset_clears_faults_journal_and_budgets(client: FlaskClient) -> None:
    token = mint(client)["access_token"]
    client.post("/__mock__/faults", json={"action": "latency_ms", "latency_ms": 0})
    status(client, token)
    assert client.get("/__mock__/rate-limit").get_json()["users"]
    client.put("/__mock__/settings", json={"rate_limit": 9})
    client.post("/__mock__/reset")
    assert client.get("/__mock__/faults").get_json() == {"faults": []}
    assert client.get("/__mock__/journal").get_json() == {"entries": []}
    assert client.get("/__mock__/rate-limit").get_json()["users"] == []
    assert client.get("/__mock__/settings").get_json()["rate_limit"] == 9
    assert status(client, token) == 401  # tokens went with the reset


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/__mock__/health"), ("GET", "/__mock__/settings"), ("PUT", "/__mock__/settings"),
    ("GET", "/__mock__/faults"), ("POST", "/__mock__/faults"), ("DELETE", "/__mock__/faults"),
    ("GET", "/__mock__/journal"), ("GET", "/__mock__/rate-limit"),
    ("POST", "/__mock__/tokens"), ("POST", "/__mock__/tokens/revoke"),
    ("POST", "/__mock__/reset")])
def test_control_routes_refuse_non_loopback_clients(client: FlaskClient, method: str,
                                                    path: str) -> None:
    answer = client.open(path, method=method, json={}, environ_base=REMOTE)
    assert answer.status_code == 403
    assert answer.get_json()["errors"][0]["id"] == "controlLoopbackOnly"


@pytest.fixture
def guarded() -> Flask:
    return create_app({"dataset": "demo", "webhook_worker": False, "control_token": "qa-key"})


@pytest.mark.parametrize("path", ["/__mock__/health", "/__mock__/settings", "/__mock__/faults",
                                  "/__mock__/journal"])
def test_control_token_is_required_from_anywhere_once_set(guarded: Flask, path: str) -> None:
    client = guarded.test_client()
    assert client.get(path).status_code == 403
    assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 403
    remote = client.get(path, headers={"Authorization": "Bearer qa-key"}, environ_base=REMOTE)
    assert remote.status_code == 200


def test_api_and_oauth_routes_do_not_need_loopback(client: FlaskClient) -> None:
    token = mint(client)["access_token"]
    answer = client.get("/api/v2/users", headers={"Authorization": f"Bearer {token}"},
                        environ_base=REMOTE)
    assert answer.status_code == 200
