"""Parse a JSON:API query string (filter, sort, page, include, fields, count) into a ListQuery."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import BadRequest
from .registry import LINKS, OPAQUE, TO_ONE, Attribute, Registry, ResourceType
from .values import InvalidValue, parse_literal

KEY = re.compile(r"^([A-Za-z_]\w*)((?:\[[^\[\]]*\])*)$")
PART = re.compile(r"\[([^\[\]]*)\]")
OPERATORS = ("gte", "lte", "gt", "lt")
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 1000
MAX_OFFSET, MAX_LIMIT = 10_000, 1000
KNOWN_PARAMS = {"filter", "sort", "page", "include", "fields", "count", "newFilterSyntax",
                "provideAuthorizationMeta", "provideDataConnections", "actionParams"}
ID_ATTRIBUTE = Attribute(name="id", type="integer", filterable=True, sortable=True)


@dataclass(frozen=True)
class Condition:
    """One filter: a field path on the listed type, an operator and typed values."""

    path: tuple[str, ...]  # ("firstName",), ("owner", "id"), ("owner", "email")
    op: str  # in | range | null | notnull | gte | lte | gt | lt
    values: tuple[Any, ...] = ()
    attribute: Attribute = ID_ATTRIBUTE


@dataclass(frozen=True)
class SortKey:
    name: str
    descending: bool = False


@dataclass
class ListQuery:
    """Everything a collection GET asks for, validated against the registry."""

    type: str
    conditions: list[Condition] = field(default_factory=list)
    sort: list[SortKey] = field(default_factory=list)
    size: int = DEFAULT_PAGE_SIZE
    after: dict[str, Any] | None = None
    before: dict[str, Any] | None = None
    offset: int | None = None
    count: bool = False
    include: list[tuple[str, ...]] = field(default_factory=list)
    fields: dict[str, set[str]] = field(default_factory=dict)
    meta_flags: set[str] = field(default_factory=set)

    @property
    def sort_spec(self) -> str:
        return ",".join(("-" if k.descending else "") + k.name for k in self.sort)


def split_key(key: str) -> tuple[str, list[str]]:
    match = KEY.match(key)
    if not match:
        raise BadRequest(f"Malformed query parameter '{key}'.", parameter=key,
                         error_id="badQueryParameter")
    return match.group(1), PART.findall(match.group(2))


def parse_bool(key: str, value: str) -> bool:
    if value not in ("true", "false"):
        raise BadRequest(f"'{key}' must be true or false.", parameter=key,
                         error_id="badQueryParameter")
    return value == "true"


class QueryParser:
    """Turns request arguments into queries for one registry; raises BadRequest on bad input."""

    def __init__(self, registry: Registry, strict_params: bool = False):
        self.registry = registry
        self.strict_params = strict_params

    def check_top_level(self, args: Any, allowed: set[str]) -> None:
        for key in args:
            base, _ = split_key(key)
            if base not in KNOWN_PARAMS and self.strict_params:
                raise BadRequest(f"Unknown query parameter '{key}'.", parameter=key,
                                 error_id="unknownQueryParameter")
            if base in KNOWN_PARAMS and base not in allowed:
                raise BadRequest(f"Parameter '{key}' is not supported on this request.",
                                 parameter=key, error_id="badQueryParameter")

    def parse_list(self, rtype: ResourceType, args: Any) -> ListQuery:
        self.check_top_level(args, KNOWN_PARAMS - {"actionParams"})
        query = ListQuery(type=rtype.name)
        new_syntax = parse_bool("newFilterSyntax", args.get("newFilterSyntax", "false"))
        for key in args:
            base, parts = split_key(key)
            values = args.getlist(key)
            if base == "filter":
                query.conditions.extend(self._filter(rtype, key, parts, values, new_syntax))
            elif base == "page":
                self._page(query, key, parts, values[-1])
        query.sort = self._sort(rtype, args.get("sort"))
        query.count = parse_bool("count", args.get("count", "false"))
        self._reading_params(rtype, args, query)
        self._check_cursor(query)
        return query

    def parse_read(self, rtype: ResourceType, args: Any) -> ListQuery:
        """A single-resource GET: include, fields and meta flags only."""
        self.check_top_level(args, {"include", "fields", "provideAuthorizationMeta",
                                    "provideDataConnections"})
        query = ListQuery(type=rtype.name)
        self._reading_params(rtype, args, query)
        return query

    def _reading_params(self, rtype: ResourceType, args: Any, query: ListQuery) -> None:
        query.include = self._include(rtype, args.get("include"))
        query.fields = self._fields(args)
        for flag in ("provideAuthorizationMeta", "provideDataConnections"):
            if parse_bool(flag, args.get(flag, "false")):
                query.meta_flags.add(flag)

    # -- filter -----------------------------------------------------------------------------
    def _filter(self, rtype: ResourceType, key: str, parts: list[str], values: list[str],
                new_syntax: bool) -> list[Condition]:
        op = None
        if new_syntax and parts and parts[-1] in (*OPERATORS, ""):
            op = parts.pop() or "list"
        if not 1 <= len(parts) <= 2 or not all(parts):
            raise BadRequest(f"Malformed filter '{key}'.", parameter=key, error_id="badFilter")
        attribute = self._filter_target(rtype, key, parts)
        if op is None and len(values) > 1:
            raise BadRequest(f"Filter '{key}' is given more than once.", parameter=key,
                             error_id="badFilter")
        try:
            if op == "list":
                return [Condition(tuple(parts), "in",
                                  tuple(parse_literal(attribute, v) for v in values), attribute)]
            if op is not None:
                return [Condition(tuple(parts), op, (parse_literal(attribute, v),), attribute)
                        for v in values]
            return [self._legacy_condition(tuple(parts), attribute, values[0], new_syntax)]
        except InvalidValue as exc:
            raise BadRequest(f"Invalid value for filter '{key}': {exc}", parameter=key,
                             error_id="badFilter") from exc

    def _legacy_condition(self, path: tuple[str, ...], attribute: Attribute, text: str,
                          new_syntax: bool) -> Condition:
        if text in ("__null__", "__notnull__"):
            return Condition(path, text.strip("_"), (), attribute)
        if ".." in text and not new_syntax:
            low, _, high = text.partition("..")
            bounds = (None if low == "neginf" else parse_literal(attribute, low),
                      None if high == "inf" else parse_literal(attribute, high))
            return Condition(path, "range", bounds, attribute)
        items = [text] if new_syntax else text.split(",")
        return Condition(path, "in", tuple(parse_literal(attribute, v) for v in items), attribute)

    def _filter_target(self, rtype: ResourceType, key: str, parts: list[str]) -> Attribute:
        """The attribute a filter path compares, after checking that filtering on it is allowed."""
        name = parts[0]
        if len(parts) == 1:
            if name == "id":
                return ID_ATTRIBUTE
            attr = rtype.attributes.get(name)
            if attr is None or attr.write_only:
                raise BadRequest(f"'{name}' is not an attribute of {rtype.name}.",
                                 parameter=key, error_id="filterParameter.unknownField")
            if not attr.filterable:
                raise BadRequest(f"Filtering {rtype.collection} by '{name}' is not supported.",
                                 parameter=key, error_id="filterParameter.notFilterable")
            return attr
        rel = rtype.relationships.get(name)
        if rel is None or rel.kind == OPAQUE:
            raise BadRequest(f"'{name}' is not a relationship of {rtype.name}.",
                             parameter=key, error_id="filterParameter.unknownField")
        return self._relationship_filter(rtype, rel, key, parts[1])

    def _relationship_filter(self, rtype: ResourceType, rel: Any, key: str,
                             field_name: str) -> Attribute:
        allowed = rel.filter_attrs
        if field_name == "id" and rel.filterable_by_id:
            return ID_ATTRIBUTE
        target = self.registry.types.get(rel.targets[0]) if rel.targets else None
        usable = target is not None and rel.kind == TO_ONE and not rel.polymorphic
        if usable and (allowed == "*" or field_name in allowed):
            attr = target.attributes.get(field_name)  # type: ignore[union-attr]
            if attr is not None and (allowed != "*" or attr.filterable):
                return attr
        raise BadRequest(f"Filtering {rtype.collection} by '{rel.name}.{field_name}' is not "
                         "supported.", parameter=key, error_id="filterParameter.notFilterable")

    # -- sort, page, include, fields ---------------------------------------------------------
    def _sort(self, rtype: ResourceType, text: str | None) -> list[SortKey]:
        if text is None:
            return []
        keys = []
        for item in text.split(","):
            name = item[1:] if item.startswith("-") else item
            attr = ID_ATTRIBUTE if name == "id" else rtype.attributes.get(name)
            if attr is None or not attr.sortable or attr.type in ("array", "object"):
                raise BadRequest(f"Sorting {rtype.collection} by '{name}' is not supported.",
                                 parameter="sort", error_id="sortParameter.notSortable")
            keys.append(SortKey(name, item.startswith("-")))
        return keys

    def _page(self, query: ListQuery, key: str, parts: list[str], value: str) -> None:
        name = parts[0] if len(parts) == 1 else None
        if name in ("after", "before"):
            setattr(query, name, decode_cursor(value, key))
            return
        limits = {"size": (1, MAX_PAGE_SIZE), "limit": (1, MAX_LIMIT), "offset": (0, MAX_OFFSET)}
        if name not in limits:
            raise BadRequest(f"Unknown page parameter '{key}'.", parameter=key,
                             error_id="pageParameter.unknown")
        low, high = limits[name]
        if not value.isdigit() or not low <= int(value) <= high:
            raise BadRequest(f"'{key}' must be an integer from {low} to {high}.",
                             parameter=key, error_id="pageParameter.invalid")
        if name == "offset":
            query.offset = int(value)
        else:
            query.size = int(value)

    def _check_cursor(self, query: ListQuery) -> None:
        if query.after is not None and query.before is not None:
            raise BadRequest("Use either page[after] or page[before], not both.",
                             parameter="page", error_id="pageParameter.invalid")
        cursor = query.after or query.before
        if cursor is not None and query.offset is not None:
            raise BadRequest("Cursor and offset pagination cannot be combined.",
                             parameter="page", error_id="pageParameter.invalid")
        if cursor is not None and (cursor.get("t") != query.type
                                   or cursor.get("s") != query.sort_spec):
            raise BadRequest("The page cursor does not belong to this query.",
                             parameter="page", error_id="pageParameter.invalidCursor")

    def _include(self, rtype: ResourceType, text: str | None) -> list[tuple[str, ...]]:
        if text is None:
            return []
        paths = []
        for item in text.split(","):
            current, path = rtype, tuple(item.split("."))
            for name in path:
                rel = current.relationships.get(name) if current else None
                if rel is None or rel.kind in (LINKS, OPAQUE):
                    raise BadRequest(f"'{item}' is not an includable relationship.",
                                     parameter="include", error_id="includeParameter.invalid")
                current = self.registry.types.get(rel.targets[0]) if len(
                    rel.targets) == 1 else None
            paths.append(path)
        return paths

    def _fields(self, args: Any) -> dict[str, set[str]]:
        fields: dict[str, set[str]] = {}
        for key in args:
            base, parts = split_key(key)
            if base != "fields":
                continue
            if len(parts) != 1 or parts[0] not in self.registry:
                raise BadRequest(f"'{key}' does not name a resource type.", parameter=key,
                                 error_id="fieldsParameter.unknownResourceType")
            rtype = self.registry[parts[0]]
            names = {n for n in args.get(key).split(",") if n}
            unknown = names - set(rtype.attributes) - set(rtype.relationships)
            if unknown:
                raise BadRequest(f"Unknown field(s) {', '.join(sorted(unknown))} for "
                                 f"{rtype.name}.", parameter=key,
                                 error_id="fieldsParameter.unknownResourceField")
            fields[rtype.name] = names
        return fields


def encode_cursor(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str, key: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict) or not isinstance(data.get("id"), int) or not isinstance(
                data.get("v"), list):
            raise ValueError("not a cursor")
        return data
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadRequest(f"'{key}' is not a valid cursor.", parameter=key,
                         error_id="pageParameter.invalidCursor") from exc
