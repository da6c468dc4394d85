"""The JSON:API v2 routes: one generic view per route shape, driven by the registry."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from .clock import iso
from .errors import BadRequest, Forbidden, MethodNotAllowed, NotFound, UnsupportedMediaType
from .registry import ResourceType
from .resources import Actor
from .tokens import Grant
from .writes import parse_write

MEDIA_TYPE = "application/vnd.api+json"
LEVELS = {"GET": "read", "POST": "write", "PATCH": "write", "DELETE": "delete"}

api = Blueprint("api", __name__, url_prefix="/api/v2")


def mock() -> Any:
    return current_app.extensions["mock_outreach"]


def document(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status=status, mimetype=MEDIA_TYPE, headers=headers)


def base_url() -> str:
    configured = mock().base_url
    # Built from the Host header directly: werkzeug's host_url re-parses the URL every time.
    return configured or f"{request.scheme}://{request.host}/api/v2"


def authenticate() -> Grant:
    """The request's grant (checked once per request; the QA hooks may have done it), or 401."""
    grant = g.get("grant")
    if grant is None:
        grant = mock().tokens.authenticate(request.headers.get("Authorization"))
        g.grant = grant
    return grant


def require_scope(grant: Grant, rtype: ResourceType, level: str) -> None:
    """Scopes are `<collection>.<read|write|delete|all>`; levels are not additive."""
    needed = rtype.scope(level)
    if needed not in grant.scopes and rtype.scope("all") not in grant.scopes:
        raise Forbidden(f"Your authorization does not include the required scope '{needed}'.")


def resource_type(collection: str, operation: str | None = None) -> ResourceType:
    rtype = mock().registry.by_collection(collection)
    if rtype is None:
        raise NotFound(f"There is no resource collection '{collection}'.",
                       error_id="routeNotFound")
    if operation is not None and operation not in rtype.operations:
        raise MethodNotAllowed(f"{request.method} is not supported on {request.path}.")
    return rtype


def actor_for(collection: str, operation: str) -> tuple[ResourceType, Grant, Actor]:
    """Resolve the type, authenticate, check scope: the preamble of every resource route."""
    grant = authenticate()
    rtype = resource_type(collection, operation)
    require_scope(grant, rtype, LEVELS[request.method])
    if request.method in ("GET", "DELETE"):
        check_bodyless_content_type()
    return rtype, grant, Actor(org_id=grant.org_id, user_id=grant.user_id)


def check_bodyless_content_type() -> None:
    """Outreach may want the JSON:API media type on every request; optional (off by default)."""
    if mock().settings.require_content_type_on_reads and request.mimetype != MEDIA_TYPE:
        raise UnsupportedMediaType(f"Expected Content-Type header to be '{MEDIA_TYPE}'.")


def parse_id_segment(text: str, rtype: ResourceType) -> int:
    if not text.isdigit() or len(text) > 18:
        raise NotFound(f"Could not find '{rtype.name}' with ID '{text}'.")
    return int(text)


def json_body() -> Any:
    if request.mimetype != MEDIA_TYPE:
        raise UnsupportedMediaType(f"Expected Content-Type header to be '{MEDIA_TYPE}'.")
    mock().parser.check_top_level(request.args, set())
    try:
        return json.loads(request.get_data(as_text=True) or "null",
                          parse_constant=reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadRequest("The request body is not valid JSON.", pointer="",
                         error_id="invalidJson") from exc


def reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


@api.get("")
def who_am_i() -> Response:
    grant = authenticate()
    state = mock()
    user = state.store.get("user", grant.org_id, grant.user_id)
    org = state.store.query("SELECT id, name FROM orgs WHERE id = ?", (grant.org_id,))
    app = state.store.query("SELECT client_id, name FROM apps WHERE id = ?", (grant.app_id,))
    meta = {
        "user": {"id": grant.user_id, "email": user.attributes.get("email") if user else None,
                 "name": user.attributes.get("name") if user else None},
        "org": {"id": org[0][0], "name": org[0][1]} if org else None,
        "application": {"clientId": app[0][0], "name": app[0][1]} if app else None,
        "scopes": sorted(grant.scopes),
        "expiresAt": iso(grant.expires_at),
    }
    return document(json.dumps({"meta": meta}))


@api.get("/<collection>")
def list_resources(collection: str) -> Response:
    rtype, _, actor = actor_for(collection, "list")
    state = mock()
    query = state.parser.parse_list(rtype, request.args)
    page = state.lister.page(rtype, actor.org_id, query)
    base = base_url()
    body = state.renderer.collection(rtype, actor.org_id, page, query, base,
                                     f"{base}/{rtype.collection}", request.args)
    return document(body)


@api.post("/<collection>")
def create_resource(collection: str) -> Response:
    rtype, _, actor = actor_for(collection, "create")
    state = mock()
    write = parse_write(state.store, rtype, actor.org_id, json_body(), None,
                        state.settings.numeric_string_ids)
    record = state.resources.create(rtype, actor, write)
    body = state.renderer.single(rtype, actor.org_id, record, base_url())
    location = f"{base_url()}/{rtype.collection}/{record.id}"
    return document(body, 201, {"Location": location})


@api.get("/<collection>/<record_id>")
def get_resource(collection: str, record_id: str) -> Response:
    rtype, _, actor = actor_for(collection, "get")
    state = mock()
    query = state.parser.parse_read(rtype, request.args)
    found = parse_id_segment(record_id, rtype)
    body = state.renderer.read(rtype, actor.org_id, found, query, base_url())
    if body is None:
        raise NotFound(f"Could not find '{rtype.name}' with ID '{found}'.")
    return document(body)


@api.patch("/<collection>/<record_id>")
def update_resource(collection: str, record_id: str) -> Response:
    rtype, _, actor = actor_for(collection, "update")
    state = mock()
    record = state.resources.find(rtype, actor, parse_id_segment(record_id, rtype))
    write = parse_write(state.store, rtype, actor.org_id, json_body(), record.id,
                        state.settings.numeric_string_ids)
    record = state.resources.update(rtype, actor, record, write)
    return document(state.renderer.single(rtype, actor.org_id, record, base_url()))


@api.delete("/<collection>/<record_id>")
def delete_resource(collection: str, record_id: str) -> Response:
    rtype, _, actor = actor_for(collection, "delete")
    state = mock()
    record = state.resources.find(rtype, actor, parse_id_segment(record_id, rtype))
    state.resources.delete(rtype, actor, record)
    return Response(status=204)


@api.post("/<collection>/<record_id>/actions/<name>")
def member_action(collection: str, record_id: str, name: str) -> Response:
    grant = authenticate()
    rtype = resource_type(collection)
    if name not in rtype.actions:
        raise NotFound(f"There is no action '{name}' on {rtype.collection}.",
                       error_id="routeNotFound")
    require_scope(grant, rtype, "write")
    check_bodyless_content_type()
    actor = Actor(org_id=grant.org_id, user_id=grant.user_id)
    state = mock()
    state.parser.check_top_level(request.args, {"actionParams"})
    params = action_params(request.args)
    record = state.resources.find(rtype, actor, parse_id_segment(record_id, rtype))
    record = state.resources.action(rtype, actor, record, name, params)
    return document(state.renderer.single(rtype, actor.org_id, record, base_url()))


def action_params(args: Any) -> dict[str, str]:
    params = {}
    for key in args:
        if not key.startswith("actionParams"):
            continue
        inner = key[len("actionParams"):]
        if not (inner.startswith("[") and inner.endswith("]")) or "[" in inner[1:-1]:
            raise BadRequest(f"Malformed action parameter '{key}'.", parameter=key,
                             error_id="actionParams.malformed")
        params[inner[1:-1]] = args.get(key)
    return params
