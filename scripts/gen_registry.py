"""Generate the committed registry and upstream schema facts from Outreach's published OpenAPI.

Usage: python scripts/gen_registry.py [path/to/outreach-openapi.json]

Writes `mock_outreach/data/registry.json` (the 17 served types as facts: names, types, formats,
lengths, enums, flags, relationships, operations, actions) and `tests/data/upstream_schemas.json`
(the upstream response schemas of those operations, as JSON Schema with `nullable` converted and
all prose removed). Re-running it on the same input reproduces both files byte for byte.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "upstream" / "outreach-openapi.json"
REGISTRY_OUT = ROOT / "mock_outreach" / "data" / "registry.json"
SCHEMAS_OUT = ROOT / "tests" / "data" / "upstream_schemas.json"

COLLECTIONS = [
    "users", "calls", "accounts", "webhooks", "teams", "prospects", "mailboxes", "phoneNumbers",
    "callDispositions", "callPurposes", "events", "tasks", "mailings", "sequences",
    "sequenceTemplates", "sequenceSteps", "sequenceStates",
]
BADGE = re.compile(r"badges/(\w+)\.svg")
ENUM_LEAD = re.compile(
    r"(?:must be either|[Cc]an be|one of|Possible values are)\s+"
    r"((?:[\"'][^\"']+[\"'][\s,]*(?:or\s+)?)+)"
)
QUOTED = re.compile(r"[\"']([^\"']+)[\"']")
FILTER_ATTRS = re.compile(r"You can use attributes ([\w, ]+?) to filter")
KEEP_SCHEMA_KEYS = {"type", "format", "properties", "items", "enum", "maxLength", "$ref",
                    "required"}


def singular(collection: str) -> str:
    """Turn a collection path into its JSON:API type (`mailboxes` -> `mailbox`)."""
    if collection.endswith("xes"):
        return collection[:-2]
    if collection.endswith("ies"):
        return collection[:-3] + "y"
    return collection[:-1]


def flags(description: str) -> set[str]:
    return set(BADGE.findall(description or ""))


def parse_enum(description: str) -> list[str] | None:
    match = ENUM_LEAD.search(description or "")
    return QUOTED.findall(match.group(1)) if match else None


def attribute_facts(spec: dict[str, Any]) -> dict[str, Any]:
    badges = flags(spec.get("description", ""))
    facts: dict[str, Any] = {"type": spec.get("type", "string")}
    if spec.get("format"):
        facts["format"] = spec["format"]
    if spec.get("maxLength") is not None:
        facts["maxLength"] = spec["maxLength"]
    enum = spec.get("enum") or parse_enum(spec.get("description", ""))
    if enum:
        facts["enum"] = enum
    if spec.get("type") == "array":
        facts["items"] = (spec.get("items") or {}).get("type")
    for badge, key in (("readonly", "readOnly"), ("writeonly", "writeOnly"),
                       ("filterable", "filterable"), ("sortable", "sortable")):
        facts[key] = badge in badges
    return facts


def filter_attrs(description: str) -> list[str] | str:
    """Which attributes of the target may appear in `filter[rel][attr]`: a list, or `*`."""
    text = description or ""
    if "cannot be used as a filter" in text:
        return []
    if "only the attribute id" in text:
        return ["id"]
    if "any filterable attribute" in text:
        return "*"
    match = FILTER_ATTRS.search(text)
    if match:
        return [a for a in re.split(r",\s*|\s+and\s+", match.group(1)) if a]
    return []


def relationship_facts(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    props = spec.get("properties", {})
    data = props.get("data")
    facts: dict[str, Any] = {"readOnly": "readonly" in flags(spec.get("description", ""))}
    if data is None:
        facts["kind"] = "links" if "links" in props else "opaque"
        facts["targets"] = [singular(name)] if facts["kind"] == "links" else []
    elif data.get("type") == "array":
        facts["kind"] = "to-many"
        facts["targets"] = data["items"]["properties"]["type"]["enum"]
    else:
        facts["kind"] = "to-one"
        facts["targets"] = data["properties"]["type"]["enum"]
    facts["filterAttrs"] = filter_attrs(spec.get("description", ""))
    return facts


def operations_of(paths: dict[str, Any], collection: str) -> tuple[list[str], dict[str, Any]]:
    """The CRUD operations and member actions the upstream lists for one collection."""
    ops: list[str] = []
    actions: dict[str, Any] = {}
    base, member = f"/{collection}", f"/{collection}/{{id}}"
    for method in ("get", "post"):
        if method in paths.get(base, {}):
            ops.append({"get": "list", "post": "create"}[method])
    for method in ("get", "patch", "delete"):
        if method in paths.get(member, {}):
            ops.append({"get": "get", "patch": "update", "delete": "delete"}[method])
    prefix = f"{member}/actions/"
    for path in sorted(p for p in paths if p.startswith(prefix)):
        params = next((p for p in paths[path]["post"].get("parameters", [])
                       if p["name"] == "actionParams"), None)
        names = sorted((params or {}).get("schema", {}).get("properties", {}))
        actions[path[len(prefix):]] = {"params": names}
    return ops, actions


def build_registry(doc: dict[str, Any]) -> dict[str, Any]:
    schemas, paths = doc["components"]["schemas"], doc["paths"]
    types: dict[str, Any] = {}
    for collection in COLLECTIONS:
        name = singular(collection)
        ops, actions = operations_of(paths, collection)
        types[name] = {
            "collection": collection,
            "attributes": {a: attribute_facts(s) for a, s in
                           sorted(schemas[name]["properties"].items())},
            "relationships": {r: relationship_facts(r, s) for r, s in
                              sorted(schemas[f"{name}Relationships"]["properties"].items())},
            "operations": ops,
            "actions": actions,
        }
    return {"source": "outreach-openapi.json", "types": types}


def reduce_schema(schema: Any) -> Any:
    """Strip prose and convert OpenAPI `nullable` into JSON Schema types."""
    if isinstance(schema, list):
        return [reduce_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: reduce_schema(v) for k, v in schema.items() if k in KEEP_SCHEMA_KEYS}
    if "properties" in schema:
        out["properties"] = {k: reduce_schema(v) for k, v in schema["properties"].items()}
    if "$ref" in out:
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/definitions/")
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def referenced(schema: Any, found: set[str]) -> None:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if ref:
            found.add(ref.rsplit("/", 1)[-1])
        for value in schema.values():
            referenced(value, found)
    elif isinstance(schema, list):
        for value in schema:
            referenced(value, found)


def build_schemas(doc: dict[str, Any]) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for path, item in sorted(doc["paths"].items()):
        if path.strip("/").split("/")[0] not in COLLECTIONS:
            continue
        for method, op in sorted(item.items()):
            if method not in ("get", "post", "patch", "delete"):
                continue
            responses = {}
            for status, response in sorted(op.get("responses", {}).items()):
                content = response.get("content", {}).get("application/vnd.api+json", {})
                responses[status] = reduce_schema(content["schema"]) if content else None
            operations[f"{method.upper()} {path}"] = responses
    names: set[str] = set()
    referenced(operations, names)
    pending = set(names)
    while pending:
        name = pending.pop()
        more: set[str] = set()
        referenced(doc["components"]["schemas"][name], more)
        pending |= more - names
        names |= more
    definitions = {n: reduce_schema(doc["components"]["schemas"][n]) for n in sorted(names)}
    return {"source": "outreach-openapi.json", "definitions": definitions,
            "operations": operations}


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    doc = json.loads(source.read_text())
    write_json(REGISTRY_OUT, build_registry(doc))
    write_json(SCHEMAS_OUT, build_schemas(doc))
    print(f"wrote {REGISTRY_OUT} and {SCHEMAS_OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
