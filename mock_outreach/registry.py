"""The resource registry: every served JSON:API type declared as data, loaded from registry.json."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

TO_ONE, TO_MANY, LINKS, OPAQUE = "to-one", "to-many", "links", "opaque"
OPERATIONS = ("list", "create", "get", "update", "delete")


@dataclass(frozen=True)
class Attribute:
    """One attribute of a resource type, with its JSON type and upstream flags."""

    name: str
    type: str  # string | integer | number | boolean | array | object
    format: str | None = None  # date-time | date | email | float ...
    max_length: int | None = None
    enum: tuple[str, ...] | None = None
    items: str | None = None  # item type of an array
    read_only: bool = False
    write_only: bool = False
    filterable: bool = False
    sortable: bool = False

    @property
    def column(self) -> str:
        return self.name


@dataclass(frozen=True)
class Relationship:
    """One relationship: to-one and to-many carry linkage, links-only carry a related URL."""

    name: str
    kind: str
    targets: tuple[str, ...]
    read_only: bool = False
    filter_attrs: tuple[str, ...] | str = ()  # target attributes usable in filter[rel][attr]; "*"

    @property
    def column(self) -> str:
        """SQL column holding the linked id (to-one) or the JSON id list (to-many)."""
        return f"{self.name}.id" if self.kind == TO_ONE else f"{self.name}.ids"

    @property
    def type_column(self) -> str:
        return f"{self.name}.type"

    @property
    def polymorphic(self) -> bool:
        return len(self.targets) > 1

    @property
    def filterable_by_id(self) -> bool:
        return self.filter_attrs == "*" or "id" in self.filter_attrs


@dataclass(frozen=True)
class ResourceType:
    """A JSON:API type: its collection path, fields, operations and member actions."""

    name: str
    collection: str
    attributes: dict[str, Attribute]
    relationships: dict[str, Relationship]
    operations: frozenset[str]
    actions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def table(self) -> str:
        return f"r_{self.name}"

    def writable_attribute(self, name: str) -> Attribute | None:
        attr = self.attributes.get(name)
        return attr if attr is not None and not attr.read_only else None

    def scope(self, level: str) -> str:
        return f"{self.collection}.{level}"


@dataclass(frozen=True)
class Registry:
    """All served types, keyed by JSON:API type and by collection path."""

    types: dict[str, ResourceType]

    def by_collection(self, collection: str) -> ResourceType | None:
        return next((t for t in self.types.values() if t.collection == collection), None)

    def __getitem__(self, name: str) -> ResourceType:
        return self.types[name]

    def __iter__(self):
        return iter(self.types.values())

    def __contains__(self, name: object) -> bool:
        return name in self.types


def _attribute(name: str, facts: dict[str, Any]) -> Attribute:
    enum = facts.get("enum")
    return Attribute(
        name=name, type=facts["type"], format=facts.get("format"),
        max_length=facts.get("maxLength"), enum=tuple(enum) if enum else None,
        items=facts.get("items"), read_only=facts["readOnly"], write_only=facts["writeOnly"],
        filterable=facts["filterable"], sortable=facts["sortable"],
    )


def _relationship(name: str, facts: dict[str, Any]) -> Relationship:
    attrs = facts["filterAttrs"]
    return Relationship(
        name=name, kind=facts["kind"], targets=tuple(facts["targets"]),
        read_only=facts["readOnly"], filter_attrs=attrs if attrs == "*" else tuple(attrs),
    )


def _resource_type(name: str, facts: dict[str, Any]) -> ResourceType:
    return ResourceType(
        name=name, collection=facts["collection"],
        attributes={a: _attribute(a, f) for a, f in facts["attributes"].items()},
        relationships={r: _relationship(r, f) for r, f in facts["relationships"].items()},
        operations=frozenset(facts["operations"]),
        actions={a: tuple(f["params"]) for a, f in facts["actions"].items()},
    )


@cache
def load_registry() -> Registry:
    """Load the committed registry (immutable, so one copy per process is shared)."""
    text = resources.files("mock_outreach").joinpath("data/registry.json").read_text()
    raw = json.loads(text)["types"]
    return Registry({name: _resource_type(name, facts) for name, facts in raw.items()})
