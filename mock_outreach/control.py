"""The control API under /__mock__/: health, data, clock, tenancy and tokens for tests and QA."""

from __future__ import annotations

import hmac
import ipaddress
import json
import sqlite3
from typing import Any

from flask import Blueprint, Response, current_app, request

from .clock import parse_iso
from .documents import dumps
from .errors import ApiError, BadRequest, Forbidden, NotFound, ValidationFailed
from .tenancy import (
    export_state,
    find_app,
    find_user,
    import_state,
    list_apps,
    list_orgs,
    list_users,
    register_app,
)

control = Blueprint("control", __name__, url_prefix="/__mock__")


def mock() -> Any:
    return current_app.extensions["mock_outreach"]


def reply(data: Any, status: int = 200) -> Response:
    return Response(dumps(data), status=status, mimetype="application/json")


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None and request.get_data():
        raise BadRequest("The body must be JSON.", error_id="invalidJson")
    if data is not None and not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.", error_id="invalidJson")
    return data or {}


def int_arg(name: str, default: int | None = None) -> int | None:
    """An optional non-negative integer query argument, or 400."""
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isdigit():
        raise BadRequest(f"`{name}` must be a non-negative integer.", parameter=name)
    return int(value)


def is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


@control.before_request
def guard() -> None:
    """Loopback callers only, unless a control token is configured (then it is required)."""
    token = mock().control_token
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise Forbidden("The control API needs `Authorization: Bearer <control token>`.",
                            error_id="controlTokenRequired")
    elif not is_loopback(request.remote_addr):
        raise Forbidden("The control API answers loopback clients only.",
                        error_id="controlLoopbackOnly")


@control.get("/health")
def health() -> Response:
    state = mock()
    orgs = state.store.query("SELECT count(*) FROM orgs")[0][0]
    return reply({"status": "ok", "dataset": state.dataset, "orgs": orgs,
                  "clock": state.clock.state()})


@control.post("/reset")
def reset() -> Response:
    state = mock()
    summary = state.load_dataset()
    for hook in state.extras.get("on_reset", []):
        hook()
    return reply({"status": "reset", "dataset": state.dataset, **summary})


@control.post("/seed")
def seed() -> Response:
    data = body()
    state = mock()
    if "prospects" in data:
        count, seed_value = data["prospects"], data.get("seed", 0)
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 2_000_000:
            raise ValidationFailed("`prospects` must be an integer from 0 to 2000000.")
        if not isinstance(seed_value, int) or isinstance(seed_value, bool):
            raise ValidationFailed("`seed` must be an integer.")
        summary = state.load_dataset("generated", prospects=count, seed=seed_value)
    else:
        dataset = data.get("dataset", state.dataset)
        if dataset not in ("demo", "empty"):
            raise ValidationFailed("`dataset` must be 'demo' or 'empty'.")
        summary = state.load_dataset(dataset)
    return reply({"status": "seeded", **summary})


@control.get("/state")
def get_state() -> Response:
    return reply(export_state(mock().store))


@control.put("/state")
def put_state() -> Response:
    state = mock()
    try:
        import_state(state.store, body())
    except sqlite3.Error as exc:
        raise ValidationFailed(f"The export does not fit this mock: {exc}.") from exc
    state.tokens.signing_key = state.tokens.load_signing_key()  # imported tokens stay valid
    return reply({"status": "imported"})


@control.get("/clock")
def get_clock() -> Response:
    return reply(mock().clock.state())


@control.post("/clock")
def set_clock() -> Response:
    data, clock = body(), mock().clock
    try:
        if "set" in data:
            clock.set(parse_iso(str(data["set"])))
        if "advance" in data:
            seconds = data["advance"]
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                raise ValueError("advance")
            clock.advance(float(seconds))
    except (ValueError, OverflowError, OSError) as exc:
        raise ValidationFailed("`set` takes an ISO-8601 time, `advance` a number of seconds.") \
            from exc
    if "freeze" in data:
        clock.freeze() if data["freeze"] else clock.unfreeze()
    share_clock(mock())
    return reply(clock.state())


def share_clock(state: Any) -> None:
    """Store the clock so that every worker on this database reads the same time."""
    snapshot = state.clock.snapshot()
    state.store.kv_set("clock", snapshot)
    state.extras["clock_raw"] = json.dumps(snapshot)  # as kv_set stores it


@control.get("/orgs")
def orgs() -> Response:
    return reply({"orgs": list_orgs(mock().store)})


@control.get("/users")
def users() -> Response:
    org = request.args.get("org")
    if org is not None and not org.isdigit():
        raise BadRequest("`org` must be an org id.")
    return reply({"users": list_users(mock().store, int(org) if org else None)})


@control.get("/apps")
def apps() -> Response:
    return reply({"apps": list_apps(mock().store)})


@control.post("/apps")
def create_app_registration() -> Response:
    data = body()
    app = register_app(mock().store, data.get("name", ""), data.get("redirect_uris", []),
                       data.get("scopes", []), data.get("client_id"), data.get("client_secret"))
    return reply(app, 201)


@control.get("/tokens")
def tokens() -> Response:
    return reply({"tokens": mock().tokens.listing()})


@control.post("/tokens")
def mint_token() -> Response:
    """Mint a token pair without the browser flow, for tests and scripts."""
    data, state = body(), mock()
    user = find_user(state.store, user_id=data.get("user_id"), email=data.get("email"))
    apps = list_apps(state.store)
    if data.get("client_id"):
        app = find_app(state.store, data["client_id"])
    elif apps:
        app = apps[0]
    else:
        raise NotFound("No OAuth app is registered; POST /__mock__/apps first.")
    scopes = data.get("scopes", app["scopes"])
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise ValidationFailed("`scopes` must be a list of scope names.")
    return reply(state.tokens.mint(user["id"], user["org_id"], app["id"], scopes,
                                   app["client_id"]), 201)


@control.errorhandler(ApiError)
def control_error(error: ApiError) -> Response:
    return reply(error.document(), error.status)
