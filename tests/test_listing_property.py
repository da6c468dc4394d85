"""Property: lists with random filters, sorts, fields and includes equal a brute-force run."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_outreach.app import create_app
from mock_outreach.registry import TO_ONE, load_registry

REGISTRY = load_registry()
TYPES = ["prospect", "task", "account", "sequenceState", "phoneNumber", "event", "user"]
ORG = 1


@pytest.fixture(scope="module")
def mock():
    app = create_app({"dataset": "demo", "webhook_worker": False})
    client = app.test_client()
    token = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"})
    state = app.extensions["mock_outreach"]
    records = {t: all_records(state, t) for t in TYPES}
    return client, {"Authorization": f"Bearer {token.get_json()['access_token']}"}, records


def all_records(state: Any, type_name: str) -> list[Any]:
    table = REGISTRY[type_name].table
    ids = [r[0] for r in state.store.query(f"SELECT id FROM {table} WHERE org_id = ?", (ORG,))]
    return state.store.get_many(type_name, ORG, ids)


def scalar_attributes(type_name: str, flag: str) -> list[str]:
    attrs = REGISTRY[type_name].attributes.values()
    return sorted(a.name for a in attrs if getattr(a, flag) and a.type not in ("array", "object"))


def id_relationships(type_name: str) -> list[str]:
    rels = REGISTRY[type_name].relationships.values()
    return sorted(r.name for r in rels if r.kind == TO_ONE and r.filterable_by_id
                  and not r.polymorphic)


def includable(type_name: str) -> list[str]:
    rels = REGISTRY[type_name].relationships.values()
    return sorted(r.name for r in rels if r.kind == TO_ONE and not r.polymorphic
                  and r.targets[0] in REGISTRY)


def render(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


@st.composite
def list_queries(draw: Any, records: dict[str, list[Any]]) -> tuple[str, dict[str, Any]]:
    type_name = draw(st.sampled_from(TYPES))
    rows = records[type_name]
    spec: dict[str, Any] = {"filters": [], "sort": [], "fields": None, "include": None}
    for name in draw(st.lists(st.sampled_from(scalar_attributes(type_name, "filterable")
                                              or ["id"]), max_size=2, unique=True)):
        values = sorted({r.attributes.get(name) for r in rows if r.attributes.get(name)
                         is not None}, key=str)
        ops = ["in", "range", "null", "notnull", "gte", "lt"] if values else ["null", "notnull"]
        op = draw(st.sampled_from(ops))
        values = values or [None]
        picked = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3))
        spec["filters"].append((("attr", name), op, picked))
    for rel in draw(st.lists(st.sampled_from(id_relationships(type_name) or ["-"]),
                             max_size=1)):
        if rel != "-":
            ids = sorted({r.links.get(rel) for r in rows if r.links.get(rel)}) or [999]
            spec["filters"].append((("rel", rel), "in", draw(st.lists(st.sampled_from(ids),
                                                                       min_size=1,
                                                                       max_size=3))))
    sortable = [*scalar_attributes(type_name, "sortable"), "id"]
    for name in draw(st.lists(st.sampled_from(sortable), max_size=2, unique=True)):
        spec["sort"].append((name, draw(st.booleans())))
    if draw(st.booleans()):
        spec["fields"] = draw(st.lists(st.sampled_from(sorted(REGISTRY[type_name].attributes)),
                                       max_size=3, unique=True))
    if includable(type_name) and draw(st.booleans()):
        spec["include"] = draw(st.sampled_from(includable(type_name)))
    spec["size"] = draw(st.integers(min_value=1, max_value=25))
    return type_name, spec


def to_params(type_name: str, spec: dict[str, Any]) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = [("newFilterSyntax", "true")] if any(
        op in ("gte", "lt") for _, op, _ in spec["filters"]) else []
    new_syntax = bool(params)
    for (kind, name), op, values in spec["filters"]:
        key = f"filter[{name}]" if kind == "attr" else f"filter[{name}][id]"
        if op == "in" and new_syntax:
            params += [(f"{key}[]", render(v)) for v in values]
        elif op == "in":
            params.append((key, ",".join(render(v) for v in values)))
        elif op in ("null", "notnull"):
            params.append((key, f"__{op}__"))
        elif op == "range":
            low, high = min(values, key=str), max(values, key=str)
            low, high = sorted([low, high])
            params.append((key, f"{render(low)}..{render(high)}") if not new_syntax else
                          (f"{key}[gte]", render(low)))
        else:
            params.append((f"{key}[{op}]", render(values[0])))
    if spec["sort"]:
        params.append(("sort", ",".join(("-" if d else "") + n for n, d in spec["sort"])))
    if spec["fields"] is not None:
        params.append((f"fields[{type_name}]", ",".join(spec["fields"])))
    if spec["include"]:
        params.append(("include", spec["include"]))
    params.append(("page[size]", str(spec["size"])))
    return params


def matches(record: Any, spec: dict[str, Any], new_syntax: bool) -> bool:
    for (kind, name), op, values in spec["filters"]:
        value = record.attributes.get(name) if kind == "attr" else record.links.get(name)
        if op == "in" and value not in values:
            return False
        if op == "null" and value is not None:
            return False
        if op == "notnull" and value is None:
            return False
        if op == "range":
            low, high = sorted([min(values, key=str), max(values, key=str)])
            if value is None or value < low or (not new_syntax and value > high):
                return False
        if op == "gte" and (value is None or value < values[0]):
            return False
        if op == "lt" and (value is None or value >= values[0]):
            return False
    return True


def expected_ids(rows: list[Any], spec: dict[str, Any], new_syntax: bool) -> list[int]:
    kept = [r for r in rows if matches(r, spec, new_syntax)]
    kept.sort(key=lambda r: r.id)
    keys = [(n, d) for n, d in spec["sort"]]
    if "id" in [n for n, _ in keys]:
        keys = keys[: [n for n, _ in keys].index("id") + 1]
    for name, descending in reversed(keys):
        def key(r: Any, name: str = name) -> tuple[int, Any]:
            value = r.id if name == "id" else r.attributes.get(name)
            return (0, 0) if value is None else (1, value)
        kept.sort(key=key, reverse=descending)
    return [r.id for r in kept]


def walk(client: Any, headers: dict[str, str], url: str) -> tuple[list[dict], list[dict]]:
    data, included = [], []
    while url:
        reply = client.get(url, headers=headers)
        assert reply.status_code == 200, reply.get_data(as_text=True)
        body = reply.get_json()
        data += body["data"]
        included += body.get("included", [])
        url = body.get("links", {}).get("next")
    return data, included


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_listing_equals_brute_force(mock, data):
    client, headers, records = mock
    type_name, spec = data.draw(list_queries(records))
    params = to_params(type_name, spec)
    new_syntax = ("newFilterSyntax", "true") in params
    url = f"/api/v2/{REGISTRY[type_name].collection}?{urlencode(params)}"
    got, included = walk(client, headers, url)
    assert [r["id"] for r in got] == expected_ids(records[type_name], spec, new_syntax)
    if spec["fields"] is not None:
        assert all(set(r["attributes"]) == set(spec["fields"]) for r in got)
    if spec["include"]:
        rel = spec["include"]
        want = {(r["relationships"][rel]["data"]["type"], r["relationships"][rel]["data"]["id"])
                for r in got if r["relationships"].get(rel, {}).get("data")}
        if spec["fields"] is None:
            assert {(r["type"], r["id"]) for r in included} == want
