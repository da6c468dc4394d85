"""Cursor and offset pagination: every record exactly once, links carrying the query."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

MEDIA = "application/vnd.api+json"


def create_prospect(client, headers, last_name: str) -> int:
    body = {"data": {"type": "prospect", "attributes": {"firstName": "P", "lastName": last_name}}}
    reply = client.post("/api/v2/prospects", data=json.dumps(body),
                        headers={**headers, "Content-Type": MEDIA})
    assert reply.status_code == 201
    return reply.get_json()["data"]["id"]


def all_ids(client, headers) -> set[int]:
    reply = client.get("/api/v2/prospects?page[size]=1000", headers=headers)
    return {r["id"] for r in reply.get_json()["data"]}


def test_walking_next_links_yields_each_record_once_despite_concurrent_writes(client, auth):
    for _i in range(10):
        create_prospect(client, auth, "Same")  # ties on the sort key exercise the tie-breaker
    before = all_ids(client, auth)
    url, seen, deleted, created = "/api/v2/prospects?sort=lastName&page[size]=7", [], set(), set()
    while url:
        body = client.get(url, headers=auth).get_json()
        seen += [r["id"] for r in body["data"]]
        unseen = sorted(before - set(seen) - deleted)
        if unseen:
            client.delete(f"/api/v2/prospects/{unseen[-1]}", headers=auth)
            deleted.add(unseen[-1])
        created.add(create_prospect(client, auth, "Aardvark"))  # sorts before the cursor
        url = body.get("links", {}).get("next")
    assert len(seen) == len(set(seen)), "a record was returned twice"
    assert before - deleted <= set(seen), "a record that existed throughout was skipped"
    assert not set(seen) & deleted, "a record deleted before its page was returned"


def test_descending_sort_with_nulls_pages_through_everything_once(client, auth):
    url, seen = "/api/v2/prospects?sort=-title,id&page[size]=4", []
    while url:
        body = client.get(url, headers=auth).get_json()
        seen += [r["id"] for r in body["data"]]
        url = body.get("links", {}).get("next")
    assert sorted(seen) == sorted(all_ids(client, auth))
    assert len(seen) == len(set(seen))


def test_next_link_keeps_the_original_query_and_last_page_has_no_next(client, auth):
    reply = client.get("/api/v2/tasks?filter[state]=incomplete&count=true&page[size]=5",
                       headers=auth)
    body = reply.get_json()
    query = parse_qs(urlsplit(body["links"]["next"]).query)
    assert query["filter[state]"] == ["incomplete"] and query["page[size]"] == ["5"]
    assert query["count"] == ["true"] and "page[after]" in query
    total = body["meta"]["count"]
    url, pages = body["links"]["next"], 1
    while url:
        body = client.get(url, headers=auth).get_json()
        pages += 1
        url = body.get("links", {}).get("next")
    assert pages == -(-total // 5)
    assert "first" in body["links"] and "next" not in body["links"]


def test_prev_link_returns_the_previous_page(client, auth):
    first = client.get("/api/v2/prospects?page[size]=3", headers=auth).get_json()
    second = client.get(first["links"]["next"], headers=auth).get_json()
    back = client.get(second["links"]["prev"], headers=auth).get_json()
    assert [r["id"] for r in back["data"]] == [r["id"] for r in first["data"]]


def test_empty_result_has_no_links(client, auth):
    body = client.get("/api/v2/prospects?filter[firstName]=Nobody-At-All",
                      headers=auth).get_json()
    assert body["data"] == [] and "links" not in body


def test_offset_pagination_pages_and_links(client, auth):
    body = client.get("/api/v2/prospects?page[offset]=3&page[limit]=4", headers=auth).get_json()
    everything = client.get("/api/v2/prospects?page[size]=1000", headers=auth).get_json()
    assert [r["id"] for r in body["data"]] == [r["id"] for r in everything["data"]][3:7]
    assert {"first", "last", "prev", "next"} <= set(body["links"])


def test_count_is_off_by_default_and_on_when_asked(client, auth):
    assert "meta" not in client.get("/api/v2/prospects", headers=auth).get_json()
    body = client.get("/api/v2/prospects?count=true", headers=auth).get_json()
    assert body["meta"] == {"count": len(all_ids(client, auth)), "count_truncated": False}


def test_default_page_size_is_50(client, auth):
    for i in range(20):
        create_prospect(client, auth, f"Extra{i}")
    assert len(all_ids(client, auth)) > 50
    body = client.get("/api/v2/prospects", headers=auth).get_json()
    assert len(body["data"]) == min(50, len(all_ids(client, auth)))
