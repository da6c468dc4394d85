"""Read-only data routes under /__mock__/records: counts, pages and records of any org."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_counts_are_per_org_and_cover_every_type(client: FlaskClient) -> None:
    acme = client.get("/__mock__/records?org=1").get_json()
    globex = client.get("/__mock__/records?org=2").get_json()
    assert acme["counts"]["prospect"] == 36
    assert acme["counts"]["user"] == 3
    assert globex["counts"]["user"] == 1
    assert set(acme["counts"]) == set(globex["counts"])
    assert len(acme["counts"]) == 17


def test_counts_default_to_the_first_org(client: FlaskClient) -> None:
    assert client.get("/__mock__/records").get_json()["org"] == 1


def test_page_matches_what_the_api_lists_for_that_org(client: FlaskClient,
                                                     auth: dict[str, str]) -> None:
    query = "page[size]=5&sort=-id&filter[lastName]=Reed,Cole,Diaz"
    control = client.get(f"/__mock__/records/prospects?org=1&{query}")
    api = client.get(f"/api/v2/prospects?{query}", headers=auth)
    assert control.status_code == 200
    assert control.mimetype == "application/vnd.api+json"
    assert control.get_json()["data"] == api.get_json()["data"]


def test_record_is_rendered_as_the_api_renders_it(client: FlaskClient,
                                                  auth: dict[str, str]) -> None:
    control = client.get("/__mock__/records/prospect/3?org=1").get_json()
    api = client.get("/api/v2/prospects/3", headers=auth).get_json()
    assert control["data"] == api["data"]


def test_record_of_another_org_is_not_found(client: FlaskClient) -> None:
    reply = client.get("/__mock__/records/prospect/3?org=2")
    assert reply.status_code == 404
    assert reply.get_json()["errors"][0]["id"] == "resourceNotFound"


def test_bad_inputs_get_control_api_errors(client: FlaskClient) -> None:
    cases = {
        "/__mock__/records?org=abc": 400,
        "/__mock__/records?org=99": 404,
        "/__mock__/records/nothing": 404,
        "/__mock__/records/prospect/abc": 404,
        "/__mock__/records/prospect?page[size]=0": 400,
        "/__mock__/records/prospect?sort=noSuchField": 400,
    }
    for url, status in cases.items():
        reply = client.get(url)
        assert (url, reply.status_code) == (url, status)
        assert reply.get_json()["errors"][0]["detail"]


def test_records_refuse_non_loopback_callers(client: FlaskClient) -> None:
    reply = client.get("/__mock__/records", environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert reply.status_code == 403


def test_records_are_read_only(client: FlaskClient) -> None:
    assert client.post("/__mock__/records/prospect", json={}).status_code == 405
    assert client.delete("/__mock__/records/prospect/1").status_code == 405
