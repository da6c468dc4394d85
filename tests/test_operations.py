"""Walk all 96 operations of the 17 types and validate every body against the upstream schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft7Validator

from mock_outreach.registry import load_registry

UPSTREAM = json.loads((Path(__file__).parent / "data" / "upstream_schemas.json").read_text())
REGISTRY = load_registry()
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

# A minimal valid create body per type: attributes and relationships to demo records.
CREATE = {
    "account": ({"name": "Walk Co"}, {}),
    "call": ({"direction": "outbound", "outcome": "Answered", "vendorCallId": "walk-1"},
             {"prospect": ("prospect", 1), "user": ("user", 1)}),
    "callDisposition": ({"name": "Walked", "outcome": "Answered"}, {}),
    "callPurpose": ({"name": "Walking"}, {}),
    "mailbox": ({"email": "walk@acme.example"}, {"user": ("user", 1)}),
    "mailing": ({"subject": "Hello", "bodyHtml": "<p>Hi</p>"},
                {"prospect": ("prospect", 1), "mailbox": ("mailbox", 1)}),
    "phoneNumber": ({"number": "+14155550199", "phoneType": "work"},
                    {"prospect": ("prospect", 1)}),
    "prospect": ({"firstName": "Walt", "lastName": "Walker", "emails": ["walt@walk.example"]},
                 {"owner": ("user", 1)}),
    "sequenceState": ({}, {"prospect": ("prospect", 2), "sequence": ("sequence", 1)}),
    "sequenceStep": ({"order": 9, "stepType": "call"}, {"sequence": ("sequence", 1)}),
    "sequenceTemplate": ({"isReply": False}, {"sequenceStep": ("sequenceStep", 1)}),
    "sequence": ({"name": "Walk sequence", "sequenceType": "interval"}, {}),
    "task": ({"action": "call", "dueAt": "2030-01-01T10:00:00.000Z"},
             {"owner": ("user", 1), "subject": ("prospect", 1)}),
    "team": ({"name": "Walkers"}, {}),
    "user": ({"email": "walker@acme.example", "firstName": "Wa", "lastName": "Lker"}, {}),
    "webhook": ({"url": "https://hooks.example.com/outreach"}, {}),
}
UPDATE = {"account": {"name": "Renamed"}, "callDisposition": {"name": "Renamed"},
          "callPurpose": {"name": "Renamed"}, "mailbox": {"emailSignature": "--"},
          "phoneNumber": {"number": "+14155550123"}, "prospect": {"title": "CTO"},
          "sequenceStep": {"taskNote": "Renamed"}, "sequenceTemplate": {"isReply": True},
          "sequence": {"name": "Renamed"}, "task": {"note": "Renamed"},
          "team": {"name": "Renamed"}, "user": {"title": "Lead"},
          "webhook": {"active": False}}
ACTION_PARAMS = {("task", "reschedule"): {"dueAt": "2031-01-01T00:00:00Z"},
                 ("task", "snooze"): {"dueAt": "2031-01-01T00:00:00Z"},
                 ("task", "reassignOwner"): {"ownerId": "2"},
                 ("task", "updateNote"): {"note": "n"},
                 ("task", "updateOpportunityAssociation"): {"opportunityAssociation": "noop"},
                 ("task", "markComplete"): {"completionNote": "done"}}
MEDIA = "application/vnd.api+json"


def validate_upstream(key: str, status: str, body: dict[str, Any]) -> None:
    schema = UPSTREAM["operations"][key][status]
    errors = list(Draft7Validator({**schema, "definitions": UPSTREAM["definitions"]})
                  .iter_errors(body))
    assert not errors, f"{key} {status}: {errors[0].message} at {list(errors[0].path)}"
    for resource in as_list(body.get("data")):
        check_resource_shape(resource)


def as_list(data: Any) -> list[dict[str, Any]]:
    return data if isinstance(data, list) else [data] if data else []


def check_resource_shape(resource: dict[str, Any]) -> None:
    """Attributes are exactly the upstream readable ones; timestamps are Outreach's format."""
    rtype = REGISTRY[resource["type"]]
    upstream = set(UPSTREAM["definitions"][rtype.name]["properties"])
    readable = {a.name for a in rtype.attributes.values() if not a.write_only}
    assert set(resource["attributes"]) == readable
    assert set(resource["attributes"]) <= upstream
    for name, value in resource["attributes"].items():
        if rtype.attributes[name].format == "date-time" and value is not None:
            assert TIMESTAMP.match(value), (name, value)
    assert resource["links"]["self"].endswith(f"/{rtype.collection}/{resource['id']}")


def body_for(type_name: str, attrs: dict[str, Any], rels: dict[str, tuple[str, int]],
             record_id: int | None = None) -> str:
    data: dict[str, Any] = {"type": type_name, "attributes": attrs,
                            "relationships": {k: {"data": {"type": t, "id": i}}
                                              for k, (t, i) in rels.items()}}
    if record_id is not None:
        data["id"] = record_id
    return json.dumps({"data": data})


def walk_type(client: FlaskClient, auth: dict[str, str], type_name: str) -> set[str]:
    """Exercise every upstream operation of one type; returns the operation keys seen."""
    rtype = REGISTRY[type_name]
    coll, seen = f"/{rtype.collection}", set()
    headers = {**auth, "Content-Type": MEDIA}
    record_id = None
    if "create" in rtype.operations:
        attrs, rels = CREATE[type_name]
        reply = client.post(f"/api/v2{coll}", data=body_for(type_name, attrs, rels),
                            headers=headers)
        assert reply.status_code == 201, reply.get_data(as_text=True)
        validate_upstream(f"POST {coll}", "201", reply.get_json())
        record_id = reply.get_json()["data"]["id"]
        seen.add(f"POST {coll}")
    reply = client.get(f"/api/v2{coll}?page[size]=5", headers=auth)
    assert reply.status_code == 200
    validate_upstream(f"GET {coll}", "200", reply.get_json())
    seen.add(f"GET {coll}")
    record_id = record_id or reply.get_json()["data"][0]["id"]
    member = f"{coll}/{{id}}"
    reply = client.get(f"/api/v2{coll}/{record_id}", headers=auth)
    assert reply.status_code == 200
    validate_upstream(f"GET {member}", "200", reply.get_json())
    seen.add(f"GET {member}")
    if "update" in rtype.operations:
        reply = client.patch(f"/api/v2{coll}/{record_id}", headers=headers,
                             data=body_for(type_name, UPDATE[type_name], {}, record_id))
        assert reply.status_code == 200, reply.get_data(as_text=True)
        validate_upstream(f"PATCH {member}", "200", reply.get_json())
        seen.add(f"PATCH {member}")
    for action in rtype.actions:
        seen.add(run_action(client, auth, type_name, record_id, action))
    if "delete" in rtype.operations:
        reply = client.delete(f"/api/v2{coll}/{record_id}", headers=auth)
        assert reply.status_code == 204 and reply.get_data() == b""
        assert client.get(f"/api/v2{coll}/{record_id}", headers=auth).status_code == 404
        seen.add(f"DELETE {member}")
    return seen


def run_action(client: FlaskClient, auth: dict[str, str], type_name: str, record_id: int,
               action: str) -> str:
    rtype = REGISTRY[type_name]
    if type_name in ("task", "sequenceState"):
        record_id = fresh(client, auth, type_name)
    if (type_name, action) == ("sequenceState", "resume"):
        client.post(f"/api/v2/sequenceStates/{record_id}/actions/pause", headers=auth)
    params = ACTION_PARAMS.get((type_name, action), {})
    query = "&".join(f"actionParams[{k}]={v}" for k, v in params.items())
    path = f"/{rtype.collection}/{{id}}/actions/{action}"
    reply = client.post(f"/api/v2/{rtype.collection}/{record_id}/actions/{action}?{query}",
                        headers=auth)
    assert reply.status_code == 200, (action, reply.get_data(as_text=True))
    validate_upstream(f"POST {path}", "200", reply.get_json())
    return f"POST {path}"


def fresh(client: FlaskClient, auth: dict[str, str], type_name: str) -> int:
    """A new record in its initial state, so that each action starts from the same place."""
    attrs, rels = CREATE[type_name]
    reply = client.post(f"/api/v2/{REGISTRY[type_name].collection}",
                        data=body_for(type_name, attrs, rels),
                        headers={**auth, "Content-Type": MEDIA})
    return reply.get_json()["data"]["id"]


@pytest.mark.parametrize("type_name", [t.name for t in REGISTRY])
def test_every_operation_of_type_validates_against_upstream(client, auth, type_name):
    seen = walk_type(client, auth, type_name)
    rtype = REGISTRY[type_name]
    expected = {k for k in UPSTREAM["operations"]
                if k.split(" ")[1].split("/")[1] == rtype.collection}
    assert seen == expected


def test_walk_covers_all_96_upstream_operations():
    total = sum(len(t.operations) + len(t.actions) for t in REGISTRY)
    assert total == 96 == len(UPSTREAM["operations"])


def test_unset_attributes_are_rendered_as_null(client, auth):
    reply = client.post("/api/v2/accounts", data=body_for("account", {"name": "Bare"}, {}),
                        headers={**auth, "Content-Type": MEDIA})
    attributes = reply.get_json()["data"]["attributes"]
    assert attributes["name"] == "Bare"
    assert attributes["websiteUrl"] is None and attributes["custom150"] is None
