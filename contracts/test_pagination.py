"""Pagination, filtering and sorting: cursors to the end, both filter syntaxes, sort order."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from outreach_contracts.support import assert_error, ids, pages, require_data
from outreach_contracts.targets import Target

pytestmark = pytest.mark.validated("mock", "url")


def count(api: httpx.Client, path: str, params: dict[str, str] | None = None) -> int:
    response = api.get(path, params={**(params or {}), "count": "true", "page[size]": "1"})
    assert response.status_code == 200, response.text[:300]
    return response.json()["meta"]["count"]


@pytest.fixture
def prospect_ids(target: Target, api: httpx.Client) -> list[int]:
    """Ids of the first prospects, in id order."""
    response = api.get("/prospects", params={"page[size]": "10", "sort": "createdAt"})
    found = sorted(ids(response.json()))
    require_data(target, found[:4], "at least four prospects")
    return found


def test_following_next_links_visits_every_record_exactly_once(api: httpx.Client) -> None:
    seen = [i for doc in pages(api, "/prospects", {"page[size]": "7"}) for i in ids(doc)]
    assert len(seen) == len(set(seen))
    assert len(seen) == count(api, "/prospects")


def test_every_page_but_the_last_is_full_and_the_last_has_no_next(api: httpx.Client) -> None:
    docs = list(pages(api, "/prospects", {"page[size]": "5"}))
    for doc in docs[:-1]:
        assert len(doc["data"]) == 5
        assert doc["links"]["next"]
    assert "next" not in docs[-1].get("links", {})


def test_next_link_keeps_the_original_filter_and_sort(api: httpx.Client,
                                                      rep: dict[str, Any]) -> None:
    params = {"filter[owner][id]": str(rep["id"]), "sort": "-createdAt", "page[size]": "2"}
    doc = api.get("/prospects", params=params).json()
    assert len(doc["data"]) == 2 and doc["links"].get("next"), "needs more than one page"
    query = parse_qs(urlsplit(doc["links"]["next"]).query)
    assert query["filter[owner][id]"] == [str(rep["id"])]
    assert query["sort"] == ["-createdAt"]
    assert query["page[size]"] == ["2"]
    assert query["page[after]"]


def test_first_link_is_present_when_there_are_results(api: httpx.Client) -> None:
    doc = api.get("/prospects", params={"page[size]": "3"}).json()
    assert doc["data"] and doc["links"]["first"]


def test_page_size_bounds_the_page(api: httpx.Client) -> None:
    for size in (1, 4):
        assert len(api.get("/prospects", params={"page[size]": str(size)}).json()["data"]) == size


def test_default_page_is_fifty_records_at_most(api: httpx.Client) -> None:
    total = count(api, "/tasks")
    assert len(api.get("/tasks").json()["data"]) == min(50, total)


def test_sort_survives_pagination(api: httpx.Client) -> None:
    stamps = [t["attributes"]["dueAt"] for doc in pages(
        api, "/tasks", {"sort": "dueAt", "page[size]": "9", "filter[dueAt]": "neginf..inf"})
        for t in doc["data"]]
    assert stamps == sorted(stamps)


def test_descending_sort_reverses_the_order(api: httpx.Client) -> None:
    docs = api.get("/prospects", params={"sort": "-createdAt", "page[size]": "20"}).json()
    stamps = [p["attributes"]["createdAt"] for p in docs["data"]]
    assert stamps == sorted(stamps, reverse=True)


def test_list_filter_returns_records_matching_any_value(api: httpx.Client,
                                                        prospect_ids: list[int]) -> None:
    wanted = prospect_ids[:2]
    response = api.get("/prospects", params={"filter[id]": ",".join(map(str, wanted))})
    assert sorted(ids(response.json())) == wanted


def test_range_filter_is_inclusive_at_both_ends(api: httpx.Client,
                                                prospect_ids: list[int]) -> None:
    low, high = prospect_ids[0], prospect_ids[3]
    response = api.get("/prospects", params={"filter[id]": f"{low}..{high}"})
    found = ids(response.json())
    assert low in found and high in found
    assert all(low <= i <= high for i in found)


def test_new_filter_syntax_gte_lte_matches_the_classic_range(api: httpx.Client,
                                                            prospect_ids: list[int]) -> None:
    low, high = prospect_ids[0], prospect_ids[3]
    classic = api.get("/prospects", params={"filter[id]": f"{low}..{high}"}).json()
    new = api.get("/prospects", params={"newFilterSyntax": "true", "filter[id][gte]": str(low),
                                        "filter[id][lte]": str(high)}).json()
    assert ids(new) == ids(classic)


def test_new_filter_syntax_array_matches_any_value(api: httpx.Client,
                                                   prospect_ids: list[int]) -> None:
    wanted = prospect_ids[1:3]
    params = [("newFilterSyntax", "true"), *[("filter[id][]", str(i)) for i in wanted]]
    assert sorted(ids(api.get("/prospects", params=params).json())) == wanted


def test_open_ended_range_with_inf_has_no_upper_bound(api: httpx.Client,
                                                      prospect_ids: list[int]) -> None:
    low = prospect_ids[2]
    found = [i for doc in pages(api, "/prospects", {"filter[id]": f"{low}..inf"}) for i in ids(doc)]
    assert min(found) == low
    assert len(found) == count(api, "/prospects", {"filter[id]": f"{low}..inf"})


def test_relationship_id_filter_returns_only_linked_records(api: httpx.Client,
                                                            rep: dict[str, Any]) -> None:
    doc = api.get("/tasks", params={"filter[owner][id]": str(rep["id"]), "page[size]": "50"})
    for task in doc.json()["data"]:
        assert task["relationships"]["owner"]["data"]["id"] == rep["id"]


def test_null_filters_split_records_into_missing_and_present(api: httpx.Client) -> None:
    missing = api.get("/tasks", params={"filter[scheduledAt]": "__null__", "count": "true"})
    present = api.get("/tasks", params={"filter[scheduledAt]": "__notnull__", "count": "true"})
    assert all(t["attributes"]["scheduledAt"] is None for t in missing.json()["data"])
    assert all(t["attributes"]["scheduledAt"] is not None for t in present.json()["data"])
    total = missing.json()["meta"]["count"] + present.json()["meta"]["count"]
    assert total == count(api, "/tasks")


def test_count_true_reports_the_total_in_meta(api: httpx.Client) -> None:
    total = count(api, "/prospects")
    everything = [i for doc in pages(api, "/prospects", {"page[size]": "100"}) for i in ids(doc)]
    assert total == len(everything)


def test_empty_result_has_no_next_link(api: httpx.Client) -> None:
    doc = api.get("/prospects", params={"filter[id]": "999999999"}).json()
    assert doc["data"] == []
    assert "next" not in (doc.get("links") or {})


def test_garbled_cursor_is_refused(api: httpx.Client) -> None:
    assert_error(api.get("/prospects", params={"page[after]": "not-a-cursor"}), 400)


def test_sorting_by_an_unknown_field_is_refused(api: httpx.Client) -> None:
    assert_error(api.get("/prospects", params={"sort": "notAField"}), 400)


@pytest.mark.mock_only("fidelity decision 6: Outreach's answer is unknown")
def test_filtering_on_a_non_filterable_attribute_is_refused(target: Target,
                                                           api: httpx.Client) -> None:
    assert_error(api.get("/tasks", params={"filter[action]": "call"}), 400)


@pytest.mark.mock_only("fidelity decision 7: Outreach documents no maximum")
def test_page_size_above_1000_is_refused(target: Target, api: httpx.Client) -> None:
    assert_error(api.get("/prospects", params={"page[size]": "1001"}), 400)
