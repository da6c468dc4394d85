"""Just-in-time fetch: the rep's call queue with its includes, fresh reads by id, lookups."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from outreach_contracts.support import (
    QUEUE_INCLUDE,
    assert_error,
    included_keys,
    linkage,
    parse_iso,
    queue_params,
    require_data,
    target_now,
)
from outreach_contracts.targets import Target

pytestmark = pytest.mark.validated("mock", "url")

QUEUE_TYPES = {"prospect": "prospect", "account": "account", "sequence": "sequence",
               "sequenceStep": "sequenceStep", "sequenceState": "sequenceState"}


@pytest.fixture
def queue(target: Target, api: httpx.Client, rep: dict[str, Any]) -> dict[str, Any]:
    """The first page of the rep's call queue."""
    params = queue_params(rep["id"], target_now(target), **{"page[size]": "100"})
    response = api.get("/tasks", params=params)
    assert response.status_code == 200, response.text[:400]
    doc = response.json()
    require_data(target, doc["data"], "open tasks due now for the rep")
    return doc


def test_call_queue_holds_only_the_reps_incomplete_tasks_due_by_now(
        target: Target, queue: dict[str, Any], rep: dict[str, Any]) -> None:
    now = target_now(target)
    for task in queue["data"]:
        assert task["type"] == "task"
        assert linkage(task, "owner") == {"type": "user", "id": rep["id"]}
        assert task["attributes"]["state"] == "incomplete"
        assert parse_iso(task["attributes"]["dueAt"]) <= now


def test_call_queue_contains_call_tasks(queue: dict[str, Any]) -> None:
    actions = {task["attributes"]["action"] for task in queue["data"]}
    assert "call" in actions


def test_call_queue_includes_every_linked_prospect_account_and_sequence(
        queue: dict[str, Any]) -> None:
    included = set(included_keys(queue))
    for task in queue["data"]:
        for name in QUEUE_TYPES:
            linked = linkage(task, name)
            if linked is not None:
                assert (linked["type"], linked["id"]) in included, (task["id"], name)


def test_call_queue_lists_each_included_resource_once(queue: dict[str, Any]) -> None:
    keys = included_keys(queue)
    assert len(keys) == len(set(keys))
    assert {kind for kind, _ in keys} <= set(QUEUE_TYPES.values())


def test_included_prospect_has_what_a_dialer_shows(queue: dict[str, Any]) -> None:
    prospects = [r for r in queue["included"] if r["type"] == "prospect"]
    assert prospects
    for prospect in prospects:
        attrs = prospect["attributes"]
        for name in ("firstName", "lastName", "name", "title", "company", "emails",
                     "mobilePhones", "workPhones", "homePhones"):
            assert name in attrs, name
        assert prospect["links"]["self"].endswith(f"/prospects/{prospect['id']}")


def test_task_fetched_again_by_id_matches_the_queue(api: httpx.Client,
                                                    queue: dict[str, Any]) -> None:
    listed = queue["data"][0]
    response = api.get(f"/tasks/{listed['id']}", params={"include": QUEUE_INCLUDE})
    assert response.status_code == 200
    fresh = response.json()
    assert fresh["data"]["attributes"] == listed["attributes"]
    assert fresh["data"]["relationships"] == listed["relationships"]
    assert set(included_keys(fresh)) <= set(included_keys(queue))


def test_nested_include_adds_the_prospects_account(api: httpx.Client,
                                                   queue: dict[str, Any]) -> None:
    task = queue["data"][0]
    response = api.get(f"/tasks/{task['id']}", params={"include": "prospect.account"})
    assert response.status_code == 200
    doc = response.json()
    prospect = next(r for r in doc["included"] if r["type"] == "prospect")
    account = linkage(prospect, "account")
    if account is not None:
        assert (account["type"], account["id"]) in included_keys(doc)


def test_sparse_fieldset_returns_only_the_requested_prospect_attributes(
        target: Target, api: httpx.Client, rep: dict[str, Any]) -> None:
    params = queue_params(rep["id"], target_now(target), include="prospect",
                          **{"fields[prospect]": "firstName,lastName"})
    response = api.get("/tasks", params=params)
    assert response.status_code == 200
    prospects = [r for r in response.json().get("included", []) if r["type"] == "prospect"]
    require_data(target, prospects, "prospects behind the rep's queue")
    for prospect in prospects:
        assert set(prospect["attributes"]) <= {"firstName", "lastName"}
        assert "firstName" in prospect["attributes"]


def test_sparse_fieldset_on_the_primary_type_trims_its_attributes(
        api: httpx.Client, queue: dict[str, Any]) -> None:
    task = queue["data"][0]
    response = api.get(f"/tasks/{task['id']}", params={"fields[task]": "dueAt,state"})
    assert response.status_code == 200
    assert set(response.json()["data"]["attributes"]) == {"dueAt", "state"}


def test_unknown_field_in_a_fieldset_is_refused(api: httpx.Client) -> None:
    response = api.get("/prospects", params={"fields[prospect]": "firstName,notAField"})
    assert_error(response, 400, "fieldsParameter.unknownResourceField")


def test_unknown_include_is_refused(api: httpx.Client) -> None:
    assert_error(api.get("/tasks", params={"include": "notARelationship"}), 400)


@pytest.mark.parametrize("collection", ["callDispositions", "callPurposes"])
def test_call_lookups_list_name_and_order(target: Target, api: httpx.Client,
                                          collection: str) -> None:
    response = api.get(f"/{collection}", params={"sort": "order"})
    assert response.status_code == 200
    items = response.json()["data"]
    require_data(target, items, collection)
    for item in items:
        assert item["attributes"]["name"]
        assert "order" in item["attributes"]


def test_dispositions_carry_an_answered_outcome(target: Target, api: httpx.Client) -> None:
    response = api.get("/callDispositions", params={"filter[outcome]": "Answered"})
    assert response.status_code == 200
    items = response.json()["data"]
    require_data(target, items, "answered call dispositions")
    assert {item["attributes"]["outcome"] for item in items} == {"Answered"}


def test_prospect_phone_numbers_link_back_to_the_prospect(
        target: Target, api: httpx.Client, queue: dict[str, Any]) -> None:
    prospect = next(r for r in queue["included"] if r["type"] == "prospect")
    response = api.get("/phoneNumbers", params={"filter[prospect][id]": str(prospect["id"])})
    assert response.status_code == 200
    numbers = response.json()["data"]
    require_data(target, numbers, "phone numbers on a queued prospect")
    for number in numbers:
        assert linkage(number, "prospect") == {"type": "prospect", "id": prospect["id"]}
        assert number["attributes"]["number"]
