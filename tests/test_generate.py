"""The generated dataset: deterministic, internally consistent, and usable through the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from outreach_fixtures.generate import load_generated, sizes

from mock_outreach.app import create_app
from mock_outreach.clock import parse_iso

AVA = "ava.reed@acme.example"


def generated(prospects: int = 200, seed: int = 1) -> Flask:
    return create_app({"prospects": prospects, "seed": seed, "webhook_worker": False})


def rows(app: Flask, sql: str, params: tuple = ()) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in app.extensions["mock_outreach"].store.query(sql, params)]


def headers(app: Flask) -> dict[str, str]:
    reply = app.test_client().post("/__mock__/tokens", json={"email": AVA})
    assert reply.status_code == 201, reply.get_data(as_text=True)
    return {"Authorization": f"Bearer {reply.get_json()['access_token']}"}


@pytest.fixture(scope="module")
def app() -> Flask:
    return generated()


def test_same_seed_gives_the_same_org_and_another_seed_a_different_one() -> None:
    sql = 'SELECT id, name, title, company, "account.id" FROM r_prospect ORDER BY id'
    first, again, other = generated(seed=5), generated(seed=5), generated(seed=6)
    assert rows(first, sql) == rows(again, sql)
    assert rows(first, sql) != rows(other, sql)


def test_counts_are_proportional_to_the_prospects(app: Flask) -> None:
    expected = sizes(200)
    assert rows(app, "SELECT count(*) FROM r_prospect") == [(200,)]
    assert rows(app, "SELECT count(*) FROM r_account") == [(expected["accounts"],)]
    assert rows(app, "SELECT count(*) FROM r_sequence") == [(expected["sequences"],)]
    assert rows(app, "SELECT count(*) FROM r_sequenceStep") == [(3 * expected["sequences"],)]
    assert rows(app, "SELECT count(*) FROM r_task") == [(50,)]
    assert rows(app, "SELECT count(*) FROM r_sequenceState") == [(50,)]
    assert rows(app, "SELECT count(*) FROM r_callDisposition")[0][0] > 0
    assert rows(app, "SELECT count(*) FROM r_callPurpose")[0][0] > 0


def test_phone_arrays_match_the_phone_number_records(app: Flask) -> None:
    prospects = rows(app, 'SELECT id, "workPhones", "mobilePhones", "phoneNumbers.ids" '
                          "FROM r_prospect")
    for pid, work, mobile, ids in prospects:
        phones = rows(app, 'SELECT id, "phoneType", number FROM r_phoneNumber '
                           'WHERE "prospect.id" = ? ORDER BY "order"', (pid,))
        assert [p[0] for p in phones] == json.loads(ids)
        assert [p[2] for p in phones if p[1] == "work"] == json.loads(work)
        assert [p[2] for p in phones if p[1] == "mobile"] == json.loads(mobile)


def test_names_derive_from_first_and_last_and_timestamps_lie_in_the_past(app: Flask) -> None:
    now = app.extensions["mock_outreach"].clock.now()
    for first, last, name, created, updated in rows(
            app, 'SELECT "firstName", "lastName", name, "createdAt", "updatedAt" FROM r_prospect'):
        assert name == f"{first} {last}"
        assert parse_iso(created) < now and parse_iso(updated) < now


def test_a_rep_can_load_the_call_queue_with_includes(app: Flask) -> None:
    auth = headers(app)
    ava = rows(app, "SELECT id FROM r_user WHERE email = ?", (AVA,))[0][0]
    reply = app.test_client().get(
        f"/api/v2/tasks?filter[owner][id]={ava}&filter[state]=incomplete"
        "&include=prospect,account", headers=auth)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    body = reply.get_json()
    assert body["data"] and all(t["attributes"]["action"] == "call" for t in body["data"])
    included = {(r["type"], r["id"]) for r in body["included"]}
    for task in body["data"]:
        prospect = task["relationships"]["prospect"]["data"]
        assert (prospect["type"], prospect["id"]) in included


def test_records_created_after_seeding_get_fresh_ids(app: Flask) -> None:
    auth = {**headers(app), "Content-Type": "application/vnd.api+json"}
    before = rows(app, "SELECT max(id) FROM r_phoneNumber")[0][0]
    body = {"data": {"type": "prospect", "attributes": {
        "firstName": "New", "lastName": "Lead", "workPhones": ["+15550000000"]}}}
    reply = app.test_client().post("/api/v2/prospects", json=body, headers=auth)
    assert reply.status_code == 201, reply.get_data(as_text=True)
    assert reply.get_json()["data"]["id"] == 201
    assert rows(app, "SELECT max(id) FROM r_phoneNumber")[0][0] == before + 1


def test_reset_reloads_the_configured_generated_size() -> None:
    app = generated(prospects=40)
    client = app.test_client()
    client.post("/__mock__/seed", json={"dataset": "demo"})
    assert client.post("/__mock__/reset").status_code == 200
    assert rows(app, "SELECT count(*) FROM r_prospect") == [(40,)]


def test_progress_reports_every_chunk_and_the_index_build() -> None:
    app = create_app({"dataset": "empty", "webhook_worker": False})
    seen: list[tuple[str, int, int]] = []
    load_generated(app.extensions["mock_outreach"], 30, seed=2,
                   progress=lambda *report: seen.append(report))
    assert ("prospects", 30, 30) in seen
    assert seen[-1] == ("indexes", 1, 1)


def test_an_org_of_no_prospects_still_has_reps_and_the_demo_app() -> None:
    app = generated(prospects=0)
    assert rows(app, "SELECT count(*) FROM r_prospect") == [(0,)]
    assert headers(app)["Authorization"].startswith("Bearer ")
