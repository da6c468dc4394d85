"""Python arguments to JSON:API query parameters: filter, sort, include, fields, page, actions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

Params = list[tuple[str, str]]


def format_value(value: Any) -> str:
    """One scalar as Outreach expects it (ISO-8601 UTC with milliseconds, lowercase booleans)."""
    if value is None:
        return "__null__"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def format_range(low: Any, high: Any) -> str:
    """`low..high`, open ends written `neginf` / `inf`."""
    left = "neginf" if low is None else format_value(low)
    right = "inf" if high is None else format_value(high)
    return f"{left}..{right}"


def filter_params(filters: Mapping[str, Any], *, new_syntax: bool = False) -> Params:
    """`{"owner": {"id": 5}, "state": "incomplete"}` -> `filter[owner][id]=5&filter[state]=...`.

    Lists become `a,b` (or repeated `[]` keys with the new syntax); a 2-tuple is a range
    `(low, high)` with None for an open end (or `[gte]`/`[lte]` with the new syntax).
    """
    params: Params = []
    for name, value in filters.items():
        _flatten(f"filter[{name}]", value, new_syntax, params)
    if new_syntax and filters:
        params.append(("newFilterSyntax", "true"))
    return params


def _flatten(key: str, value: Any, new_syntax: bool, out: Params) -> None:
    if isinstance(value, Mapping):
        for sub, inner in value.items():
            _flatten(f"{key}[{sub}]", inner, new_syntax, out)
    elif isinstance(value, tuple) and len(value) == 2:
        if not new_syntax:
            out.append((key, format_range(*value)))
            return
        low, high = value
        if low is not None:
            out.append((f"{key}[gte]", format_value(low)))
        if high is not None:
            out.append((f"{key}[lte]", format_value(high)))
    elif isinstance(value, list | set | frozenset):
        if new_syntax:
            out.extend((f"{key}[]", format_value(item)) for item in value)
        else:
            out.append((key, ",".join(format_value(item) for item in value)))
    else:
        out.append((key, format_value(value)))


def comma(values: str | Iterable[str]) -> str:
    """`["a", "b"]` -> `a,b`; a string passes through."""
    return values if isinstance(values, str) else ",".join(values)


def list_params(
    *,
    filter: Mapping[str, Any] | None = None,
    new_filter_syntax: bool = False,
    sort: str | Iterable[str] | None = None,
    include: str | Iterable[str] | None = None,
    fields: Mapping[str, str | Iterable[str]] | None = None,
    page_size: int | None = None,
    count: bool | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Params:
    """Every reading parameter in Outreach's spelling."""
    params = filter_params(filter or {}, new_syntax=new_filter_syntax)
    if sort:
        params.append(("sort", comma(sort)))
    params.extend(read_params(include=include, fields=fields))
    if page_size is not None:
        params.append(("page[size]", str(page_size)))
    if count is not None:
        params.append(("count", format_value(count)))
    params.extend((key, format_value(value)) for key, value in (extra or {}).items())
    return params


def read_params(
    *,
    include: str | Iterable[str] | None = None,
    fields: Mapping[str, str | Iterable[str]] | None = None,
) -> Params:
    """`include` and sparse `fields[type]`."""
    params: Params = []
    if include:
        params.append(("include", comma(include)))
    for type_name, names in (fields or {}).items():
        params.append((f"fields[{type_name}]", comma(names)))
    return params


def action_params(params: Mapping[str, Any]) -> Params:
    """`completionNote="x"` -> `actionParams[completionNote]=x`."""
    return [(f"actionParams[{name}]", format_value(value)) for name, value in params.items()]
