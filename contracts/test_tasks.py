"""Task completion: markComplete closes the task, and closed tasks leave the call queue."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from outreach_contracts.factories import Factory
from outreach_contracts.support import (
    assert_error,
    ids,
    later,
    linkage,
    parse_iso,
    queue_params,
    target_now,
)
from outreach_contracts.targets import Target

pytestmark = [pytest.mark.validated("mock", "url"), pytest.mark.writes]


@pytest.fixture
def task(target: Target, factory: Factory, rep: dict[str, Any]) -> dict[str, Any]:
    """An open call task, due a minute ago, on a tagged prospect of the rep's."""
    prospect = factory.create("prospects", {"firstName": "Tess", "lastName": "Task"})
    return factory.create("tasks", {"action": "call", "dueAt": later(target_now(target),
                                                                       minutes=-1)},
                          {"subject": prospect, "owner": {"type": "user", "id": rep["id"]}})


def complete(api: httpx.Client, task_id: int, **params: str) -> httpx.Response:
    query = {f"actionParams[{k}]": v for k, v in params.items()}
    return api.post(f"/tasks/{task_id}/actions/markComplete", params=query)


def test_task_created_through_the_api_starts_incomplete_and_manual(task: dict[str, Any]) -> None:
    attrs = task["attributes"]
    assert attrs["state"] == "incomplete"
    assert attrs["completed"] is False
    assert attrs["completedAt"] is None
    assert attrs["taskType"] == "manual"


def test_mark_complete_sets_state_completed_and_completed_at(
        target: Target, api: httpx.Client, task: dict[str, Any]) -> None:
    before = target_now(target)
    response = complete(api, task["id"])
    assert response.status_code == 200, response.text[:300]
    attrs = response.json()["data"]["attributes"]
    assert attrs["state"] == "complete"
    assert attrs["completed"] is True
    assert parse_iso(attrs["completedAt"]) >= before.replace(microsecond=0)


def test_completion_reads_back_on_a_fresh_fetch(api: httpx.Client, task: dict[str, Any]) -> None:
    assert complete(api, task["id"]).status_code == 200
    attrs = api.get(f"/tasks/{task['id']}").json()["data"]["attributes"]
    assert (attrs["state"], attrs["completed"]) == ("complete", True)
    assert attrs["completedAt"]


def test_open_task_is_in_the_call_queue_and_completed_task_is_not(
        target: Target, api: httpx.Client, task: dict[str, Any], rep: dict[str, Any]) -> None:
    def queue() -> list[int]:
        params = queue_params(rep["id"], target_now(target), **{"page[size]": "1000"})
        return ids(api.get("/tasks", params=params).json())

    assert task["id"] in queue()
    assert complete(api, task["id"]).status_code == 200
    assert task["id"] not in queue()


def test_completed_task_is_found_by_the_complete_state_filter(
        api: httpx.Client, task: dict[str, Any]) -> None:
    assert complete(api, task["id"]).status_code == 200
    found = api.get("/tasks", params={"filter[state]": "complete",
                                      "filter[id]": str(task["id"])}).json()
    assert ids(found) == [task["id"]]


def test_mark_complete_with_a_note_answers_200(api: httpx.Client, task: dict[str, Any]) -> None:
    response = complete(api, task["id"], completionNote="Left a voicemail")
    assert response.status_code == 200
    assert response.json()["data"]["id"] == task["id"]


def test_unknown_task_action_is_404(api: httpx.Client, task: dict[str, Any]) -> None:
    assert_error(api.post(f"/tasks/{task['id']}/actions/teleport"), 404)


def test_mark_complete_on_a_missing_task_is_404(api: httpx.Client) -> None:
    assert_error(api.post("/tasks/999999999/actions/markComplete"), 404, "resourceNotFound")


def test_reschedule_moves_the_due_date(target: Target, api: httpx.Client,
                                       task: dict[str, Any]) -> None:
    due = later(target_now(target), days=1)
    response = api.post(f"/tasks/{task['id']}/actions/reschedule",
                        params={"actionParams[dueAt]": due})
    assert response.status_code == 200, response.text[:300]
    assert parse_iso(response.json()["data"]["attributes"]["dueAt"]) == parse_iso(due)


@pytest.mark.mock_only("Outreach's answer to completing twice is undocumented")
def test_completing_a_completed_task_is_refused(target: Target, api: httpx.Client,
                                                task: dict[str, Any]) -> None:
    assert complete(api, task["id"]).status_code == 200
    assert_error(complete(api, task["id"]), 422)


@pytest.mark.mock_only("completes a seeded sequence task; live touches only its own records")
def test_completing_a_sequence_task_advances_its_sequence_state(
        target: Target, api: httpx.Client, rep: dict[str, Any]) -> None:
    tasks = api.get("/tasks", params={"filter[owner][id]": str(rep["id"]),
                                      "filter[state]": "incomplete",
                                      "filter[taskType]": "sequence_step_call"}).json()["data"]
    seq_task = next(t for t in tasks if linkage(t, "sequenceState"))
    state_id = linkage(seq_task, "sequenceState")["id"]
    before = api.get(f"/sequenceStates/{state_id}").json()["data"]
    assert complete(api, seq_task["id"]).status_code == 200
    after = api.get(f"/sequenceStates/{state_id}").json()["data"]
    moved = linkage(after, "sequenceStep") != linkage(before, "sequenceStep")
    assert moved or after["attributes"]["state"] == "finished"
