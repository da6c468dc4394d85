"""Read-only control routes for data without a bearer token: counts and records of any org."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from .control import control_error, guard, mock, reply
from .errors import ApiError, BadRequest, NotFound
from .registry import ResourceType

records = Blueprint("records", __name__, url_prefix="/__mock__/records")
records.before_request(guard)
records.register_error_handler(ApiError, control_error)


def org_arg() -> int:
    """The `org` query parameter (default: the first org), which must exist."""
    state = mock()
    text = request.args.get("org")
    if text is None:
        rows = state.store.query("SELECT min(id) FROM orgs")
        if rows[0][0] is None:
            raise NotFound("There is no org; seed a dataset first.")
        return int(rows[0][0])
    if not text.isdigit() or len(text) > 18:
        raise BadRequest("`org` must be an org id.", parameter="org")
    if not state.store.query("SELECT 1 FROM orgs WHERE id = ?", (int(text),)):
        raise NotFound(f"No org {text}.")
    return int(text)


def type_arg(name: str) -> ResourceType:
    """A JSON:API type name (`prospect`) or its collection (`prospects`)."""
    registry = mock().registry
    rtype = registry.types.get(name) or registry.by_collection(name)
    if rtype is None:
        raise NotFound(f"There is no resource type '{name}'.")
    return rtype


def api_base() -> str:
    return mock().base_url or request.host_url.rstrip("/") + "/api/v2"


def json_api(body: str) -> Response:
    return Response(body, mimetype="application/vnd.api+json")


@records.get("")
def counts() -> Response:
    """How many records of each type the org holds."""
    state, org_id = mock(), org_arg()
    found: dict[str, Any] = {}
    for rtype in state.registry:
        sql = f"SELECT count(*) FROM {rtype.table} WHERE org_id = ?"
        found[rtype.name] = state.store.query(sql, (org_id,))[0][0]
    return reply({"org": org_id, "counts": found})


@records.get("/<type_name>")
def listing(type_name: str) -> Response:
    """A page of one type, exactly as GET /api/v2/<collection> renders it (filters, sort...)."""
    state, org_id, rtype = mock(), org_arg(), type_arg(type_name)
    args = request.args.copy()
    args.poplist("org")
    query = state.parser.parse_list(rtype, args)
    page = state.lister.page(rtype, org_id, query)
    base = api_base()
    return json_api(state.renderer.collection(rtype, org_id, page, query, base,
                                              request.base_url, request.args))


@records.get("/<type_name>/<record_id>")
def single(type_name: str, record_id: str) -> Response:
    """One record, as GET /api/v2/<collection>/<id> renders it."""
    state, org_id, rtype = mock(), org_arg(), type_arg(type_name)
    doc = None
    if record_id.isdigit() and len(record_id) <= 18:
        doc = state.renderer.docs_by_id(rtype, org_id, [int(record_id)], api_base()).get(
            int(record_id))
    if doc is None:
        raise NotFound(f"Could not find '{rtype.name}' with ID '{record_id}' in org {org_id}.")
    return json_api('{"data":' + doc + "}")
