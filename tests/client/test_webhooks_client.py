"""outreach_client.webhooks: signatures and parsing, on deliveries the real mock sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from outreach_client import Task
from outreach_client.webhooks import (
    InvalidSignature,
    MalformedDelivery,
    WebhookEvent,
    parse_delivery,
    parse_verified,
    signature_of,
    verify_signature,
)

MEDIA = "application/vnd.api+json"
SECRET = "hook-secret"
SAMPLE = (b'{"data":{"type":"sequence","id":54,"attributes":'
          b'{"updatedAt":"2019-08-15T19:52:07.000Z","throttleMaxAddsPerDay":70},"relationships":{}},"meta":{"deliveredAt":'
          b'"2019-08-15T19:52:07.697+00:00","eventName":"sequence.updated"}}')


@pytest.fixture
def delivered() -> Iterator[Any]:
    """The first delivery the mock sends for a completed task, to a real loopback receiver."""
    app_module = pytest.importorskip("mock_outreach.app")
    from mock_outreach.receiver import Receiver
    from mock_outreach.webhook_worker import drain

    app = app_module.create_app({"webhook_worker": False})
    client = app.test_client()
    token = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"})
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}",
               "Content-Type": MEDIA}
    with Receiver() as receiver:
        hook = {"url": receiver.url(), "resource": "task", "action": "completed",
                "secret": SECRET, "payloadVersion": 2}
        client.post("/api/v2/webhooks", headers=headers,
                    data=json.dumps({"data": {"type": "webhook", "attributes": hook}}))
        tasks = client.get("/api/v2/tasks?filter[state]=incomplete&page[size]=1",
                           headers=headers).get_json()["data"]
        client.post(f"/api/v2/tasks/{tasks[0]['id']}/actions/markComplete", headers=headers)
        drain(app.extensions["mock_outreach"], timeout=20)
        yield receiver.received[0]


def test_signature_from_the_mock_verifies(delivered):
    assert verify_signature(SECRET, delivered.body,
                            delivered.headers["Outreach-Webhook-Signature"])


def test_tampered_body_or_wrong_secret_fails_verification(delivered):
    header = delivered.headers["Outreach-Webhook-Signature"]
    assert not verify_signature(SECRET, delivered.body + b" ", header)
    assert not verify_signature("other-secret", delivered.body, header)


@pytest.mark.parametrize("header", [None, "", "sha256=abc", "zz" * 32, "é" * 64])
def test_missing_or_garbled_header_fails_verification(header):
    assert not verify_signature(SECRET, SAMPLE, header)


def test_uppercase_hex_and_bytes_secret_verify():
    header = signature_of(SECRET, SAMPLE).upper()
    assert verify_signature(SECRET.encode(), SAMPLE, header)


def test_empty_secret_never_verifies():
    assert not verify_signature("", SAMPLE, signature_of("", SAMPLE))


def test_completed_task_delivery_parses_into_a_task_model(delivered):
    event = parse_verified(SECRET, delivered.body,
                           delivered.headers["Outreach-Webhook-Signature"])
    assert event.event_name == "task.completed" and event.action == "completed"
    assert event.resource_type == "task" and isinstance(event.id, int)
    task = event.model()
    assert isinstance(task, Task) and task.id == event.id
    assert task.state == "complete" and task.completed is True
    assert isinstance(task.completed_at, datetime) and task.note is None
    assert event.before_update is not None and event.before_update["state"] == "incomplete"
    assert event.related_id("completer") == 1


def test_outreach_sample_parses_with_its_delivery_time():
    event = parse_delivery(SAMPLE)
    assert event == WebhookEvent(
        event_name="sequence.updated", resource_type="sequence", action="updated", id=54,
        attributes={"updatedAt": "2019-08-15T19:52:07.000Z", "throttleMaxAddsPerDay": 70},
        relationships={}, delivered_at=datetime(2019, 8, 15, 19, 52, 7, 697000, tzinfo=UTC),
        meta={"deliveredAt": "2019-08-15T19:52:07.697+00:00", "eventName": "sequence.updated"})
    assert event.model().type == "sequence"


def test_unsigned_body_is_rejected_before_parsing():
    with pytest.raises(InvalidSignature):
        parse_verified(SECRET, b"not json", "00" * 32)


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'{"data": {}}', b'{"data": {"type": "task"}, "meta": {}}',
    b'{"data": {"type": "task", "id": "x"}, "meta": {"eventName": "task.updated"}}',
    b'{"data": {"type": "task", "id": 1}, "meta": {"eventName": "nodot"}}',
    b'{"data": {"type": "task", "id": 1}, "meta": {"eventName": "task.updated",'
    b' "deliveredAt": "yesterday"}}',
    b"\xff\xfe",
])
def test_malformed_delivery_raises_a_clear_error(body):
    with pytest.raises(MalformedDelivery):
        parse_delivery(body)
