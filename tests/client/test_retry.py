"""The retry rule: what is resent, after how long, and what surfaces (network faked)."""

import asyncio

import httpx
import pytest
from outreach_client import (
    APIConnectionError,
    APITimeoutError,
    AsyncOutreachClient,
    NotFoundError,
    OutreachClient,
    RateLimitError,
    ServerError,
)
from outreach_client._retry import RetryPolicy

BASE = "https://api.outreach.io"
OK = {"data": {"type": "prospect", "id": 1, "attributes": {"firstName": "Ann"}}}


class Script:
    """Answers requests from a list of responses or exceptions, recording each request."""

    def __init__(self, *steps):
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        status, body, headers = step
        return httpx.Response(status, json=body, headers=headers)


def _client(script, *, now=1000.0, rnd=0.0, max_retries=3):
    sleeps: list[float] = []
    client = OutreachClient(
        "token",
        base_url=BASE,
        transport=httpx.MockTransport(script),
        sleep=sleeps.append,
        random_source=lambda: rnd,
        clock=lambda: now,
        max_retries=max_retries,
    )
    return client, sleeps


def test_get_is_retried_on_503_with_doubling_backoff():
    script = Script((503, {}, None), (503, {}, None), (200, OK, None))
    client, sleeps = _client(script)
    assert client.prospects.get(1).first_name == "Ann"
    assert len(script.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_jitter_shortens_the_delay_by_at_most_a_quarter():
    script = Script((503, {}, None), (200, OK, None))
    client, sleeps = _client(script, rnd=1.0)
    client.prospects.get(1)
    assert sleeps == [0.375]


def test_backoff_is_capped():
    policy = RetryPolicy(random=lambda: 0.0)
    assert policy.backoff(10) == policy.max_delay


def test_429_honours_retry_after_seconds():
    script = Script((429, {}, {"Retry-After": "3"}), (200, OK, None))
    client, sleeps = _client(script)
    client.prospects.get(1)
    assert sleeps == [3.0]


def test_429_honours_ratelimit_reset_epoch():
    script = Script((429, {}, {"X-RateLimit-Reset": "1012"}), (200, OK, None))
    client, sleeps = _client(script, now=1000.0)
    client.prospects.get(1)
    assert sleeps == [12.0]


def test_429_asking_for_too_long_a_wait_surfaces_at_once():
    script = Script((429, {"errors": [{"id": "rateLimitExceeded"}]}, {"Retry-After": "3600"}))
    client, sleeps = _client(script)
    with pytest.raises(RateLimitError) as caught:
        client.prospects.get(1)
    assert caught.value.retry_after == 3600.0
    assert sleeps == []
    assert len(script.requests) == 1


def test_post_create_is_not_resent_after_a_503():
    script = Script((503, {}, None), (201, OK, None))
    client, _ = _client(script)
    with pytest.raises(ServerError):
        client.calls.create({"direction": "outbound"})
    assert len(script.requests) == 1


def test_post_member_action_is_not_resent_after_a_read_timeout():
    script = Script(httpx.ReadTimeout("slow"), (200, OK, None))
    client, _ = _client(script)
    with pytest.raises(APITimeoutError):
        client.tasks.action(1, "markComplete")
    assert len(script.requests) == 1


def test_post_is_resent_after_429_because_it_was_not_processed():
    script = Script((429, {}, {"Retry-After": "1"}), (201, OK, None))
    client, sleeps = _client(script)
    client.calls.create({"direction": "outbound"})
    assert len(script.requests) == 2
    assert sleeps == [1.0]


def test_post_is_resent_when_the_connection_was_never_made():
    script = Script(httpx.ConnectError("refused"), (201, OK, None))
    client, _ = _client(script)
    client.calls.create({"direction": "outbound"})
    assert len(script.requests) == 2


def test_get_is_resent_after_a_dropped_connection():
    script = Script(httpx.RemoteProtocolError("dropped"), (200, OK, None))
    client, _ = _client(script)
    client.prospects.get(1)
    assert len(script.requests) == 2


def test_retries_stop_after_max_retries_with_the_last_error():
    script = Script(httpx.ConnectError("refused"))
    client, sleeps = _client(script, max_retries=2)
    with pytest.raises(APIConnectionError):
        client.prospects.get(1)
    assert len(script.requests) == 3
    assert len(sleeps) == 2


def test_404_is_not_retried():
    script = Script((404, {"errors": [{"id": "resourceNotFound"}]}, None))
    client, _ = _client(script)
    with pytest.raises(NotFoundError, match="resourceNotFound"):
        client.prospects.get(1)
    assert len(script.requests) == 1


def test_async_client_applies_the_same_rule():
    script = Script((503, {}, None), (200, OK, None))
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def run():
        async with AsyncOutreachClient(
            "token", base_url=BASE, transport=httpx.MockTransport(script),
            sleep=fake_sleep, random_source=lambda: 0.0,
        ) as client:
            return await client.prospects.get(1)

    assert asyncio.run(run()).first_name == "Ann"
    assert sleeps == [0.5]


def test_bodies_carry_jsonapi_content_type_and_reads_only_accept():
    script = Script((201, OK, None))
    client, _ = _client(script)
    client.prospects.get(1)
    client.calls.create({"direction": "outbound"}, relationships={"prospect": 1})
    read, write = script.requests
    assert read.headers["Accept"] == "application/vnd.api+json"
    assert "Content-Type" not in read.headers
    assert write.headers["Content-Type"] == "application/vnd.api+json"
    assert write.headers["Accept"] == "application/vnd.api+json"
    assert write.headers["Authorization"] == "Bearer token"
    assert write.content == (
        b'{"data":{"type":"call","attributes":{"direction":"outbound"},'
        b'"relationships":{"prospect":{"data":{"type":"prospect","id":1}}}}}'
    )


def test_member_action_params_go_in_the_query_string():
    script = Script((200, OK, None))
    client, _ = _client(script)
    client.tasks.action(7, "markComplete", completionNote="done")
    request = script.requests[0]
    assert request.method == "POST"
    assert request.url.path == "/api/v2/tasks/7/actions/markComplete"
    assert request.url.params["actionParams[completionNote]"] == "done"
    assert request.content == b""
