"""Every route and method of the 17 types refuses bad tokens, missing scopes and other orgs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_outreach.app import create_app
from mock_outreach.registry import load_registry

REGISTRY = load_registry()
LEVEL = {"list": "read", "get": "read", "create": "write", "update": "write",
         "delete": "delete", "action": "write"}
METHOD = {"list": "GET", "get": "GET", "create": "POST", "update": "PATCH", "delete": "DELETE",
          "action": "POST"}
AVA, GINA = "ava.reed@acme.example", "gina.park@globex.example"


def routes() -> Iterator[Any]:
    """(type, operation, action) for every operation and member action the registry lists."""
    for rtype in REGISTRY:
        for operation in sorted(rtype.operations):
            yield pytest.param(rtype.name, operation, None, id=f"{rtype.name}-{operation}")
        for action in rtype.actions:
            yield pytest.param(rtype.name, "action", action, id=f"{rtype.name}-{action}")


ROUTES = list(routes())
# A create writes into the caller's own org, so only the other routes can leak another org's data.
NOT_CREATE = [route for route in ROUTES if route.values[1] != "create"]


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[Flask, dict[str, int]]]:
    """One demo mock for the whole table (no test here changes data), with an org-1 record
    of every type."""
    app = create_app({"dataset": "demo", "webhook_worker": False})
    store = app.extensions["mock_outreach"].store
    ids = {}
    for rtype in REGISTRY:
        rows = store.query(f"SELECT min(id) FROM {rtype.table} WHERE org_id = 1")
        ids[rtype.name] = rows[0][0] or store.insert(rtype.name, 1, {}).id
    yield app, ids


@pytest.fixture
def api(shared: tuple[Flask, dict[str, int]]) -> FlaskClient:
    return shared[0].test_client()


def mint(client: FlaskClient, email: str = AVA, **extra: Any) -> str:
    answer = client.post("/__mock__/tokens", json={"email": email, **extra})
    assert answer.status_code == 201
    return answer.get_json()["access_token"]


def path_of(type_name: str, operation: str, action: str | None, record_id: int) -> str:
    collection = REGISTRY[type_name].collection
    if operation in ("list", "create"):
        return f"/api/v2/{collection}"
    if operation == "action":
        return f"/api/v2/{collection}/{record_id}/actions/{action}"
    return f"/api/v2/{collection}/{record_id}"


def call(client: FlaskClient, shared: Any, route: tuple[str, str, str | None],
         token: str | None) -> Any:
    type_name, operation, action = route
    headers = {"Content-Type": "application/vnd.api+json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    path = path_of(type_name, operation, action, shared[1][type_name])
    body = b'{"data": {}}' if operation in ("create", "update") else None
    return client.open(path, method=METHOD[operation], headers=headers, data=body)


def assert_unauthorized(answer: Any) -> None:
    assert answer.status_code == 401, answer.get_data(as_text=True)
    assert answer.get_json()["error"] == "Invalid JWT token."
    assert "WWW-Authenticate" not in answer.headers


@pytest.mark.parametrize(("type_name", "operation", "action"), ROUTES)
def test_route_refuses_missing_garbled_expired_and_revoked_tokens(
        api: FlaskClient, shared: Any, type_name: str, operation: str,
        action: str | None) -> None:
    route = (type_name, operation, action)
    expired, revoked = mint(api), mint(api)
    api.post("/__mock__/tokens/expire", json={"access_token": expired})
    api.post("/__mock__/tokens/revoke", json={"access_token": revoked})
    for token in (None, "not-a-jwt", expired[:-4] + "AAAA", expired, revoked):
        assert_unauthorized(call(api, shared, route, token))


@pytest.mark.parametrize(("type_name", "operation", "action"), ROUTES)
def test_route_refuses_a_token_without_its_scope_naming_it(
        api: FlaskClient, shared: Any, type_name: str, operation: str,
        action: str | None) -> None:
    collection, needed = REGISTRY[type_name].collection, LEVEL[operation]
    # Every other level of the same collection: levels are not additive.
    others = [f"{collection}.{lvl}" for lvl in ("read", "write", "delete") if lvl != needed]
    answer = call(api, shared, (type_name, operation, action), mint(api, scopes=others))
    assert answer.status_code == 403
    assert answer.get_json() == {"errors": [{
        "id": "unauthorizedOauthScope", "title": "Unauthorized OAuth Scope",
        "detail": f"Your authorization does not include the required scope "
                  f"'{collection}.{needed}'."}]}


@pytest.mark.parametrize(("type_name", "operation", "action"), NOT_CREATE)
def test_route_hides_another_orgs_records(api: FlaskClient, shared: Any, type_name: str,
                                          operation: str, action: str | None) -> None:
    answer = call(api, shared, (type_name, operation, action), mint(api, GINA))
    if operation == "list":
        assert answer.status_code == 200
        store = shared[0].extensions["mock_outreach"].store
        table = REGISTRY[type_name].table
        own = {r[0] for r in store.query(f"SELECT id FROM {table} WHERE org_id = 2")}
        assert {int(item["id"]) for item in answer.get_json()["data"]} <= own
    else:
        assert answer.status_code == 404, answer.get_data(as_text=True)
        assert answer.get_json()["errors"][0]["id"] == "resourceNotFound"


@pytest.mark.parametrize("scope_level", ["read", "all"])
def test_read_routes_answer_a_token_with_the_scope(api: FlaskClient, shared: Any,
                                                   scope_level: str) -> None:
    for rtype in REGISTRY:
        token = mint(api, scopes=[f"{rtype.collection}.{scope_level}"])
        for operation in ("list", "get"):
            answer = call(api, shared, (rtype.name, operation, None), token)
            assert answer.status_code == 200, (rtype.name, answer.get_data(as_text=True))


def test_who_am_i_names_the_user_org_app_scopes_and_expiry(api: FlaskClient) -> None:
    api.post("/__mock__/clock", json={"set": "2030-01-01T00:00:00Z", "freeze": True})
    try:
        token = mint(api, scopes=["prospects.read", "calls.all"])
        answer = api.get("/api/v2", headers={"Authorization": f"Bearer {token}"})
    finally:
        api.post("/__mock__/clock", json={"freeze": False})
    assert answer.status_code == 200
    assert answer.get_json() == {"meta": {
        "user": {"id": 1, "email": AVA, "name": "Ava Reed"},
        "org": {"id": 1, "name": "Acme Telecom"},
        "application": {"clientId": "demo-dialer", "name": "Demo Dialer"},
        "scopes": ["calls.all", "prospects.read"],
        "expiresAt": "2030-01-01T02:00:00.000Z"}}


def test_who_am_i_needs_a_valid_token(api: FlaskClient) -> None:
    assert_unauthorized(api.get("/api/v2"))
    assert_unauthorized(api.get("/api/v2", headers={"Authorization": "Bearer x.y.z"}))
