"""Every malformed input of SPEC §3.4 gets its documented status and Outreach's error document."""

from __future__ import annotations

import json

import pytest

from mock_outreach.app import create_app

MEDIA = "application/vnd.api+json"


def call_body(attributes=None, relationships=None, **data):
    return json.dumps({"data": {"type": "call", "attributes": attributes or {},
                                "relationships": relationships or {}, **data}})


def error_of(reply, status: int) -> dict:
    assert reply.status_code == status, reply.get_data(as_text=True)
    assert reply.mimetype == MEDIA
    errors = reply.get_json()["errors"]
    assert len(errors) >= 1 and errors[0]["title"]
    return errors[0]


@pytest.mark.parametrize(("attributes", "pointer"), [
    ({"direction": "sideways"}, "/data/attributes/direction"),
    ({"outcome": "Maybe"}, "/data/attributes/outcome"),
    ({"recordingUrl": "ftp://x.example/a.mp3"}, "/data/attributes/recordingUrl"),
    ({"vendorCallId": "x" * 64}, "/data/attributes/vendorCallId"),
    ({"dialedAt": "yesterday"}, "/data/attributes/dialedAt"),
    ({"shouldRecordCall": "yes"}, "/data/attributes/shouldRecordCall"),
    ({"tags": "not-a-list"}, "/data/attributes/tags"),
    ({"note": 12}, "/data/attributes/note"),
])
def test_invalid_attribute_values_are_422_with_pointer(client, write_headers, attributes,
                                                       pointer):
    reply = client.post("/api/v2/calls", data=call_body(attributes), headers=write_headers)
    error = error_of(reply, 422)
    assert error["id"] == "validationError" and error["source"]["pointer"] == pointer


@pytest.mark.parametrize("name", ["state", "createdAt", "linkedinUrl", "duration"])
def test_read_only_or_unknown_attribute_is_400_unknown_attribute(client, write_headers, name):
    reply = client.post("/api/v2/calls", data=call_body({name: "x"}), headers=write_headers)
    assert error_of(reply, 400)["id"] == "permittedParams.unknownAttribute"


@pytest.mark.parametrize("relationships", [
    {"prospect": {"data": {"type": "prospect", "id": "abc"}}},
    {"prospect": {"data": {"type": "account", "id": 1}}},
    {"prospect": {"data": {"type": "prospect", "id": 999999}}},
    {"prospect": {"data": {"type": "prospect", "id": 14584239335658115072}}},
    {"prospect": {"data": {"type": "prospect", "id": -3}}},
    {"prospect": {"id": 1}},
])
def test_bad_relationship_linkage_is_422(client, write_headers, relationships):
    reply = client.post("/api/v2/calls", data=call_body({}, relationships),
                        headers=write_headers)
    assert error_of(reply, 422)["source"]["pointer"].startswith("/data/relationships/prospect")


def test_numeric_string_relationship_id_is_accepted(client, write_headers):
    body = call_body({}, {"prospect": {"data": {"type": "prospect", "id": "1"}}})
    reply = client.post("/api/v2/calls", data=body, headers=write_headers)
    assert reply.get_json()["data"]["relationships"]["prospect"]["data"]["id"] == 1


def test_read_only_relationship_is_400(client, write_headers):
    body = json.dumps({"data": {"type": "task", "id": 1, "relationships": {
        "completer": {"data": {"type": "user", "id": 1}}}}})
    reply = client.patch("/api/v2/tasks/1", data=body, headers=write_headers)
    assert error_of(reply, 400)["source"]["pointer"] == "/data/relationships/completer"


@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain"])
def test_wrong_content_type_on_a_body_is_415(client, auth, content_type):
    headers = {**auth, **({"Content-Type": content_type} if content_type else {})}
    reply = client.post("/api/v2/calls", data=call_body(), headers=headers)
    assert reply.status_code == 415
    error = reply.get_json()["errors"][0]
    assert error["id"] == "unsupportedMediaType"
    assert error["details"] == "Expected Content-Type header to be 'application/vnd.api+json'."


def test_include_on_a_write_is_400(client, write_headers):
    reply = client.post("/api/v2/calls?include=prospect", data=call_body(),
                        headers=write_headers)
    assert error_of(reply, 400)["source"]["parameter"] == "include"


@pytest.mark.parametrize("body", ["{not json", "[]", '{"data": []}', '{"data": {"type": "task"}}',
                                  '{"data": {"type": "call", "id": 5}}',
                                  '{"data": {"type": "call", "bogus": 1}}'])
def test_malformed_documents_are_rejected(client, write_headers, body):
    reply = client.post("/api/v2/calls", data=body, headers=write_headers)
    assert reply.status_code in (400, 422)
    assert reply.get_json()["errors"]


@pytest.mark.parametrize("data", [{"type": "prospect"}, {"type": "prospect", "id": 2},
                                  {"type": "account", "id": 1}])
def test_update_needs_matching_type_and_id(client, write_headers, data):
    reply = client.patch("/api/v2/prospects/1", data=json.dumps({"data": data}),
                         headers=write_headers)
    assert error_of(reply, 422)["source"]["pointer"] in ("/data/id", "/data/type")


def test_unknown_id_is_404_resource_not_found(client, auth):
    error = error_of(client.get("/api/v2/prospects/987654", headers=auth), 404)
    assert error == {"id": "resourceNotFound", "title": "Resource Not Found",
                     "detail": "Could not find 'prospect' with ID '987654'."}


def test_another_orgs_record_is_404_not_403(client, auth):
    from tests.conftest import GINA, bearer, mint

    gina = bearer(mint(client, GINA)["access_token"])
    globex_prospect = client.get("/api/v2/prospects", headers=gina).get_json()["data"][0]["id"]
    assert client.get(f"/api/v2/prospects/{globex_prospect}", headers=auth).status_code == 404
    ava_ids = {r["id"] for r in client.get("/api/v2/prospects?page[size]=1000",
                                            headers=auth).get_json()["data"]}
    assert globex_prospect not in ava_ids


@pytest.mark.parametrize(("query", "error_id"), [
    ("filter[firstName][bad]=1", "filterParameter.unknownField"),
    ("filter[nope]=1", "filterParameter.unknownField"),
    ("filter[company]=Acme", "filterParameter.notFilterable"),
    ("filter[id]=abc", "badFilter"),
    ("filter[createdAt]=notadate..inf", "badFilter"),
    ("filter[owner][title]=x", "filterParameter.notFilterable"),
    ("sort=nope", "sortParameter.notSortable"),
    ("sort=account.name", "sortParameter.notSortable"),
    ("fields[prospect]=firstName,nope", "fieldsParameter.unknownResourceField"),
    ("fields[nope]=a", "fieldsParameter.unknownResourceType"),
    ("include=nope", "includeParameter.invalid"),
    ("include=calls", "includeParameter.invalid"),
    ("page[size]=1001", "pageParameter.invalid"),
    ("page[size]=0", "pageParameter.invalid"),
    ("page[size]=ten", "pageParameter.invalid"),
    ("page[nope]=1", "pageParameter.unknown"),
    ("page[after]=%%%", "pageParameter.invalidCursor"),
    ("page[offset]=10001", "pageParameter.invalid"),
    ("count=maybe", "badQueryParameter"),
    ("newFilterSyntax=1", "badQueryParameter"),
])
def test_malformed_query_is_400_with_clear_error(client, auth, query, error_id):
    error = error_of(client.get(f"/api/v2/prospects?{query}", headers=auth), 400)
    assert error["id"] == error_id and error["detail"]


def test_cursor_from_another_query_is_rejected(client, auth):
    body = client.get("/api/v2/prospects?page[size]=2", headers=auth).get_json()
    cursor = body["links"]["next"].split("page%5Bafter%5D=")[1]
    reply = client.get(f"/api/v2/prospects?sort=lastName&page[after]={cursor}", headers=auth)
    assert error_of(reply, 400)["id"] == "pageParameter.invalidCursor"


def test_unknown_top_level_parameter_is_ignored_unless_strict(client, auth):
    assert client.get("/api/v2/prospects?utm=1", headers=auth).status_code == 200
    strict = create_app({"dataset": "demo", "strict_params": True, "webhook_worker": False})
    strict_client = strict.test_client()
    token = strict_client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"})
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    reply = strict_client.get("/api/v2/prospects?utm=1", headers=headers)
    assert error_of(reply, 400)["id"] == "unknownQueryParameter"


def test_unknown_action_is_404_and_unacceptable_params_400(client, auth):
    assert error_of(client.post("/api/v2/tasks/1/actions/explode", headers=auth),
                    404)["id"] == "routeNotFound"
    reply = client.post("/api/v2/tasks/1/actions/markComplete?actionParams[bogus]=1",
                        headers=auth)
    assert error_of(reply, 400)["id"] == "actionParams.unknown"


def test_operation_the_upstream_lacks_is_405(client, write_headers):
    reply = client.patch("/api/v2/calls/1", data=call_body(id=1), headers=write_headers)
    assert error_of(reply, 405)["id"] == "methodNotAllowed"
    assert client.delete("/api/v2/events/1", headers=write_headers).status_code == 405


def test_unknown_collection_and_malformed_ids_are_404(client, auth):
    assert error_of(client.get("/api/v2/widgets", headers=auth), 404)["id"] == "routeNotFound"
    assert client.get("/api/v2/prospects/abc", headers=auth).status_code == 404
    assert client.get("/api/v2/prospects/-1", headers=auth).status_code == 404


@pytest.mark.parametrize("attributes", ['{"numberOfEmployees": 1000000000000000000000000}',
                                        '{"buyerIntentScore": 1e400}'])
def test_numbers_outside_the_storable_range_are_422(client, write_headers, attributes):
    document = f'{{"data": {{"type": "account", "attributes": {attributes}}}}}'
    reply = client.post("/api/v2/accounts", data=document, headers=write_headers)
    assert error_of(reply, 422)["id"] == "validationError"


def test_non_standard_json_constants_are_400(client, write_headers):
    reply = client.post("/api/v2/calls", data='{"data": NaN}', headers=write_headers)
    assert error_of(reply, 400)["id"] == "invalidJson"


def test_filter_integer_out_of_range_is_400(client, auth):
    reply = client.get("/api/v2/prospects?filter[id]=99999999999999999999999", headers=auth)
    assert error_of(reply, 400)["id"] == "badFilter"


def test_string_ids_are_refused_when_numeric_string_ids_is_off(write_headers):
    strict = create_app({"dataset": "demo", "numeric_string_ids": False, "webhook_worker": False})
    client = strict.test_client()
    token = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"}).get_json()
    headers = {**write_headers, "Authorization": f"Bearer {token['access_token']}"}
    body = call_body({}, {"prospect": {"data": {"type": "prospect", "id": "1"}}})
    assert error_of(client.post("/api/v2/calls", data=body, headers=headers), 422)
    body = call_body({}, {"prospect": {"data": {"type": "prospect", "id": 1}}})
    assert client.post("/api/v2/calls", data=body, headers=headers).status_code == 201


def test_content_type_on_reads_is_required_only_when_configured(client, auth):
    assert client.get("/api/v2/prospects/1", headers=auth).status_code == 200
    client.put("/__mock__/settings", json={"require_content_type_on_reads": True})
    assert client.get("/api/v2/prospects/1", headers=auth).status_code == 415
    media = {**auth, "Content-Type": MEDIA}
    assert client.get("/api/v2/prospects/1", headers=media).status_code == 200
    assert client.post("/api/v2/tasks/1/actions/updateNote?actionParams[note]=x",
                       headers=auth).status_code == 415


def test_trailing_slashes_route_like_outreach(client, auth):
    assert client.get("/api/v2/prospects/", headers=auth).status_code == 200
    assert client.get("/api/v2/prospects/1/", headers=auth).get_json()["data"]["id"] == 1
    assert client.get("/api/v2/", headers=auth).get_json()["meta"]["user"]["id"] == 1
