"""Webhook deliveries reach a real loopback receiver: events, payloads, signatures, matching."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_outreach.app import create_app
from mock_outreach.receiver import Receiver
from mock_outreach.webhook_worker import drain
from tests.api_calls import send

MEDIA = "application/vnd.api+json"
FROZEN = "2026-03-02T09:30:00.123Z"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def app() -> Flask:
    return create_app({"webhook_worker": False})


@pytest.fixture
def headers(client: FlaskClient) -> dict[str, str]:
    client.post("/__mock__/clock", json={"set": FROZEN, "freeze": True})
    token = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"})
    return {"Authorization": f"Bearer {token.get_json()['access_token']}", "Content-Type": MEDIA}


def subscribe(client: FlaskClient, headers: dict[str, str], url: str, **attrs: Any) -> int:
    hook = send(client, headers, "POST", "/api/v2/webhooks",
                {"type": "webhook", "attributes": {"url": url, **attrs}})
    return hook["id"]


def new_prospect(client: FlaskClient, headers: dict[str, str], **attrs: Any) -> int:
    attrs = attrs or {"firstName": "Nora", "lastName": "Quinn"}
    return send(client, headers, "POST", "/api/v2/prospects",
                {"type": "prospect", "attributes": attrs})["id"]


def deliver(app: Flask) -> int:
    return drain(app.extensions["mock_outreach"], timeout=20)


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_create_delivers_only_created_attributes_signed(app, client, headers, receiver):
    subscribe(client, headers, receiver.url(), resource="prospect", action="created",
              secret="s3cret")
    prospect_id = new_prospect(client, headers)
    deliver(app)
    [got] = receiver.received
    assert got.headers["Content-Type"] == MEDIA
    assert got.headers["Outreach-Webhook-Signature"] == signature("s3cret", got.body)
    payload = got.json()
    assert payload["meta"] == {"deliveredAt": "2026-03-02T09:30:00.123+00:00",
                               "eventName": "prospect.created"}
    assert payload["data"]["type"] == "prospect" and payload["data"]["id"] == prospect_id
    assert payload["data"]["attributes"] == {
        "createdAt": FROZEN, "firstName": "Nora", "lastName": "Quinn", "name": "Nora Quinn",
        "updatedAt": FROZEN}
    assert payload["data"]["relationships"]["creator"] == {"data": {"type": "user", "id": 1}}


def test_update_delivers_only_changed_attributes(app, client, headers, receiver):
    prospect_id = new_prospect(client, headers, firstName="Nora", title="CFO")
    subscribe(client, headers, receiver.url(), resource="prospect", action="updated")
    client.post("/__mock__/clock", json={"advance": 60})
    send(client, headers, "PATCH", f"/api/v2/prospects/{prospect_id}",
         {"type": "prospect", "id": prospect_id, "attributes": {"title": "CEO",
                                                                  "firstName": "Nora"}})
    deliver(app)
    [got] = receiver.received
    data = got.json()["data"]
    assert got.event_name == "prospect.updated"
    assert data["attributes"] == {"title": "CEO", "updatedAt": "2026-03-02T09:31:00.123Z"}
    assert data["relationships"] == {}
    assert "Outreach-Webhook-Signature" not in got.headers
    assert "beforeUpdate" not in got.json()["meta"]


def test_payload_version_2_adds_prior_values(app, client, headers, receiver):
    prospect_id = new_prospect(client, headers, firstName="Nora", title="CFO")
    subscribe(client, headers, receiver.url(), resource="prospect", payloadVersion=2)
    client.post("/__mock__/clock", json={"advance": 60})
    send(client, headers, "PATCH", f"/api/v2/prospects/{prospect_id}",
         {"type": "prospect", "id": prospect_id, "attributes": {"title": "CEO"}})
    deliver(app)
    [got] = receiver.received
    assert got.json()["meta"]["beforeUpdate"] == {"title": "CFO", "updatedAt": FROZEN}


def test_update_sends_changed_relationships(app, client, headers, receiver):
    prospect_id = new_prospect(client, headers)
    subscribe(client, headers, receiver.url(), resource="prospect", action="updated")
    send(client, headers, "PATCH", f"/api/v2/prospects/{prospect_id}",
         {"type": "prospect", "id": prospect_id,
          "relationships": {"owner": {"data": {"type": "user", "id": 2}}}})
    deliver(app)
    [got] = receiver.received
    assert got.json()["data"]["relationships"] == {"owner": {"data": {"type": "user", "id": 2}}}


def test_destroy_delivers_last_known_attributes_and_relationships(app, client, headers,
                                                                   receiver):
    prospect_id = new_prospect(client, headers, firstName="Nora", title="CFO")
    subscribe(client, headers, receiver.url(), resource="prospect", action="destroyed")
    send(client, headers, "DELETE", f"/api/v2/prospects/{prospect_id}")
    deliver(app)
    [got] = receiver.received
    data = got.json()["data"]
    assert got.event_name == "prospect.destroyed" and data["id"] == prospect_id
    assert data["attributes"]["title"] == "CFO" and data["attributes"]["name"] == "Nora"
    assert data["relationships"]["creator"] == {"data": {"type": "user", "id": 1}}
    assert data["relationships"]["owner"] == {"data": None}


def first_open_task(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    reply = client.get("/api/v2/tasks?filter[state]=incomplete&filter[owner][id]=1"
                       "&page[size]=1", headers=headers)
    return reply.get_json()["data"][0]


def test_mark_complete_delivers_task_completed(app, client, headers, receiver):
    subscribe(client, headers, receiver.url(), resource="task", action="completed",
              secret="k")
    task = first_open_task(client, headers)
    send(client, headers, "POST", f"/api/v2/tasks/{task['id']}/actions/markComplete")
    deliver(app)
    [got] = receiver.received
    assert got.headers["Outreach-Webhook-Signature"] == signature("k", got.body)
    data = got.json()["data"]
    assert got.event_name == "task.completed" and data["id"] == task["id"]
    assert data["attributes"]["state"] == "complete" and data["attributes"]["completed"] is True
    assert data["relationships"]["completer"] == {"data": {"type": "user", "id": 1}}


def test_wildcard_subscription_gets_every_event_of_a_completion(app, client, headers,
                                                                  receiver):
    subscribe(client, headers, receiver.url())
    task = first_open_task(client, headers)
    send(client, headers, "POST", f"/api/v2/tasks/{task['id']}/actions/markComplete")
    deliver(app)
    events = sorted(r.event_name for r in receiver.received)
    assert events[:2] == ["sequenceState.advanced", "sequenceState.updated"] or \
        events[:2] == ["sequenceState.finished", "sequenceState.updated"]
    assert events[2:] == ["task.completed", "task.updated"]


def test_specific_and_wildcard_hooks_each_get_one_delivery(app, client, headers, receiver):
    subscribe(client, headers, receiver.url("/specific"), resource="prospect", action="created")
    subscribe(client, headers, receiver.url("/resource"), resource="prospect")
    subscribe(client, headers, receiver.url("/all"))
    subscribe(client, headers, receiver.url("/other"), resource="account")
    new_prospect(client, headers)
    deliver(app)
    assert [r.path for r in receiver.received if r.event_name == "prospect.created"].count(
        "/specific") == 1
    assert len(receiver.on("/resource")) == 1 and len(receiver.on("/all")) == 1
    assert receiver.on("/other") == []


def test_inactive_webhook_gets_nothing(app, client, headers, receiver):
    hook_id = subscribe(client, headers, receiver.url(), active=False)
    new_prospect(client, headers)
    deliver(app)
    assert receiver.received == []
    listing = client.get(f"/__mock__/webhooks/deliveries?webhook_id={hook_id}").get_json()
    assert listing["deliveries"] == []


def test_another_orgs_webhook_gets_nothing(app, client, headers, receiver):
    token = client.post("/__mock__/tokens", json={"email": "gina.park@globex.example"})
    globex = {**headers, "Authorization": f"Bearer {token.get_json()['access_token']}"}
    subscribe(client, globex, receiver.url())
    new_prospect(client, headers)
    deliver(app)
    assert receiver.received == []


def test_types_outreach_sends_no_webhooks_for_enqueue_nothing(app, client, headers, receiver):
    subscribe(client, headers, receiver.url())
    send(client, headers, "POST", "/api/v2/callDispositions",
         {"type": "callDisposition", "attributes": {"name": "Left voicemail"}})
    send(client, headers, "POST", "/api/v2/teams", {"type": "team", "attributes": {"name": "A"}})
    deliver(app)
    assert receiver.received == []
    assert client.get("/__mock__/webhooks/deliveries").get_json()["deliveries"] == []


def test_deactivated_before_sending_is_skipped(app, client, headers, receiver):
    hook_id = subscribe(client, headers, receiver.url())
    new_prospect(client, headers)
    send(client, headers, "PATCH", f"/api/v2/webhooks/{hook_id}",
         {"type": "webhook", "id": hook_id, "attributes": {"active": False}})
    deliver(app)
    assert receiver.received == []
    [row] = client.get("/__mock__/webhooks/deliveries").get_json()["deliveries"]
    assert row["status"] == "skipped" and row["attempts"] == []


def test_secret_change_signs_with_the_current_secret(app, client, headers, receiver):
    hook_id = subscribe(client, headers, receiver.url(), secret="old")
    new_prospect(client, headers)
    send(client, headers, "PATCH", f"/api/v2/webhooks/{hook_id}",
         {"type": "webhook", "id": hook_id, "attributes": {"secret": "new"}})
    deliver(app)
    [got] = receiver.received
    assert got.headers["Outreach-Webhook-Signature"] == signature("new", got.body)
    assert got.headers["Outreach-Webhook-Signature"] != signature("old", got.body)


def test_mailing_created_as_delivered_emits_the_mailing_delivered_event(client, auth):
    """Mailing events (bounced, delivered, opened, replied) reach subscribers of that action."""
    import json as _json

    from mock_outreach.resources import Change

    app_state = client.application.extensions["mock_outreach"]
    seen: list[Change] = []
    app_state.resources.listeners.append(seen.append)
    body = {"data": {"type": "mailing", "attributes": {"subject": "Hi", "state": "delivered"},
                     "relationships": {"prospect": {"data": {"type": "prospect", "id": 1}}}}}
    reply = client.post("/api/v2/mailings", data=_json.dumps(body),
                        headers={**auth, "Content-Type": "application/vnd.api+json"})
    assert reply.status_code == 201
    assert reply.get_json()["data"]["attributes"]["deliveredAt"] is not None
    assert [c.action for c in seen] == ["created", "delivered"]
