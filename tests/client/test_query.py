"""Python arguments become Outreach's query parameters."""

from datetime import UTC, datetime

from outreach_client.jsonapi import resource_body
from outreach_client.query import action_params, filter_params, list_params


def test_nested_relationship_filter_becomes_bracketed_keys():
    assert filter_params({"owner": {"id": 5}}) == [("filter[owner][id]", "5")]


def test_list_filter_is_comma_joined():
    assert filter_params({"id": [1, 2, 3]}) == [("filter[id]", "1,2,3")]


def test_open_range_uses_neginf_and_inf():
    due = datetime(2025, 5, 1, 17, 0, tzinfo=UTC)
    assert filter_params({"dueAt": (None, due)}) == [
        ("filter[dueAt]", "neginf..2025-05-01T17:00:00.000Z")
    ]
    assert filter_params({"id": (5, None)}) == [("filter[id]", "5..inf")]


def test_new_filter_syntax_uses_operators_and_flag():
    params = filter_params(
        {"updatedAt": {"gte": "2024-01-01"}, "firstName": ["Sally", "Katie"], "id": (5, 10)},
        new_syntax=True,
    )
    assert params == [
        ("filter[updatedAt][gte]", "2024-01-01"),
        ("filter[firstName][]", "Sally"),
        ("filter[firstName][]", "Katie"),
        ("filter[id][gte]", "5"),
        ("filter[id][lte]", "10"),
        ("newFilterSyntax", "true"),
    ]


def test_none_and_booleans_use_outreach_spelling():
    assert filter_params({"trashedAt": None, "named": True}) == [
        ("filter[trashedAt]", "__null__"),
        ("filter[named]", "true"),
    ]


def test_naive_datetime_is_taken_as_utc_with_milliseconds():
    assert filter_params({"dueAt": datetime(2025, 1, 2, 3, 4, 5, 678000)}) == [
        ("filter[dueAt]", "2025-01-02T03:04:05.678Z")
    ]


def test_list_params_spell_sort_include_fields_and_page():
    params = list_params(
        sort=["-dueAt", "id"],
        include=["prospect", "account"],
        fields={"prospect": ["firstName", "lastName"]},
        page_size=25,
        count=False,
    )
    assert params == [
        ("sort", "-dueAt,id"),
        ("include", "prospect,account"),
        ("fields[prospect]", "firstName,lastName"),
        ("page[size]", "25"),
        ("count", "false"),
    ]


def test_action_params_are_deep_object_keys():
    assert action_params({"completionNote": "done"}) == [
        ("actionParams[completionNote]", "done")
    ]


def test_write_bodies_format_datetimes_like_outreach():
    body = resource_body("task", {"dueAt": datetime(2025, 5, 1, 9, 30, tzinfo=UTC), "note": "x"})
    assert body == {
        "data": {"type": "task", "attributes": {"dueAt": "2025-05-01T09:30:00.000Z", "note": "x"}}
    }


def test_relationship_values_become_linkage():
    body = resource_body(
        "task", relationships={"owner": 5, "subject": ("prospect", 9), "team": None}, id=3
    )
    assert body["data"]["id"] == 3
    assert body["data"]["relationships"] == {
        "owner": {"data": {"type": "user", "id": 5}},
        "subject": {"data": {"type": "prospect", "id": 9}},
        "team": {"data": None},
    }
