"""Documented side effects: derived names, phone sync, task actions, sequence state progress."""

from __future__ import annotations

import json

MEDIA = "application/vnd.api+json"


def post(client, headers, path, type_name, attributes, relationships=None):
    body = {"data": {"type": type_name, "attributes": attributes,
                     "relationships": {k: {"data": v} for k, v in (relationships or {}).items()}}}
    reply = client.post(path, data=json.dumps(body), headers=headers)
    assert reply.status_code == 201, reply.get_data(as_text=True)
    return reply.get_json()["data"]


def patch(client, headers, path, type_name, record_id, attributes):
    body = {"data": {"type": type_name, "id": record_id, "attributes": attributes}}
    reply = client.patch(path, data=json.dumps(body), headers=headers)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return reply.get_json()["data"]


def get(client, auth, path):
    reply = client.get(path, headers=auth)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return reply.get_json()["data"]


def test_prospect_name_follows_first_and_last_name(client, write_headers):
    prospect = post(client, write_headers, "/api/v2/prospects", "prospect",
                    {"firstName": "Grace", "lastName": "Hopper"})
    assert prospect["attributes"]["name"] == "Grace Hopper"
    updated = patch(client, write_headers, f"/api/v2/prospects/{prospect['id']}", "prospect",
                    prospect["id"], {"lastName": "Murray"})
    assert updated["attributes"]["name"] == "Grace Murray"


def test_prospect_phone_arrays_and_phone_number_records_stay_in_step(client, write_headers, auth):
    prospect = post(client, write_headers, "/api/v2/prospects", "prospect",
                    {"firstName": "P", "workPhones": ["+14155550001"],
                     "mobilePhones": ["+16505550002"]})
    pid = prospect["id"]
    numbers = get(client, auth, f"/api/v2/phoneNumbers?filter[prospect][id]={pid}")
    assert {(n["attributes"]["phoneType"], n["attributes"]["number"]) for n in numbers} == {
        ("work", "+14155550001"), ("mobile", "+16505550002")}
    linked = {r["id"] for r in prospect["relationships"]["phoneNumbers"]["data"]}
    assert linked == {n["id"] for n in numbers}
    added = post(client, write_headers, "/api/v2/phoneNumbers", "phoneNumber",
                 {"number": "+12125550003", "phoneType": "home"},
                 {"prospect": {"type": "prospect", "id": pid}})
    after = get(client, auth, f"/api/v2/prospects/{pid}")["attributes"]
    assert after["homePhones"] == ["+12125550003"]
    client.delete(f"/api/v2/phoneNumbers/{added['id']}", headers=auth)
    assert get(client, auth, f"/api/v2/prospects/{pid}")["attributes"]["homePhones"] == []


def first_due_call_task(client, auth) -> dict:
    return get(client, auth, "/api/v2/tasks?filter[owner][id]=1&filter[state]=incomplete"
                             "&sort=dueAt&page[size]=1")[0]


def test_mark_complete_completes_the_task_and_advances_its_sequence_state(client, auth):
    task = first_due_call_task(client, auth)
    state_id = task["relationships"]["sequenceState"]["data"]["id"]
    step_before = get(client, auth, f"/api/v2/sequenceStates/{state_id}")[
        "relationships"]["sequenceStep"]["data"]["id"]
    reply = client.post(f"/api/v2/tasks/{task['id']}/actions/markComplete"
                        "?actionParams[completionNote]=Booked", headers=auth)
    done = reply.get_json()["data"]
    assert done["attributes"]["state"] == "complete" and done["attributes"]["completed"] is True
    assert done["attributes"]["completedAt"] is not None
    assert done["relationships"]["completer"]["data"] == {"type": "user", "id": 1}
    state = get(client, auth, f"/api/v2/sequenceStates/{state_id}")
    assert state["relationships"]["sequenceStep"]["data"]["id"] != step_before
    assert state["attributes"]["state"] == "active"
    again = client.post(f"/api/v2/tasks/{task['id']}/actions/markComplete", headers=auth)
    assert again.status_code == 422


def test_finish_no_reply_completion_finishes_the_sequence_state(client, auth):
    task = first_due_call_task(client, auth)
    state_id = task["relationships"]["sequenceState"]["data"]["id"]
    client.post(f"/api/v2/tasks/{task['id']}/actions/markComplete"
                "?actionParams[completionAction]=finish_no_reply", headers=auth)
    assert get(client, auth, f"/api/v2/sequenceStates/{state_id}")["attributes"][
        "state"] == "finished"


def test_sequence_state_pause_resume_finish_follow_the_state_machine(client, auth):
    state_id = get(client, auth, "/api/v2/sequenceStates?filter[state]=active")[0]["id"]
    base = f"/api/v2/sequenceStates/{state_id}/actions"
    assert client.post(f"{base}/resume", headers=auth).status_code == 422
    paused = client.post(f"{base}/pause", headers=auth).get_json()["data"]
    assert paused["attributes"]["state"] == "paused"
    assert client.post(f"{base}/resume", headers=auth).get_json()["data"]["attributes"][
        "state"] == "active"
    assert client.post(f"{base}/finish", headers=auth).get_json()["data"]["attributes"][
        "state"] == "finished"
    assert client.post(f"{base}/pause", headers=auth).status_code == 422


def test_task_reschedule_reassign_and_note_actions(client, auth):
    task = first_due_call_task(client, auth)
    base = f"/api/v2/tasks/{task['id']}/actions"
    moved = client.post(f"{base}/reschedule?actionParams[dueAt]=2031-05-01T09:00:00Z",
                        headers=auth).get_json()["data"]
    assert moved["attributes"]["dueAt"] == "2031-05-01T09:00:00.000Z"
    assert client.post(f"{base}/reschedule?actionParams[dueAt]=soon",
                       headers=auth).status_code == 422
    owner = client.post(f"{base}/reassignOwner?actionParams[ownerId]=2", headers=auth)
    assert owner.get_json()["data"]["relationships"]["owner"]["data"]["id"] == 2
    assert client.post(f"{base}/reassignOwner?actionParams[ownerId]=99999",
                       headers=auth).status_code == 422
    note = client.post(f"{base}/updateNote?actionParams[note]=Call%20after%203pm", headers=auth)
    assert note.get_json()["data"]["attributes"]["note"] == "Call after 3pm"


def test_sequence_activate_and_deactivate(client, auth):
    base = "/api/v2/sequences/1/actions"
    off = client.post(f"{base}/deactivate", headers=auth).get_json()["data"]["attributes"]
    assert off["enabled"] is False
    on = client.post(f"{base}/activate", headers=auth).get_json()["data"]["attributes"]
    assert on["enabled"] is True and on["enabledAt"] is not None


def test_timestamps_come_from_the_mock_clock(client):
    client.post("/__mock__/clock", json={"set": "2030-02-03T04:05:06.789Z", "freeze": True})
    token = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"})
    write_headers = {"Authorization": f"Bearer {token.get_json()['access_token']}",
                     "Content-Type": MEDIA}
    account = post(client, write_headers, "/api/v2/accounts", "account", {"name": "Clocked"})
    assert account["attributes"]["createdAt"] == "2030-02-03T04:05:06.789Z"
    client.post("/__mock__/clock", json={"advance": 60})
    updated = patch(client, write_headers, f"/api/v2/accounts/{account['id']}", "account",
                    account["id"], {"name": "Later"})
    assert updated["attributes"]["updatedAt"] == "2030-02-03T04:06:06.789Z"
    assert updated["attributes"]["createdAt"] == "2030-02-03T04:05:06.789Z"


def test_update_changes_only_supplied_fields(client, write_headers, auth):
    before = get(client, auth, "/api/v2/prospects/1")
    after = patch(client, write_headers, "/api/v2/prospects/1", "prospect", 1, {"title": "VP"})
    changed = {k for k in before["attributes"] if before["attributes"][k] != after[
        "attributes"][k]}
    assert changed == {"title", "updatedAt"}
    after["relationships"].pop("updater")
    before["relationships"].pop("updater")
    assert before["relationships"] == after["relationships"]


def test_clearing_a_to_one_relationship_with_null(client, write_headers, auth):
    body = {"data": {"type": "prospect", "id": 1,
                     "relationships": {"account": {"data": None}}}}
    reply = client.patch("/api/v2/prospects/1", data=json.dumps(body), headers=write_headers)
    assert reply.get_json()["data"]["relationships"]["account"]["data"] is None


def test_webhook_url_must_be_https_except_on_loopback(client, write_headers):
    for url, status in (("http://example.com/h", 422), ("https://example.com/h", 201),
                        ("http://127.0.0.1:9/h", 201), ("ftp://example.com", 422)):
        body = {"data": {"type": "webhook", "attributes": {"url": url}}}
        reply = client.post("/api/v2/webhooks", data=json.dumps(body), headers=write_headers)
        assert reply.status_code == status, (url, reply.get_data(as_text=True))


def test_task_subject_sets_its_prospect_and_account_links(client, write_headers, auth):
    prospect = get(client, auth, "/api/v2/prospects/1")
    task = post(client, write_headers, "/api/v2/tasks", "task",
                {"action": "call", "dueAt": "2030-01-01T00:00:00Z"},
                {"subject": {"type": "prospect", "id": 1}})
    links = task["relationships"]
    assert links["prospect"]["data"] == {"type": "prospect", "id": 1}
    assert links["account"]["data"] == prospect["relationships"]["account"]["data"]
    assert links["prospectOwner"]["data"] == prospect["relationships"]["owner"]["data"]
    assert links["owner"]["data"] == {"type": "user", "id": 1}


def test_logged_call_appears_in_its_tasks_call_links_until_deleted(client, write_headers, auth):
    task = first_due_call_task(client, auth)
    call = post(client, write_headers, "/api/v2/calls", "call",
                {"direction": "outbound", "outcome": "Answered"},
                {"task": {"type": "task", "id": task["id"]}})
    links = get(client, auth, f"/api/v2/tasks/{task['id']}")["relationships"]
    assert links["call"]["data"] == {"type": "call", "id": call["id"]}
    related = links["calls"]["links"]["related"]
    assert related.endswith(f"/calls?filter%5Btask%5D%5Bid%5D={task['id']}")
    by_task = get(client, auth, f"/api/v2/calls?filter[task][id]={task['id']}")
    assert [c["id"] for c in by_task] == [call["id"]]
    client.delete(f"/api/v2/calls/{call['id']}", headers=auth)
    links = get(client, auth, f"/api/v2/tasks/{task['id']}")["relationships"]
    assert links["call"]["data"] is None
