"""JSON:API documents: parsing responses into resources and building request bodies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .query import format_value

# Relationship names whose target type differs from the name (others: the name is the type).
RELATIONSHIP_TYPES: dict[str, str] = {
    "owner": "user",
    "creator": "user",
    "updater": "user",
    "completer": "user",
    "authorizer": "user",
    "prospectOwner": "user",
    "prospectAccount": "account",
}


@dataclass
class Resource:
    """One resource object: type, integer id, attributes, relationships, links, meta."""

    type: str
    id: int
    attributes: dict[str, Any] = field(default_factory=dict)
    relationships: dict[str, Any] = field(default_factory=dict)
    links: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, obj: Mapping[str, Any]) -> Resource:
        """From a resource object in a response."""
        return cls(
            type=obj["type"],
            id=int(obj["id"]),
            attributes=dict(obj.get("attributes") or {}),
            relationships=dict(obj.get("relationships") or {}),
            links=dict(obj.get("links") or {}),
            meta=dict(obj.get("meta") or {}),
        )

    def linkage(self, name: str) -> Any:
        """The `data` of a relationship: a `{type, id}` dict, a list of them, or None."""
        value = self.relationships.get(name)
        return value.get("data") if isinstance(value, Mapping) else None

    def related_id(self, name: str) -> int | None:
        """The id of a to-one relationship, or None."""
        data = self.linkage(name)
        return int(data["id"]) if isinstance(data, Mapping) and data.get("id") is not None else None


@dataclass
class Document:
    """A response document with its `included` resources indexed by (type, id)."""

    data: Resource | list[Resource] | None
    included: dict[tuple[str, int], Resource] = field(default_factory=dict)
    links: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> Document:
        """From a decoded JSON:API response body."""
        raw = body.get("data")
        if isinstance(raw, list):
            data: Resource | list[Resource] | None = [Resource.parse(item) for item in raw]
        else:
            data = Resource.parse(raw) if raw else None
        included = [Resource.parse(item) for item in body.get("included") or []]
        return cls(
            data=data,
            included={(item.type, item.id): item for item in included},
            links=dict(body.get("links") or {}),
            meta=dict(body.get("meta") or {}),
        )

    def lookup(self, linkage: Any) -> Resource | None:
        """The included resource a `{type, id}` linkage points to, if it was included."""
        if not isinstance(linkage, Mapping) or linkage.get("id") is None:
            return None
        return self.included.get((linkage["type"], int(linkage["id"])))


def linkage_for(name: str, value: Any) -> Any:
    """A relationship value as linkage: id, (type, id), model/resource, list of those, or None."""
    if value is None:
        return None
    if isinstance(value, list | tuple) and not _is_pair(value):
        return [linkage_for(name, item) for item in value]
    if _is_pair(value):
        return {"type": value[0], "id": int(value[1])}
    if hasattr(value, "type") and hasattr(value, "id"):
        return {"type": value.type, "id": int(value.id)}
    return {"type": RELATIONSHIP_TYPES.get(name, name), "id": int(value)}


def _is_pair(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)


def _json_value(value: Any) -> Any:
    """Datetimes and dates as Outreach writes them (ISO-8601 UTC with milliseconds)."""
    return format_value(value) if isinstance(value, date) else value


def resource_body(
    type_name: str,
    attributes: Mapping[str, Any] | None = None,
    relationships: Mapping[str, Any] | None = None,
    id: int | None = None,
) -> dict[str, Any]:
    """`{"data": {...}}` for a create (no id) or an update (with id)."""
    data: dict[str, Any] = {"type": type_name}
    if id is not None:
        data["id"] = int(id)
    if attributes:
        data["attributes"] = {name: _json_value(value) for name, value in attributes.items()}
    if relationships:
        data["relationships"] = {
            name: {"data": linkage_for(name, value)} for name, value in relationships.items()
        }
    return {"data": data}
