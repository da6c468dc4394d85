"""Webhooks: https-only resources; signed deliveries of created, updated and completed events."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from outreach_contracts.factories import WRITE_HEADERS, Factory, body
from outreach_contracts.support import assert_error, later, target_now
from outreach_contracts.targets import MEDIA_TYPE, Target

pytestmark = [pytest.mark.validated("mock", "url"), pytest.mark.writes]
SECRET = "contract-secret"
Hook = Callable[..., dict[str, Any]]


@pytest.fixture
def receiver(target: Target) -> Iterator[Any]:
    """A loopback HTTP receiver the mock delivers to."""
    if not target.is_mock:
        pytest.skip("mock only: a live Outreach cannot reach a loopback receiver")
    from mock_outreach.receiver import Receiver

    with Receiver() as running:
        yield running


@pytest.fixture
def hook(factory: Factory, receiver: Any) -> Hook:
    """Creates an active webhook for a resource and action, delivering to the receiver."""
    def make(resource: str, action: str = "*", path: str = "/hook") -> dict[str, Any]:
        return factory.create("webhooks", {"url": receiver.url(path), "resource": resource,
                                           "action": action, "secret": SECRET})
    return make


def deliveries(target: Target, receiver: Any, path: str = "/hook",
               count: int = 1) -> list[Any]:
    """Let the mock deliver what is due, then what the receiver got on `path`."""
    target.control("POST", "/webhooks/run", json={"drain": True})
    return receiver.wait_for(count, path, timeout=5)


def events(received: list[Any]) -> list[str]:
    return [item.event_name for item in received]


def test_webhook_with_an_https_url_is_created_active(target: Target, factory: Factory) -> None:
    created = factory.create("webhooks", {"url": "https://hooks.example/outreach",
                                          "resource": "task", "action": "completed"})
    attrs = created["attributes"]
    assert attrs["url"] == "https://hooks.example/outreach"
    assert (attrs["resource"], attrs["action"], attrs["active"]) == ("task", "completed", True)
    assert "secret" not in attrs or attrs["secret"] in (None, "")


def test_webhook_resource_and_action_default_to_star(target: Target, factory: Factory) -> None:
    created = factory.create("webhooks", {"url": "https://hooks.example/all"})
    assert (created["attributes"]["resource"], created["attributes"]["action"]) == ("*", "*")


@pytest.mark.parametrize("url", ["http://hooks.example/outreach", "ftp://hooks.example/x",
                                 "not a url"])
def test_webhook_url_that_is_not_https_is_refused(target: Target, api: httpx.Client,
                                                  url: str) -> None:
    response = api.post("/webhooks", json=body("webhook", {"url": url}), headers=WRITE_HEADERS)
    error = assert_error(response, 422)
    assert error["source"]["pointer"] == "/data/attributes/url"


@pytest.mark.mock_only("delivers to a loopback receiver")
def test_created_prospect_is_delivered_signed_with_the_secret(
        target: Target, factory: Factory, hook: Hook, receiver: Any) -> None:
    hook("prospect", "created")
    prospect = factory.create("prospects", {"firstName": "Wendy", "lastName": "Webhook"})
    got = deliveries(target, receiver)
    assert events(got) == ["prospect.created"]
    delivery = got[0]
    expected = hmac.new(SECRET.encode(), delivery.body, hashlib.sha256).hexdigest()
    headers = {k.lower(): v for k, v in delivery.headers.items()}
    assert headers["outreach-webhook-signature"] == expected
    assert headers["content-type"].startswith(MEDIA_TYPE)
    doc = delivery.json()
    assert doc["data"]["id"] == prospect["id"] and doc["data"]["type"] == "prospect"
    assert doc["meta"]["deliveredAt"]


@pytest.mark.mock_only("delivers to a loopback receiver")
def test_update_delivery_carries_only_the_changed_attributes(
        target: Target, api: httpx.Client, factory: Factory, hook: Hook, receiver: Any) -> None:
    prospect = factory.create("prospects", {"firstName": "Uma", "lastName": "Update"})
    hook("prospect", "updated")
    response = api.patch(f"/prospects/{prospect['id']}", headers=WRITE_HEADERS,
                         json=body("prospect", {"title": "CTO"}, id=prospect["id"]))
    assert response.status_code == 200
    got = deliveries(target, receiver)
    assert events(got) == ["prospect.updated"]
    attrs = got[0].json()["data"]["attributes"]
    assert attrs["title"] == "CTO"
    assert "firstName" not in attrs and "lastName" not in attrs


@pytest.mark.mock_only("delivers to a loopback receiver")
def test_completing_a_task_delivers_task_completed(
        target: Target, api: httpx.Client, factory: Factory, hook: Hook, receiver: Any,
        rep: dict[str, Any]) -> None:
    prospect = factory.create("prospects", {"firstName": "Cal", "lastName": "Complete"})
    task = factory.create("tasks", {"action": "call", "dueAt": later(target_now(target),
                                                                       minutes=-1)},
                          {"subject": prospect, "owner": {"type": "user", "id": rep["id"]}})
    hook("task", "completed")
    assert api.post(f"/tasks/{task['id']}/actions/markComplete").status_code == 200
    got = deliveries(target, receiver)
    assert events(got) == ["task.completed"]
    assert got[0].json()["data"]["id"] == task["id"]


@pytest.mark.mock_only("delivers to a loopback receiver")
def test_webhook_for_another_resource_stays_silent(
        target: Target, factory: Factory, hook: Hook, receiver: Any) -> None:
    hook("account", "*", path="/accounts-only")
    hook("prospect", "created", path="/prospects")
    factory.create("prospects", {"firstName": "Sid", "lastName": "Silent"})
    assert events(deliveries(target, receiver, "/prospects")) == ["prospect.created"]
    assert receiver.on("/accounts-only") == []


@pytest.mark.mock_only("delivers to a loopback receiver")
def test_inactive_webhook_delivers_nothing(target: Target, api: httpx.Client, factory: Factory,
                                           hook: Hook, receiver: Any) -> None:
    silent = hook("prospect", "*", path="/inactive")
    hook("prospect", "created", path="/active")
    response = api.patch(f"/webhooks/{silent['id']}", headers=WRITE_HEADERS,
                         json=body("webhook", {"active": False}, id=silent["id"]))
    assert response.status_code == 200
    factory.create("prospects", {"firstName": "Ina", "lastName": "Active"})
    assert events(deliveries(target, receiver, "/active")) == ["prospect.created"]
    assert receiver.on("/inactive") == []


@pytest.mark.mock_only("delivers to a loopback receiver")
def test_logged_call_is_delivered_as_call_created(
        target: Target, api: httpx.Client, factory: Factory, hook: Hook, receiver: Any) -> None:
    hook("call", "created")
    created = api.post("/calls", headers=WRITE_HEADERS,
                       json=body("call", {"direction": "outbound", "outcome": "Answered"}))
    assert created.status_code == 201
    factory.created.append(("calls", created.json()["data"]["id"]))
    got = deliveries(target, receiver)
    assert events(got) == ["call.created"]
    assert got[0].json()["data"]["attributes"]["outcome"] == "Answered"
