"""Per-user budgets: headers on every API answer, 429 when spent, a fresh window on the clock."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_outreach.app import create_app

WINDOW_START = 1_893_456_000  # 2030-01-01T00:00:00Z, a multiple of 3600


@pytest.fixture
def app() -> Flask:
    return create_app({"dataset": "demo", "webhook_worker": False, "rate_limit": 3})


@pytest.fixture
def frozen(client: FlaskClient) -> FlaskClient:
    client.post("/__mock__/clock", json={"freeze": True})
    answer = client.post("/__mock__/clock", json={"set": "2030-01-01T00:01:40Z"})
    assert answer.get_json()["epoch"] == WINDOW_START + 100
    return client


def token(client: FlaskClient, email: str = "ava.reed@acme.example", **extra: Any) -> dict:
    access = client.post("/__mock__/tokens", json={"email": email, **extra})
    return {"Authorization": f"Bearer {access.get_json()['access_token']}"}


def test_every_api_answer_carries_the_budget_headers(frozen: FlaskClient) -> None:
    headers = token(frozen)
    first = frozen.get("/api/v2/prospects", headers=headers)
    second = frozen.get("/api/v2/prospects/999999", headers=headers)
    assert first.headers["X-RateLimit-Limit"] == "3"
    assert first.headers["X-RateLimit-Remaining"] == "2"
    assert first.headers["X-RateLimit-Reset"] == str(WINDOW_START + 3600)
    assert second.status_code == 404
    assert second.headers["X-RateLimit-Remaining"] == "1"


def test_errors_after_authentication_count_and_carry_headers(frozen: FlaskClient) -> None:
    answer = frozen.get("/api/v2/prospects", headers=token(frozen, scopes=["calls.read"]))
    assert answer.status_code == 403
    assert answer.headers["X-RateLimit-Remaining"] == "2"


def test_spent_budget_answers_429_with_outreach_error_and_headers(frozen: FlaskClient) -> None:
    headers = token(frozen)
    for _ in range(3):
        assert frozen.get("/api/v2/users", headers=headers).status_code == 200
    answer = frozen.get("/api/v2/users", headers=headers)
    assert answer.status_code == 429
    assert answer.get_json() == {"errors": [{
        "id": "rateLimitExceeded", "title": "Rate Limit Exceeded",
        "detail": "You have exceeded your permitted rate limit of 3; please try again at "
                  "2030-01-01T01:00:00."}]}
    assert answer.headers["X-RateLimit-Remaining"] == "0"
    assert answer.headers["X-RateLimit-Reset"] == str(WINDOW_START + 3600)
    assert answer.headers["Retry-After"] == "3500"


def test_window_resets_when_the_clock_reaches_it(frozen: FlaskClient) -> None:
    headers = token(frozen)
    for _ in range(4):
        frozen.get("/api/v2/users", headers=headers)
    frozen.post("/__mock__/clock", json={"advance": 3499})
    assert frozen.get("/api/v2/users", headers=headers).status_code == 429
    frozen.post("/__mock__/clock", json={"advance": 1})
    fresh = frozen.get("/api/v2/users", headers=headers)
    assert fresh.status_code == 200
    assert fresh.headers["X-RateLimit-Remaining"] == "2"
    assert fresh.headers["X-RateLimit-Reset"] == str(WINDOW_START + 7200)


def test_budgets_are_per_user_across_tokens(frozen: FlaskClient) -> None:
    for _ in range(4):
        frozen.get("/api/v2/users", headers=token(frozen))  # a new token each time
    assert frozen.get("/api/v2/users", headers=token(frozen)).status_code == 429
    ben = frozen.get("/api/v2/users", headers=token(frozen, "ben.cole@acme.example"))
    assert ben.status_code == 200


def test_unauthenticated_requests_spend_nothing(frozen: FlaskClient) -> None:
    for _ in range(5):
        assert frozen.get("/api/v2/users").status_code == 401
    answer = frozen.get("/api/v2/users", headers=token(frozen))
    assert answer.headers["X-RateLimit-Remaining"] == "2"


def test_default_budget_is_outreachs_ten_thousand_an_hour(client: FlaskClient) -> None:
    limits = client.put("/__mock__/rate-limit", json={"limit": 10_000, "window_s": 3600})
    assert limits.get_json() == {"limit": 10_000, "window_s": 3600}
    assert create_app({"dataset": "empty"}).extensions["mock_outreach"].settings.rate_limit \
        == 10_000
    answer = client.get("/api/v2/users", headers=token(client))
    assert answer.headers["X-RateLimit-Limit"] == "10000"


def test_control_api_shows_usage_and_changes_the_budget(frozen: FlaskClient) -> None:
    frozen.get("/api/v2/users", headers=token(frozen))
    usage = frozen.get("/__mock__/rate-limit").get_json()
    assert usage["limit"] == 3
    assert usage["users"] == [{"user_id": 1, "email": "ava.reed@acme.example", "used": 1,
                               "remaining": 2, "reset": WINDOW_START + 3600}]
    frozen.put("/__mock__/rate-limit", json={"limit": 1, "window_s": 60})
    answer = frozen.get("/api/v2/users", headers=token(frozen))
    assert answer.status_code == 200  # a 60 s window is a new window: the count restarts
    assert answer.headers["X-RateLimit-Reset"] == str(WINDOW_START + 120)
    assert frozen.get("/api/v2/users", headers=token(frozen)).status_code == 429


@pytest.mark.parametrize("body", [{"limit": -1}, {"window_s": 0}, {"limit": "many"},
                                  {"burst": 3}])
def test_bad_rate_limit_settings_get_422(client: FlaskClient, body: dict) -> None:
    answer = client.put("/__mock__/rate-limit", json=body)
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["id"] == "validationError"


def test_counters_are_shared_by_apps_on_one_database(tmp_path: Any) -> None:
    """Two workers (two apps over one SQLite file) spend one budget."""
    db = str(tmp_path / "mock.sqlite")
    first = create_app({"db": db, "rate_limit": 2, "webhook_worker": False}).test_client()
    second = create_app({"db": db, "rate_limit": 2, "webhook_worker": False}).test_client()
    headers = token(first)
    assert first.get("/api/v2/users", headers=headers).status_code == 200
    assert second.get("/api/v2/users", headers=headers).status_code == 200
    assert second.get("/api/v2/users", headers=headers).status_code == 429
