"""Delivery rules (timeout, retries, no retry on answers, disabling) and the control routes."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_outreach.app import create_app
from mock_outreach.receiver import Receiver
from mock_outreach.webhook_control import stop_worker
from mock_outreach.webhook_worker import deliver_due, drain
from tests.api_calls import send

MEDIA = "application/vnd.api+json"
FAST_RETRIES = {"webhook_worker": False, "webhook_retries": 3, "webhook_retry_delay_s": 0.01}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def app() -> Flask:
    return create_app(FAST_RETRIES)


@pytest.fixture
def headers(client: FlaskClient) -> dict[str, str]:
    client.post("/__mock__/clock", json={"set": "2026-03-02T09:30:00Z", "freeze": True})
    token = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"})
    return {"Authorization": f"Bearer {token.get_json()['access_token']}", "Content-Type": MEDIA}


def refused_url() -> str:
    """A loopback URL nobody listens on (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def subscribe(client: FlaskClient, headers: dict[str, str], url: str, **attrs: Any) -> int:
    return send(client, headers, "POST", "/api/v2/webhooks",
                {"type": "webhook", "attributes": {"url": url, "resource": "prospect",
                                                   "action": "created", **attrs}})["id"]


def new_prospect(client: FlaskClient, headers: dict[str, str]) -> int:
    return send(client, headers, "POST", "/api/v2/prospects",
                {"type": "prospect", "attributes": {"firstName": "Nora"}})["id"]


def deliveries(client: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    reply = client.get(f"/__mock__/webhooks/deliveries{query}")
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return reply.get_json()["deliveries"]


def state(app: Flask) -> Any:
    return app.extensions["mock_outreach"]


def test_refused_connection_gets_the_configured_retries_then_fails(app, client, headers):
    subscribe(client, headers, refused_url())
    new_prospect(client, headers)
    drain(state(app), timeout=20)
    [row] = deliveries(client)
    assert row["status"] == "failed" and row["attempt_count"] == 4
    assert [a["attempt"] for a in row["attempts"]] == [1, 2, 3, 4]
    assert all(a["response_status"] is None and "Refused" in a["error"]
               for a in row["attempts"])


def test_non_2xx_answer_gets_exactly_one_attempt(app, client, headers, receiver):
    receiver.statuses["/fail"] = 500
    subscribe(client, headers, receiver.url("/fail"))
    new_prospect(client, headers)
    drain(state(app), timeout=20)
    assert len(receiver.on("/fail")) == 1
    [row] = deliveries(client)
    assert row["status"] == "delivered" and row["response_status"] == 500
    assert row["attempt_count"] == 1


def test_redirect_is_recorded_and_not_followed(app, client, headers, receiver):
    receiver.statuses["/moved"] = 302
    subscribe(client, headers, receiver.url("/moved"))
    new_prospect(client, headers)
    drain(state(app), timeout=20)
    assert [r.path for r in receiver.received] == ["/moved"]
    assert deliveries(client)[0]["response_status"] == 302


def test_receiver_slower_than_the_timeout_counts_as_a_network_failure(client, headers,
                                                                      receiver):
    app = client.application
    state(app).settings.update({"webhook_timeout_s": 0.2, "webhook_retries": 1})
    receiver.delays["/slow"] = 1.0
    subscribe(client, headers, receiver.url("/slow"))
    new_prospect(client, headers)
    drain(state(app), timeout=20)
    [row] = deliveries(client)
    assert row["status"] == "failed" and len(receiver.on("/slow")) == 2
    assert "timed out" in row["error"]


def test_retry_after_a_network_failure_reaches_the_fixed_url(app, client, headers, receiver):
    hook_id = subscribe(client, headers, refused_url())
    new_prospect(client, headers)
    deliver_due(state(app))
    assert deliveries(client)[0]["status"] == "pending"
    send(client, headers, "PATCH", f"/api/v2/webhooks/{hook_id}",
         {"type": "webhook", "id": hook_id, "attributes": {"url": receiver.url()}})
    drain(state(app), timeout=20)
    [row] = deliveries(client)
    assert row["status"] == "delivered" and row["attempt_count"] == 2
    assert len(receiver.received) == 1


def test_webhook_failing_longer_than_the_window_is_disabled(client, headers):
    app = client.application
    state(app).settings.update({"webhook_disable_after_s": 3600, "webhook_retries": 0})
    hook_id = subscribe(client, headers, refused_url())
    new_prospect(client, headers)
    drain(state(app), timeout=20)
    assert send(client, headers, "GET", f"/api/v2/webhooks/{hook_id}")["attributes"]["active"]
    client.post("/__mock__/clock", json={"advance": 3600})
    new_prospect(client, headers)
    drain(state(app), timeout=20)
    attrs = send(client, headers, "GET", f"/api/v2/webhooks/{hook_id}")["attributes"]
    assert attrs["active"] is False and "failed since" in attrs["disabledReason"]
    assert attrs["disabledSince"] == "2026-03-02T10:30:00.000Z"
    new_prospect(client, headers)
    assert len(deliveries(client)) == 2


def test_success_resets_the_failure_window(client, headers, receiver):
    app = client.application
    state(app).settings.update({"webhook_disable_after_s": 1800, "webhook_retries": 0})
    hook_id = subscribe(client, headers, refused_url())
    new_prospect(client, headers)
    drain(state(app), timeout=20)
    for target in (receiver.url(), refused_url()):
        send(client, headers, "PATCH", f"/api/v2/webhooks/{hook_id}",
             {"type": "webhook", "id": hook_id, "attributes": {"url": target}})
        client.post("/__mock__/clock", json={"advance": 1800})
        new_prospect(client, headers)
        drain(state(app), timeout=20)
    assert send(client, headers, "GET", f"/api/v2/webhooks/{hook_id}")["attributes"]["active"]


def test_listing_filters_by_webhook_and_status(app, client, headers, receiver):
    receiver.statuses["/fail"] = 500
    ok_id = subscribe(client, headers, receiver.url("/ok"), secret="s")
    down_id = subscribe(client, headers, refused_url())
    new_prospect(client, headers)
    drain(state(app), timeout=20)
    [ok] = deliveries(client, f"?webhook_id={ok_id}")
    assert ok["status"] == "delivered" and ok["event_name"] == "prospect.created"
    assert ok["signature"] and json.loads(ok["body"])["data"] == ok["data"]
    [down] = deliveries(client, "?status=failed")
    assert down["webhook_id"] == down_id
    assert deliveries(client, "?status=pending") == []


@pytest.mark.parametrize("query", ["?status=lost", "?webhook_id=abc", "?limit=5000"])
def test_bad_listing_filter_is_a_clear_400(client, query):
    reply = client.get(f"/__mock__/webhooks/deliveries{query}")
    assert reply.status_code == 400 and reply.get_json()["errors"][0]["detail"]


def test_redeliver_sends_a_fresh_copy(app, client, headers, receiver):
    subscribe(client, headers, receiver.url())
    new_prospect(client, headers)
    drain(state(app), timeout=20)
    [first] = deliveries(client)
    client.post("/__mock__/clock", json={"advance": 5})
    reply = client.post(f"/__mock__/webhooks/deliveries/{first['id']}/redeliver")
    assert reply.status_code == 201 and reply.get_json()["redelivery_of"] == first["id"]
    assert client.post("/__mock__/webhooks/run").get_json() == {"handled": 1}
    one, two = receiver.received
    assert one.json()["data"] == two.json()["data"]
    assert two.json()["meta"]["deliveredAt"] == "2026-03-02T09:30:05.000+00:00"


def test_redeliver_unknown_delivery_is_404(client):
    reply = client.post("/__mock__/webhooks/deliveries/999/redeliver")
    assert reply.status_code == 404 and reply.get_json()["errors"][0]["detail"]


def test_reset_clears_the_outbox(app, client, headers):
    subscribe(client, headers, refused_url())
    new_prospect(client, headers)
    assert len(deliveries(client)) == 1
    client.post("/__mock__/reset")
    assert deliveries(client) == []


def test_control_routes_refuse_remote_callers(client):
    reply = client.get("/__mock__/webhooks/deliveries",
                       environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert reply.status_code == 403


def test_background_worker_delivers_on_its_own(receiver):
    app = create_app({"webhook_retry_delay_s": 0.01})
    try:
        client = app.test_client()
        token = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"})
        headers = {"Authorization": f"Bearer {token.get_json()['access_token']}",
                   "Content-Type": MEDIA}
        subscribe(client, headers, receiver.url())
        prospect_id = new_prospect(client, headers)
        [got] = receiver.wait_for(1, timeout=10)
        assert got.json()["data"]["id"] == prospect_id
    finally:
        stop_worker(app)
    assert "webhook_worker" not in state(app).extras


def test_reactivated_webhook_is_clean_and_gets_a_fresh_failure_window(client, headers):
    app = client.application
    state(app).settings.update({"webhook_disable_after_s": 0, "webhook_retries": 0})
    hook_id = subscribe(client, headers, refused_url())
    new_prospect(client, headers)
    drain(state(app), timeout=20)
    assert send(client, headers, "GET", f"/api/v2/webhooks/{hook_id}")["attributes"][
        "active"] is False
    state(app).settings.update({"webhook_disable_after_s": 3600})
    attrs = send(client, headers, "PATCH", f"/api/v2/webhooks/{hook_id}",
                 {"type": "webhook", "id": hook_id, "attributes": {"active": True}})["attributes"]
    assert attrs["disabledReason"] is None and attrs["disabledSince"] is None
    client.post("/__mock__/clock", json={"advance": 3600})
    new_prospect(client, headers)
    drain(state(app), timeout=20)
    assert send(client, headers, "GET", f"/api/v2/webhooks/{hook_id}")["attributes"]["active"]
