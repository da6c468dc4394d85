"""Validate a JSON:API write document against the registry into attributes and linkage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, BadRequest, MultipleErrors, ValidationFailed
from .registry import TO_MANY, TO_ONE, Relationship, ResourceType
from .store import Store
from .values import InvalidValue, parse_id, validate

DATA_MEMBERS = {"type", "id", "attributes", "relationships", "meta", "links"}


@dataclass
class Write:
    """A validated create or update: only what the client supplied."""

    attributes: dict[str, Any] = field(default_factory=dict)
    links: dict[str, Any] = field(default_factory=dict)
    followups: list[str] = field(default_factory=list)  # extra events hooks want emitted


def envelope_error(detail: str, pointer: str = "/data") -> ValidationFailed:
    return ValidationFailed(detail, pointer=pointer)


def parse_write(store: Store, rtype: ResourceType, org_id: int, body: Any,
                record_id: int | None, numeric_strings: bool = True) -> Write:
    """Check the envelope, attributes and relationships; raise the errors Outreach answers."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise envelope_error("The request body must be a JSON object with a `data` object.")
    _check_envelope(rtype, data, record_id)
    write = Write()
    errors: list[ApiError] = []
    attributes = data.get("attributes", {})
    if not isinstance(attributes, dict):
        raise envelope_error("`attributes` must be an object.", "/data/attributes")
    for name, value in attributes.items():
        _write_attribute(rtype, name, value, write, errors)
    relationships = data.get("relationships", {})
    if not isinstance(relationships, dict):
        raise envelope_error("`relationships` must be an object.", "/data/relationships")
    for name, value in relationships.items():
        _write_relationship(store, rtype, org_id, name, value, write, errors, numeric_strings)
    if errors:
        raise errors[0] if len(errors) == 1 else MultipleErrors(errors)
    return write


def _check_envelope(rtype: ResourceType, data: dict[str, Any], record_id: int | None) -> None:
    unknown = set(data) - DATA_MEMBERS
    if unknown:
        raise envelope_error(f"Unknown member(s) in data: {', '.join(sorted(unknown))}.")
    if data.get("type") != rtype.name:
        raise envelope_error(f"`type` must be '{rtype.name}'.", "/data/type")
    if record_id is None:
        if "id" in data:
            raise envelope_error("`id` cannot be given when creating a resource.", "/data/id")
        return
    try:
        same = "id" in data and parse_id(data["id"]) == record_id
    except InvalidValue:
        same = False
    if not same:
        raise envelope_error(f"`id` must be {record_id}, the id in the URL.", "/data/id")


def _write_attribute(rtype: ResourceType, name: str, value: Any, write: Write,
                     errors: list[ApiError]) -> None:
    pointer = f"/data/attributes/{name}"
    attr = rtype.writable_attribute(name)
    if attr is None:
        detail = (f"'{name}' is read-only on {rtype.name}." if name in rtype.attributes
                  else f"'{name}' is not a permitted attribute of {rtype.name}.")
        raise BadRequest(detail, pointer=pointer, error_id="permittedParams.unknownAttribute")
    try:
        write.attributes[name] = validate(attr, value)
    except InvalidValue as exc:
        errors.append(ValidationFailed(str(exc), pointer=pointer))


def _write_relationship(store: Store, rtype: ResourceType, org_id: int, name: str, value: Any,
                        write: Write, errors: list[ApiError], numeric_strings: bool) -> None:
    pointer = f"/data/relationships/{name}"
    rel = rtype.relationships.get(name)
    if rel is None or rel.read_only or rel.kind not in (TO_ONE, TO_MANY):
        detail = (f"Relationship '{name}' is read-only on {rtype.name}." if rel
                  else f"'{name}' is not a relationship of {rtype.name}.")
        raise BadRequest(detail, pointer=pointer,
                         error_id="permittedParams.unknownRelationship")
    if not isinstance(value, dict) or "data" not in value:
        errors.append(ValidationFailed("A relationship must be an object with `data`.",
                                       pointer=pointer))
        return
    try:
        write.links[name] = _linkage(store, rel, org_id, value["data"], numeric_strings)
    except InvalidValue as exc:
        errors.append(ValidationFailed(str(exc), pointer=f"{pointer}/data"))


def _linkage(store: Store, rel: Relationship, org_id: int, data: Any,
             numeric_strings: bool) -> Any:
    if rel.kind == TO_MANY:
        if not isinstance(data, list):
            raise InvalidValue(f"'{rel.name}' takes an array of resource identifiers.")
        return [_identifier(store, rel, org_id, item, numeric_strings)[1] for item in data]
    if data is None:
        return None
    kind, rid = _identifier(store, rel, org_id, data, numeric_strings)
    return (kind, rid) if rel.polymorphic else rid


def _identifier(store: Store, rel: Relationship, org_id: int, item: Any,
                numeric_strings: bool) -> tuple[str, int]:
    if not isinstance(item, dict) or set(item) - {"type", "id"}:
        raise InvalidValue("A resource identifier must be {\"type\": ..., \"id\": ...}.")
    kind = item.get("type")
    if kind not in rel.targets:
        allowed = " or ".join(f"'{t}'" for t in rel.targets)
        raise InvalidValue(f"'{rel.name}' must link to {allowed}, not '{kind}'.")
    if isinstance(item.get("id"), str) and not numeric_strings:
        raise InvalidValue("Relationship ids are integers (numeric_string_ids is off).")
    rid = parse_id(item.get("id"))
    if kind in store.registry and not store.exists(kind, org_id, rid):
        raise InvalidValue(f"Could not find '{kind}' with ID '{rid}'.")
    return kind, rid
