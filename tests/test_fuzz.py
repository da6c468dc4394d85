"""Fuzz query strings and JSON bodies over every operation: the mock never answers 5xx."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_outreach.app import create_app
from mock_outreach.registry import load_registry

REGISTRY = load_registry()
ROUTES = []
for _rtype in REGISTRY:
    _c = f"/api/v2/{_rtype.collection}"
    ROUTES += [("GET", _c, _rtype)] if "list" in _rtype.operations else []
    ROUTES += [("POST", _c, _rtype)] if "create" in _rtype.operations else []
    for _op, _method in (("get", "GET"), ("update", "PATCH"), ("delete", "DELETE")):
        ROUTES += [(_method, _c + "/{id}", _rtype)] if _op in _rtype.operations else []
    ROUTES += [("POST", _c + "/{id}/actions/" + _a, _rtype) for _a in _rtype.actions]

NAMES = st.sampled_from(["id", "firstName", "state", "owner", "dueAt", "emails", "tags",
                         "prospect", "account", "name", "createdAt", "x", "", "[", "]"])
TEXT = st.text(max_size=12)
VALUES = st.one_of(TEXT, st.sampled_from(["1", "-1", "1..5", "neginf..inf", "__null__",
                                          "__notnull__", "a,b", "true", "1e9", "%00", "..",
                                          "2024-01-01T00:00:00Z", "99999999999999999999"]))
KEYS = st.one_of(
    st.builds(lambda a: f"filter[{a}]", NAMES), st.builds(lambda a, b: f"filter[{a}][{b}]",
                                                          NAMES, NAMES),
    st.builds(lambda a: f"filter[{a}][]", NAMES), st.builds(lambda a: f"fields[{a}]", NAMES),
    st.builds(lambda a: f"page[{a}]", st.sampled_from(["size", "after", "before", "offset",
                                                       "limit", "x"])),
    st.builds(lambda a: f"actionParams[{a}]", NAMES),
    st.sampled_from(["sort", "include", "count", "newFilterSyntax", "filter", "page",
                     "provideAuthorizationMeta", "fields[prospect][x]"]), TEXT)
EDGE_NUMBERS = st.sampled_from([2**63, -(2**63) - 1, 10**30, 1e308, -0.0, 2**31])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | EDGE_NUMBERS
                    | st.floats(allow_nan=False) | TEXT, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)


def documents(rtype) -> st.SearchStrategy:
    attrs = st.dictionaries(st.sampled_from([*sorted(rtype.attributes), "bogus"]), JSON,
                            max_size=4)
    rel_names = st.sampled_from([*sorted(rtype.relationships), "bogus"])
    linkage = st.one_of(JSON, st.fixed_dictionaries({"data": st.one_of(
        st.none(), st.fixed_dictionaries({"type": st.sampled_from([rtype.name, "user", "x"]),
                                          "id": st.one_of(st.integers(), TEXT)}))}))
    rels = st.dictionaries(rel_names, linkage, max_size=2)
    data = st.fixed_dictionaries({"type": st.sampled_from([rtype.name, "x"]),
                                  "attributes": attrs, "relationships": rels},
                                 optional={"id": st.one_of(st.integers(), TEXT)})
    return st.one_of(JSON, st.fixed_dictionaries({"data": data}))


@pytest.fixture(scope="module")
def fuzz_client():
    app = create_app({"dataset": "demo", "webhook_worker": False, "rate_limit": 10**9})
    client = app.test_client()
    token = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"})
    return client, {"Authorization": f"Bearer {token.get_json()['access_token']}"}


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_requests_never_get_a_server_error(fuzz_client, data):
    client, auth = fuzz_client
    method, path, rtype = data.draw(st.sampled_from(ROUTES))
    path = path.replace("{id}", data.draw(st.sampled_from(["1", "2", "999999", "abc", "0"])))
    query = urlencode(data.draw(st.lists(st.tuples(KEYS, VALUES), max_size=4)))
    headers = {**auth}
    kwargs = {}
    if method in ("POST", "PATCH") and "/actions/" not in path:
        headers["Content-Type"] = "application/vnd.api+json"
        kwargs["data"] = json.dumps(data.draw(documents(rtype)))
    reply = client.open(f"{path}?{query}", method=method, headers=headers, **kwargs)
    assert reply.status_code < 500, reply.get_data(as_text=True)
    if reply.status_code >= 400:
        assert reply.get_json()["errors"][0]["id"]
    elif reply.status_code != 204:
        assert "data" in reply.get_json()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.one_of(st.binary(max_size=64), st.sampled_from(
    [b'{"data": NaN}', b"[" * 5000, b'{"data": {"type": "call", "attributes": {"note": 1e999}}}'])),
    content_type=st.sampled_from(
    ["application/vnd.api+json", "application/json", "text/plain"]))
def test_fuzzed_raw_bodies_never_get_a_server_error(fuzz_client, raw, content_type):
    client, auth = fuzz_client
    for path, method in (("/api/v2/calls", "POST"), ("/api/v2/prospects/1", "PATCH")):
        reply = client.open(path, method=method, data=raw,
                            headers={**auth, "Content-Type": content_type})
        assert reply.status_code < 500, reply.get_data(as_text=True)
