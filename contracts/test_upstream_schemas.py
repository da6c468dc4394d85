"""Responses validate against Outreach's own schemas (reduced from its OpenAPI) on any target."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from outreach_contracts import upstream
from outreach_contracts.factories import WRITE_HEADERS, Factory, body
from outreach_contracts.support import later, target_now
from outreach_contracts.targets import Target

pytestmark = [pytest.mark.validated("mock", "url"),
              pytest.mark.skipif(upstream.load() is None,
                                 reason="tests/data/upstream_schemas.json is absent")]
COLLECTIONS = ["users", "calls", "accounts", "webhooks", "teams", "prospects", "mailboxes",
               "phoneNumbers", "callDispositions", "callPurposes", "events", "tasks",
               "mailings", "sequences", "sequenceTemplates", "sequenceSteps", "sequenceStates"]


def assert_conforms(operation: str, response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 300, response.text[:300]
    doc = response.json()
    assert upstream.violations(operation, response.status_code, doc) == []
    return doc


def test_upstream_schemas_cover_all_96_operations(target: Target) -> None:
    assert len(upstream.operations()) == 96


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_list_and_get_conform_to_outreachs_schema(api: httpx.Client, collection: str) -> None:
    listed = assert_conforms(f"GET /{collection}", api.get(f"/{collection}",
                                                          params={"page[size]": "25"}))
    if listed["data"]:
        first = listed["data"][0]["id"]
        assert_conforms(f"GET /{collection}/{{id}}", api.get(f"/{collection}/{first}"))


@pytest.mark.writes
def test_logged_call_and_completed_task_conform_to_outreachs_schema(
        target: Target, api: httpx.Client, factory: Factory, rep: dict[str, Any]) -> None:
    prospect = factory.create("prospects", {"firstName": "Sam", "lastName": "Schema"})
    task = factory.create("tasks", {"action": "call", "dueAt": later(target_now(target),
                                                                       minutes=-1)},
                          {"subject": prospect, "owner": {"type": "user", "id": rep["id"]}})
    created = api.post("/calls", headers=WRITE_HEADERS, json=body(
        "call", {"direction": "outbound", "outcome": "Answered"},
        {"prospect": prospect, "task": task}))
    call = assert_conforms("POST /calls", created)["data"]
    factory.created.append(("calls", call["id"]))
    assert_conforms("POST /tasks/{id}/actions/markComplete",
                    api.post(f"/tasks/{task['id']}/actions/markComplete"))
