"""Outreach's own response schemas (from its OpenAPI), to validate what a target answers."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

SCHEMAS = Path(__file__).resolve().parent.parent / "tests" / "data" / "upstream_schemas.json"


@cache
def load() -> dict[str, Any] | None:
    """The reduced upstream schemas (`definitions` + per-operation responses), if present."""
    if not SCHEMAS.exists():
        return None
    return json.loads(SCHEMAS.read_text())


@cache
def validator(operation: str, status: str) -> Draft7Validator | None:
    """A validator for one operation's response (`"GET /tasks"`, `"200"`), if upstream has one."""
    data = load()
    if data is None:
        return None
    schema = (data["operations"].get(operation) or {}).get(status)
    if not schema:
        return None
    return Draft7Validator({**schema, "definitions": data["definitions"]})


def violations(operation: str, status: int, body: Any) -> list[str]:
    """Where a response body breaks Outreach's schema for that operation and status."""
    check = validator(operation, str(status))
    if check is None:
        return []
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:200]}"
            for e in check.iter_errors(body)]


def operations() -> list[str]:
    data = load()
    return sorted(data["operations"]) if data else []
