"""Call logging: what a dialer writes reads back unchanged; bad values get 422 with a pointer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from outreach_contracts.factories import WRITE_HEADERS, Factory, body, link
from outreach_contracts.support import assert_error, errors_of, later, linkage, target_now
from outreach_contracts.targets import Target

pytestmark = [pytest.mark.validated("mock", "url"), pytest.mark.writes]


@pytest.fixture
def scene(target: Target, api: httpx.Client, factory: Factory,
          rep: dict[str, Any]) -> dict[str, Any]:
    """A tagged prospect with a phone number and an open call task, plus the call lookups."""
    prospect = factory.create("prospects", {"firstName": "Cora", "lastName": "Contract",
                                            "title": "QA Lead"})
    number = factory.create("phoneNumbers", {"number": "+14155550123", "phoneType": "mobile"},
                            {"prospect": prospect})
    now = target_now(target)
    task = factory.create("tasks", {"action": "call", "dueAt": later(now, minutes=-5),
                                    "note": "contract call"},
                          {"subject": prospect, "owner": {"type": "user", "id": rep["id"]}})
    lookups = {}
    for collection in ("callDispositions", "callPurposes"):
        found = api.get(f"/{collection}", params={"page[size]": "1"}).json()["data"]
        if not found:
            pytest.skip(f"the target has no {collection}")
        lookups[collection] = found[0]
    return {"prospect": prospect, "phoneNumber": number, "task": task, "now": now,
            "user": {"type": "user", "id": rep["id"]},
            "callDisposition": lookups["callDispositions"],
            "callPurpose": lookups["callPurposes"]}


def call_attributes(now: Any) -> dict[str, Any]:
    return {"direction": "outbound", "outcome": "Answered", "note": "Booked a demo",
            "dialedAt": later(now, seconds=-300), "answeredAt": later(now, seconds=-291),
            "completedAt": later(now, seconds=-20), "from": "+14155550100",
            "to": "+14155550123", "recordingUrl": "https://dialer.example/rec/abc.mp3",
            "externalVendor": "Contract Dialer", "vendorCallId": "vendor-abc-123"}


def call_links(scene: dict[str, Any]) -> dict[str, Any]:
    names = ("prospect", "user", "task", "callDisposition", "callPurpose", "phoneNumber")
    return {name: link(scene[name]) for name in names}


def post_call(api: httpx.Client, attributes: dict[str, Any],
              relationships: dict[str, Any] | None = None) -> httpx.Response:
    return api.post("/calls", json=body("call", attributes, relationships),
                    headers=WRITE_HEADERS)


@pytest.fixture
def logged(api: httpx.Client, factory: Factory, scene: dict[str, Any]) -> dict[str, Any]:
    """A call logged the way the dialer logs it, read back by id."""
    attributes = call_attributes(scene["now"])
    created = post_call(api, attributes, call_links(scene))
    assert created.status_code == 201, created.text[:500]
    call = created.json()["data"]
    factory.created.append(("calls", call["id"]))
    fetched = api.get(f"/calls/{call['id']}")
    assert fetched.status_code == 200
    return {"sent": attributes, "created": call, "fetched": fetched.json()["data"]}


def test_logged_call_reads_back_every_attribute_unchanged(logged: dict[str, Any]) -> None:
    for name, value in logged["sent"].items():
        assert logged["fetched"]["attributes"][name] == value, name
        assert logged["created"]["attributes"][name] == value, name


def test_logged_call_reads_back_every_relationship(logged: dict[str, Any],
                                                   scene: dict[str, Any]) -> None:
    for name, value in call_links(scene).items():
        assert linkage(logged["fetched"], name) == value["data"], name


def test_create_answers_201_with_location_and_integer_id(api: httpx.Client, factory: Factory,
                                                         scene: dict[str, Any]) -> None:
    created = post_call(api, {"direction": "inbound", "outcome": "Not Answered"},
                        {"prospect": link(scene["prospect"])})
    assert created.status_code == 201
    call = created.json()["data"]
    factory.created.append(("calls", call["id"]))
    assert isinstance(call["id"], int) and call["type"] == "call"
    assert call["links"]["self"].endswith(f"/calls/{call['id']}")


def test_logged_call_is_found_by_its_task(api: httpx.Client, logged: dict[str, Any],
                                          scene: dict[str, Any]) -> None:
    response = api.get("/calls", params={"filter[task][id]": str(scene["task"]["id"])})
    assert [c["id"] for c in response.json()["data"]] == [logged["created"]["id"]]


def test_deleted_call_is_gone(api: httpx.Client, factory: Factory,
                              logged: dict[str, Any]) -> None:
    call_id = logged["created"]["id"]
    assert api.delete(f"/calls/{call_id}").status_code == 204
    factory.forget("calls", call_id)
    assert_error(api.get(f"/calls/{call_id}"), 404, "resourceNotFound")


@pytest.mark.parametrize(("name", "value"), [
    ("direction", "sideways"),
    ("direction", "Outbound"),
    ("outcome", "Maybe"),
    ("outcome", "answered"),
    ("sequenceAction", "Skip"),
    ("userCallType", "carrier-pigeon"),
])
def test_value_outside_its_enum_is_refused_with_a_pointer(api: httpx.Client, name: str,
                                                          value: str) -> None:
    error = assert_error(post_call(api, {"direction": "outbound", name: value}), 422)
    assert error["source"]["pointer"] == f"/data/attributes/{name}"


@pytest.mark.parametrize("url", ["ftp://dialer.example/rec.mp3", "javascript:alert(1)",
                                 "dialer.example/rec.mp3"])
def test_recording_url_must_be_http_or_https(api: httpx.Client, url: str) -> None:
    error = assert_error(post_call(api, {"direction": "outbound", "recordingUrl": url}), 422)
    assert error["source"]["pointer"] == "/data/attributes/recordingUrl"


def test_vendor_call_id_longer_than_63_characters_is_refused(api: httpx.Client) -> None:
    response = post_call(api, {"direction": "outbound", "vendorCallId": "x" * 64})
    error = assert_error(response, 422)
    assert error["source"]["pointer"] == "/data/attributes/vendorCallId"


def test_vendor_call_id_of_63_characters_is_kept(api: httpx.Client, factory: Factory) -> None:
    response = post_call(api, {"direction": "outbound", "vendorCallId": "v" * 63})
    assert response.status_code == 201
    factory.created.append(("calls", response.json()["data"]["id"]))
    assert response.json()["data"]["attributes"]["vendorCallId"] == "v" * 63


def test_every_invalid_attribute_is_reported(api: httpx.Client) -> None:
    errors = errors_of(post_call(api, {"direction": "up", "outcome": "Maybe"}), 422)
    pointers = {e.get("source", {}).get("pointer") for e in errors}
    assert {"/data/attributes/direction", "/data/attributes/outcome"} <= pointers


def test_link_to_a_missing_prospect_is_refused(api: httpx.Client) -> None:
    response = post_call(api, {"direction": "outbound"},
                         {"prospect": {"data": {"type": "prospect", "id": 999999999}}})
    assert_error(response, 422)


def test_unknown_attribute_is_refused_as_not_permitted(api: httpx.Client) -> None:
    response = post_call(api, {"direction": "outbound", "duration": 42})
    assert_error(response, 400, "permittedParams.unknownAttribute")


@pytest.mark.mock_only("fidelity decision 5: whether a logged call completes its task is unknown")
def test_logging_a_call_leaves_its_task_open(target: Target, api: httpx.Client,
                                             logged: dict[str, Any],
                                             scene: dict[str, Any]) -> None:
    task = api.get(f"/tasks/{scene['task']['id']}").json()["data"]
    assert task["attributes"]["state"] == "incomplete"


@pytest.mark.mock_only("links seeded sequence records; live runs touch only their own records")
def test_call_reads_back_its_sequence_step_and_state(target: Target, api: httpx.Client,
                                                     factory: Factory,
                                                     rep: dict[str, Any]) -> None:
    tasks = api.get("/tasks", params={"filter[owner][id]": str(rep["id"]),
                                      "filter[taskType]": "sequence_step_call"}).json()["data"]
    task = next(t for t in tasks if linkage(t, "sequenceState"))
    links = {name: {"data": linkage(task, name)}
             for name in ("prospect", "sequence", "sequenceStep", "sequenceState")}
    created = post_call(api, {"direction": "outbound", "outcome": "Answered"},
                        {**links, "task": link(task)})
    assert created.status_code == 201, created.text[:300]
    call = created.json()["data"]
    factory.created.append(("calls", call["id"]))
    fetched = api.get(f"/calls/{call['id']}").json()["data"]
    for name, value in links.items():
        assert linkage(fetched, name) == value["data"], name
