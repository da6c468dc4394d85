"""Rate limits: X-RateLimit-* on every API response; 429 rateLimitExceeded with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from outreach_contracts.support import assert_error, target_now
from outreach_contracts.targets import Target

pytestmark = pytest.mark.validated("mock", "url")
HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
BEN = "ben.cole@acme.example"
GINA = "gina.park@globex.example"


def budget(response: httpx.Response) -> dict[str, int]:
    missing = [h for h in HEADERS if h not in response.headers]
    assert not missing, f"missing {missing} on {response.request.url}"
    return {h: int(response.headers[h]) for h in HEADERS}


@pytest.mark.parametrize("path", ["/prospects", "/tasks/1", "/prospects/999999999"])
def test_every_api_response_carries_the_rate_limit_headers(api: httpx.Client, path: str) -> None:
    numbers = budget(api.get(path))
    assert 0 <= numbers["X-RateLimit-Remaining"] <= numbers["X-RateLimit-Limit"]


def test_remaining_budget_goes_down_with_each_request(api: httpx.Client) -> None:
    first = budget(api.get("/users", params={"page[size]": "1"}))
    second = budget(api.get("/users", params={"page[size]": "1"}))
    assert second["X-RateLimit-Remaining"] < first["X-RateLimit-Remaining"]


def test_reset_is_epoch_seconds_within_the_hour(target: Target, api: httpx.Client) -> None:
    reset = budget(api.get("/users", params={"page[size]": "1"}))["X-RateLimit-Reset"]
    now = target_now(target).timestamp()
    assert now <= reset <= now + 3600


def used_by(usage: dict[str, Any], email: str) -> int:
    return next((u["used"] for u in usage["users"] if u["email"] == email), 0)


@pytest.fixture
def tight_budget(target: Target) -> Iterator[dict[str, Any]]:
    """Ben gets a limit a few requests above what he and Gina used; restored afterwards."""
    if not target.is_mock:
        pytest.skip("mock only: lowers the rate limit through the control API")
    before = target.control("GET", "/rate-limit")
    limit = max(used_by(before, BEN), used_by(before, GINA)) + 3
    target.control("PUT", "/rate-limit", json={"limit": limit})
    try:
        yield {"token": target.mint(BEN)["access_token"], "left": limit - used_by(before, BEN)}
    finally:
        target.control("PUT", "/rate-limit", json={"limit": before["limit"]})


def spend(target: Target, budget_: dict[str, Any]) -> list[httpx.Response]:
    """Use Ben's whole budget plus one request."""
    with target.http(budget_["token"]) as http:
        return [http.get("/users", params={"page[size]": "1"}) for _ in range(budget_["left"] + 1)]


@pytest.mark.mock_only("lowers the rate limit through the control API")
def test_exhausted_budget_is_429_with_retry_after(target: Target,
                                                  tight_budget: dict[str, Any]) -> None:
    responses = spend(target, tight_budget)
    assert {r.status_code for r in responses[:-1]} == {200}
    refused = responses[-1]
    error = assert_error(refused, 429, "rateLimitExceeded")
    assert "rate limit" in error["detail"]
    assert int(refused.headers["Retry-After"]) >= 1
    assert budget(refused)["X-RateLimit-Remaining"] == 0


@pytest.mark.mock_only("lowers the rate limit and moves the clock")
def test_budget_comes_back_in_the_next_window(target: Target,
                                              tight_budget: dict[str, Any]) -> None:
    last = spend(target, tight_budget)[-1]
    assert last.status_code == 429
    wait = int(last.headers["Retry-After"]) + 1
    target.control("POST", "/clock", json={"advance": wait})
    try:
        with target.http(tight_budget["token"]) as http:
            assert http.get("/users", params={"page[size]": "1"}).status_code == 200
    finally:
        target.control("POST", "/clock", json={"advance": -wait})


@pytest.mark.mock_only("lowers the rate limit through the control API")
def test_one_reps_exhausted_budget_leaves_another_rep_alone(
        target: Target, tight_budget: dict[str, Any]) -> None:
    assert spend(target, tight_budget)[-1].status_code == 429
    with target.http(target.mint(GINA)["access_token"]) as http:
        assert http.get("/users", params={"page[size]": "1"}).status_code == 200
