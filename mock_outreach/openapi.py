"""The served contract: an OpenAPI 3 document generated from the registry (SPEC §3.7)."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Blueprint, Response

from .documents import dumps
from .registry import LINKS, OPAQUE, TO_MANY, Attribute, Registry, ResourceType, load_registry

schema = Blueprint("schema", __name__, url_prefix="/api/v2/schema")
MEDIA = "application/vnd.api+json"
ERRORS = {"400": "Bad request", "401": "Missing, invalid or expired token",
          "403": "Token lacks the scope", "404": "Not found", "415": "Wrong content type",
          "422": "Validation error", "429": "Rate limit exceeded"}


def attribute_schema(attr: Attribute) -> dict[str, Any]:
    out: dict[str, Any] = {"type": attr.type, "nullable": True}
    if attr.format and attr.format not in ("contact histogram",):
        out["format"] = attr.format
    if attr.max_length is not None:
        out["maxLength"] = attr.max_length
    if attr.enum:
        out["enum"] = list(attr.enum)
    if attr.type == "array":
        out["items"] = {"type": attr.items} if attr.items else {}
    if attr.read_only:
        out["readOnly"] = True
    if attr.write_only:
        out["writeOnly"] = True
    return out


def identifier(targets: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "object", "required": ["type", "id"],
            "properties": {"type": {"type": "string", "enum": list(targets)},
                           "id": {"type": "integer"}}}


def relationship_schema(rel: Any, writing: bool) -> dict[str, Any]:
    if rel.kind == LINKS:
        return {"type": "object", "properties": {"links": {"type": "object"}}}
    data = ({"type": "array", "items": identifier(rel.targets)} if rel.kind == TO_MANY
            else {**identifier(rel.targets), "nullable": True})
    return {"type": "object", "required": ["data"] if writing else [],
            "properties": {"data": data}}


def resource_schemas(rtype: ResourceType) -> dict[str, Any]:
    attrs = {a.name: attribute_schema(a) for a in rtype.attributes.values() if not a.write_only}
    rels = {r.name: relationship_schema(r, False) for r in rtype.relationships.values()
            if r.kind != OPAQUE}
    writable_attrs = {a.name: attribute_schema(a) for a in rtype.attributes.values()
                      if not a.read_only}
    for spec in writable_attrs.values():
        spec.pop("readOnly", None)
    writable_rels = {r.name: relationship_schema(r, True) for r in rtype.relationships.values()
                     if not r.read_only and r.kind in ("to-one", TO_MANY)}
    name = rtype.name
    return {
        name: {"type": "object", "required": ["type", "id", "attributes", "links"],
               "properties": {"type": {"type": "string", "enum": [name]},
                              "id": {"type": "integer"},
                              "attributes": {"type": "object", "properties": attrs},
                              "relationships": {"type": "object", "properties": rels},
                              "links": {"type": "object"}, "meta": {"type": "object"}}},
        f"{name}Write": {"type": "object", "required": ["type"], "additionalProperties": False,
                         "properties": {
                             "type": {"type": "string", "enum": [name]},
                             "id": {"type": "integer"},
                             "attributes": {"type": "object", "properties": writable_attrs,
                                            "additionalProperties": False},
                             "relationships": {"type": "object", "properties": writable_rels,
                                               "additionalProperties": False}}},
    }


def query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema}


def reading_parameters(rtype: ResourceType) -> list[dict[str, Any]]:
    """What any GET accepts: include, the type's sparse fieldset and the meta flags."""
    return [query("include", {"type": "string"}),
            query(f"fields[{rtype.name}]", {"type": "string"}),
            query("provideAuthorizationMeta", {"type": "boolean"}),
            query("provideDataConnections", {"type": "boolean"})]


def query_parameters(rtype: ResourceType) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        *reading_parameters(rtype),
        query("sort", {"type": "string"}),
        query("count", {"type": "boolean"}),
        query("page[size]", {"type": "integer", "minimum": 1, "maximum": 1000}),
        query("page[after]", {"type": "string"}),
        query("page[before]", {"type": "string"}),
        query("page[offset]", {"type": "integer", "minimum": 0, "maximum": 10000}),
        query("page[limit]", {"type": "integer", "minimum": 1, "maximum": 1000}),
        query("newFilterSyntax", {"type": "boolean"}),
    ]
    for attr in rtype.attributes.values():
        if attr.filterable:
            params.append({"name": f"filter[{attr.name}]", "in": "query",
                           "schema": {"type": "string"}})
    for rel in rtype.relationships.values():
        if rel.filterable_by_id:
            params.append({"name": f"filter[{rel.name}][id]", "in": "query",
                           "schema": {"type": "string"}})
    return params


def responses(ok: str, schema_ref: str | None, many: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if schema_ref:
        data = {"type": "array", "items": {"$ref": schema_ref}} if many else {"$ref": schema_ref}
        out[ok] = {"description": "OK", "content": {MEDIA: {"schema": {
            "type": "object", "required": ["data"],
            "properties": {"data": data, "included": {"type": "array"},
                           "links": {"type": "object"}, "meta": {"type": "object"}}}}}}
    else:
        out[ok] = {"description": "No content"}
    for status, text in ERRORS.items():
        out[status] = {"description": text,
                       "content": {MEDIA: {"schema": {"$ref": "#/components/schemas/errors"}}}}
    return out


def operations(rtype: ResourceType) -> dict[str, Any]:
    ref = f"#/components/schemas/{rtype.name}"
    body = {"required": True, "content": {MEDIA: {"schema": {
        "type": "object", "required": ["data"],
        "properties": {"data": {"$ref": f"{ref}Write"}}}}}}
    member_id = {"name": "id", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 1}}
    coll: dict[str, Any] = {}
    member: dict[str, Any] = {}
    name, tag = rtype.name, rtype.name
    if "list" in rtype.operations:
        coll["get"] = {"operationId": f"list_{name}", "tags": [tag],
                       "parameters": query_parameters(rtype), "responses": responses("200", ref,
                                                                                    True)}
    if "create" in rtype.operations:
        coll["post"] = {"operationId": f"create_{name}", "tags": [tag], "requestBody": body,
                        "responses": responses("201", ref)}
    if "get" in rtype.operations:
        member["get"] = {"operationId": f"get_{name}", "tags": [tag],
                         "parameters": [member_id, *reading_parameters(rtype)],
                         "responses": responses("200", ref)}
    if "update" in rtype.operations:
        member["patch"] = {"operationId": f"update_{name}", "tags": [tag],
                           "parameters": [member_id], "requestBody": body,
                           "responses": responses("200", ref)}
    if "delete" in rtype.operations:
        member["delete"] = {"operationId": f"delete_{name}", "tags": [tag],
                            "parameters": [member_id], "responses": responses("204", None)}
    paths = {f"/{rtype.collection}": coll, f"/{rtype.collection}/{{id}}": member}
    for action, params in rtype.actions.items():
        query = [{"name": f"actionParams[{p}]", "in": "query", "schema": {"type": "string"}}
                 for p in params]
        paths[f"/{rtype.collection}/{{id}}/actions/{action}"] = {"post": {
            "operationId": f"{name}_{action}", "tags": [tag], "parameters": [member_id, *query],
            "responses": responses("200", ref)}}
    return {p: ops for p, ops in paths.items() if ops}


def build_openapi(registry: Registry) -> dict[str, Any]:
    components: dict[str, Any] = {"errors": {"type": "object", "properties": {
        "errors": {"type": "array", "items": {"type": "object"}},
        "error": {"type": "string"}, "description": {"type": "string"}}}}
    paths: dict[str, Any] = {}
    for rtype in registry:
        components.update(resource_schemas(rtype))
        paths.update(operations(rtype))
    return {
        "openapi": "3.0.3",
        "info": {"title": "mock-outreach: Outreach REST API v2 (emulated)", "version": "2"},
        "servers": [{"url": "/api/v2"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }


@cache
def served_document() -> str:
    return dumps(build_openapi(load_registry()))


@schema.get("/openapi.json")
def openapi_json() -> Response:
    return Response(served_document(), mimetype="application/json")
