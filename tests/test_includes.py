"""Compound documents: nested, polymorphic and to-many includes, each resource once."""

from __future__ import annotations


def included(body: dict) -> set[tuple[str, int]]:
    return {(r["type"], r["id"]) for r in body.get("included", [])}


def test_nested_include_follows_each_level(client, auth):
    body = client.get("/api/v2/tasks?filter[owner][id]=1&page[size]=5"
                      "&include=prospect.account,sequenceStep.sequence", headers=auth).get_json()
    prospects = {r["relationships"]["prospect"]["data"]["id"] for r in body["data"]}
    got = included(body)
    assert {("prospect", p) for p in prospects} <= got
    for resource in body["included"]:
        if resource["type"] == "prospect":
            account = resource["relationships"]["account"]["data"]
            assert account is None or ("account", account["id"]) in got
    assert any(kind == "sequence" for kind, _ in got)
    assert len(body["included"]) == len(got), "a resource was included twice"


def test_polymorphic_include_uses_each_links_type(client, auth):
    body = client.get("/api/v2/tasks?filter[owner][id]=1&page[size]=3&include=subject",
                      headers=auth).get_json()
    subjects = {(r["relationships"]["subject"]["data"]["type"],
                 r["relationships"]["subject"]["data"]["id"]) for r in body["data"]}
    assert subjects == included(body)


def test_to_many_include_returns_every_linked_record(client, auth):
    body = client.get("/api/v2/prospects/1?include=phoneNumbers", headers=auth).get_json()
    linked = {("phoneNumber", r["id"]) for r in
              body["data"]["relationships"]["phoneNumbers"]["data"]}
    assert linked and linked == included(body)


def test_primary_resources_are_not_repeated_in_included(client, auth):
    body = client.get("/api/v2/phoneNumbers?page[size]=10&include=prospect.phoneNumbers",
                      headers=auth).get_json()
    primary = {(r["type"], r["id"]) for r in body["data"]}
    got = included(body)
    assert any(kind == "prospect" for kind, _ in got)
    assert not primary & got
