"""Fault rules over real HTTP: each action, matching, exact `times`, seeded probability."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mock_outreach.app import create_app

AVA, BEN = "ava.reed@acme.example", "ben.cole@acme.example"


@pytest.fixture
def http(serve: Any) -> Iterator[httpx.Client]:
    app = create_app({"dataset": "demo", "webhook_worker": False, "token_mint_interval_s": 0})
    with httpx.Client(base_url=serve(app), timeout=10) as client:
        yield client


def bearer(http: httpx.Client, email: str = AVA) -> dict[str, str]:
    token = http.post("/__mock__/tokens", json={"email": email}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def fault(http: httpx.Client, **rule: Any) -> dict[str, Any]:
    answer = http.post("/__mock__/faults", json=rule)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_status_fault_answers_an_outreach_error_on_matching_routes_only(
        http: httpx.Client) -> None:
    headers = bearer(http)
    fault(http, action="status", status=503, method="GET", path="/api/v2/prospects*")
    failed = http.get("/api/v2/prospects/1", headers=headers)
    assert failed.status_code == 503
    assert failed.headers["content-type"] == "application/vnd.api+json"
    assert failed.json()["errors"][0]["id"] == "scheduledServerMaintenance"
    assert failed.headers["Retry-After"] == "1"
    assert http.get("/api/v2/users/1", headers=headers).status_code == 200
    assert http.get("/__mock__/health").status_code == 200


@pytest.mark.parametrize(("status", "error_id"), [(500, "internalServerError"),
                                                  (404, "resourceNotFound"),
                                                  (502, "internalServerError")])
def test_status_fault_body_matches_the_status(http: httpx.Client, status: int,
                                              error_id: str) -> None:
    fault(http, action="status", status=status, path="/api/v2/users")
    answer = http.get("/api/v2/users", headers=bearer(http))
    assert answer.status_code == status
    assert answer.json()["errors"][0]["id"] == error_id


def test_status_fault_on_the_token_endpoint_answers_oauth_errors(http: httpx.Client) -> None:
    fault(http, action="status", status=503, path="/oauth/token", times=1)
    answer = http.post("/oauth/token", data={"grant_type": "refresh_token"})
    assert answer.status_code == 503
    assert answer.json()["error"] == "temporarily_unavailable"
    fault(http, action="status", status=429, path="/oauth/token", times=1)
    throttled = http.post("/oauth/token", data={"grant_type": "refresh_token"})
    assert (throttled.status_code, throttled.text) == (429, "Retry later\n")


def test_latency_fault_delays_the_answer_and_the_journal_shows_it(http: httpx.Client) -> None:
    fault(http, action="latency_ms", latency_ms=300, path="/api/v2/users")
    answer = http.get("/api/v2/users", headers=bearer(http))
    assert answer.status_code == 200
    entry = http.get("/__mock__/journal", params={"path": "/api/v2/users"}).json()["entries"][0]
    assert entry["duration_ms"] >= 300


def test_drop_connection_closes_the_socket_without_an_answer(http: httpx.Client) -> None:
    headers = bearer(http)
    fault(http, action="drop_connection", path="/api/v2/calls", method="POST", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/api/v2/calls", headers={**headers, "Content-Type":
                                            "application/vnd.api+json"},
                  content=b'{"data": {"type": "call"}}')
    assert http.get("/api/v2/users/1", headers=headers).status_code == 200
    entry = http.get("/__mock__/journal", params={"method": "POST"}).json()["entries"][0]
    assert entry["status"] is None
    assert entry["response"]["dropped"] is True


def test_drop_after_lets_the_write_commit_then_closes_the_socket(http: httpx.Client) -> None:
    headers = {**bearer(http), "Content-Type": "application/vnd.api+json"}
    fault(http, action="drop_connection", after=True, path="/api/v2/calls", method="POST",
          times=1)
    body = b'{"data": {"type": "call", "attributes": {"vendorCallId": "dropped-after-1"}}}'
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/api/v2/calls", headers=headers, content=body)
    calls = http.get("/api/v2/calls", headers=headers).json()["data"]
    assert [c["attributes"]["vendorCallId"] for c in calls].count("dropped-after-1") == 1
    assert http.post("/__mock__/faults", json={"action": "drop_connection",
                                               "after": "yes"}).status_code == 422


def test_drop_connection_in_process_explains_it_needs_a_server() -> None:
    client = create_app({"dataset": "demo", "webhook_worker": False}).test_client()
    client.post("/__mock__/faults", json={"action": "drop_connection"})
    answer = client.get("/api/v2/users")
    assert answer.status_code == 500
    assert "real HTTP server" in answer.get_json()["errors"][0]["detail"]


def test_rate_limit_fault_answers_429_with_headers(http: httpx.Client) -> None:
    fault(http, action="rate_limit", path="/api/v2/*")
    answer = http.get("/api/v2/tasks", headers=bearer(http))
    assert answer.status_code == 429
    assert answer.json()["errors"][0]["id"] == "rateLimitExceeded"
    assert answer.headers["X-RateLimit-Remaining"] == "0"
    assert int(answer.headers["Retry-After"]) >= 1
    assert int(answer.headers["X-RateLimit-Reset"]) > 0


def test_expire_token_fault_expires_the_callers_token_for_good(http: httpx.Client) -> None:
    ava, ben = bearer(http), bearer(http, BEN)
    fault(http, action="expire_token", path="/api/v2/tasks", user_id=1, times=1)
    assert http.get("/api/v2/tasks", headers=ben).status_code == 200
    assert http.get("/api/v2/tasks", headers=ava).status_code == 401
    assert http.get("/api/v2/users", headers=ava).status_code == 401
    states = {t["state"] for t in http.get("/__mock__/tokens").json()["tokens"]
              if t["user_id"] == 1 and t["kind"] == "access"}
    assert states == {"expired"}


def test_fault_with_times_fires_exactly_that_often(http: httpx.Client) -> None:
    headers = bearer(http)
    rule = fault(http, action="status", status=500, path="/api/v2/users", times=3)
    statuses = [http.get("/api/v2/users", headers=headers).status_code for _ in range(6)]
    assert statuses == [500, 500, 500, 200, 200, 200]
    listed = http.get("/__mock__/faults").json()["faults"]
    assert listed == [{**rule, "fired": 3}]


def test_times_holds_under_concurrent_requests(http: httpx.Client) -> None:
    headers = bearer(http)
    fault(http, action="status", status=503, path="/api/v2/users/*", times=5)
    statuses: list[int] = []

    def hit() -> None:
        with httpx.Client(base_url=http.base_url, timeout=10) as own:
            for _ in range(4):
                statuses.append(own.get("/api/v2/users/1", headers=headers).status_code)

    threads = [threading.Thread(target=hit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 24
    assert statuses.count(503) == 5


def test_seeded_probability_fires_the_same_requests_every_run(serve: Any) -> None:
    patterns = []
    for _ in range(2):
        app = create_app({"dataset": "demo", "webhook_worker": False})
        with httpx.Client(base_url=serve(app)) as client:
            fault(client, action="status", status=500, probability=0.5, seed=7)
            headers = bearer(client)
            patterns.append([client.get("/api/v2/users/1", headers=headers).status_code
                             for _ in range(20)])
    assert patterns[0] == patterns[1]
    assert 0 < patterns[0].count(500) < 20


def test_rules_match_method_and_user(http: httpx.Client) -> None:
    ava, ben = bearer(http), bearer(http, BEN)
    fault(http, action="status", status=500, method="delete", user_id=2)
    assert http.get("/api/v2/users/2", headers=ben).status_code == 200
    assert http.delete("/api/v2/prospects/999999", headers=ava).status_code == 404
    assert http.delete("/api/v2/prospects/999999", headers=ben).status_code == 500


def test_faults_can_be_listed_and_deleted(http: httpx.Client) -> None:
    first = fault(http, action="status", status=500, path="/api/v2/users")
    fault(http, action="latency_ms", latency_ms=1)
    assert http.delete(f"/__mock__/faults/{first['id']}").status_code == 204
    assert http.delete(f"/__mock__/faults/{first['id']}").status_code == 404
    assert [f["action"] for f in http.get("/__mock__/faults").json()["faults"]] == ["latency_ms"]
    assert http.delete("/__mock__/faults").json() == {"deleted": 1}
    assert http.get("/api/v2/users", headers=bearer(http)).status_code == 200


@pytest.mark.parametrize("rule", [{"action": "explode"}, {"action": "status"},
                                  {"action": "status", "status": 200},
                                  {"action": "latency_ms", "latency_ms": -5},
                                  {"action": "rate_limit", "probability": 2},
                                  {"action": "rate_limit", "times": "twice"},
                                  {"action": "rate_limit", "path": 5}])
def test_bad_fault_rules_get_422(http: httpx.Client, rule: dict[str, Any]) -> None:
    answer = http.post("/__mock__/faults", json=rule)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["id"] == "validationError"


def test_control_routes_are_never_faulted(http: httpx.Client) -> None:
    fault(http, action="status", status=500, path="*")
    assert http.get("/__mock__/faults").status_code == 200
    assert http.post("/__mock__/clock", json={"advance": 1}).status_code == 200
