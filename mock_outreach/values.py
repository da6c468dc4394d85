"""Conversions between JSON attribute values, SQL column values and filter literals."""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import urlparse

from .clock import canonical
from .registry import Attribute

INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # SQLite's INTEGER range
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidValue(Exception):
    """A value that does not fit its attribute; the message is safe to show to the client."""


def to_sql(attr: Attribute, value: Any) -> Any:
    """Store a validated JSON value in its column (JSON text for arrays and objects)."""
    if value is None:
        return None
    if attr.type in ("array", "object"):
        return json.dumps(value, separators=(",", ":"))
    if attr.type == "boolean":
        return 1 if value else 0
    return value


def from_sql(attr: Attribute, value: Any) -> Any:
    """Turn a column value back into the JSON value the API renders."""
    if value is None:
        return None
    if attr.type in ("array", "object"):
        return json.loads(value)
    if attr.type == "boolean":
        return bool(value)
    return value


def validate(attr: Attribute, value: Any) -> Any:
    """Check a written value against type, format, length and enum; return its stored form."""
    if value is None:
        return None
    kind = attr.type
    if kind == "string":
        return _validate_string(attr, value)
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValue(f"{attr.name} must be an integer.")
        return _in_range(attr.name, value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            raise InvalidValue(f"{attr.name} must be a finite number.")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise InvalidValue(f"{attr.name} must be true or false.")
        return value
    if kind == "array":
        return _validate_array(attr, value)
    if not isinstance(value, dict):
        raise InvalidValue(f"{attr.name} must be an object.")
    return value


def _in_range(name: str, value: int) -> int:
    if not INT_MIN <= value <= INT_MAX:
        raise InvalidValue(f"{name} is out of range.")
    return value


def _validate_string(attr: Attribute, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"{attr.name} must be a string.")
    if attr.format == "date-time":
        return _canonical_datetime(attr, value)
    if attr.format == "date" and not DATE.match(value):
        raise InvalidValue(f"{attr.name} must be a date (YYYY-MM-DD).")
    if attr.format == "email" and not EMAIL.match(value):
        raise InvalidValue(f"{attr.name} must be an email address.")
    if attr.max_length is not None and len(value) > attr.max_length:
        raise InvalidValue(f"{attr.name} is too long (maximum is {attr.max_length} characters).")
    if attr.enum and value not in attr.enum:
        allowed = ", ".join(f'"{v}"' for v in attr.enum)
        raise InvalidValue(f"{attr.name} must be one of {allowed}.")
    recording = attr.name.endswith("Url") and "recording" in attr.name.lower()
    if recording and value and urlparse(value).scheme not in ("http", "https"):
        raise InvalidValue(f"{attr.name} only accepts HTTP and HTTPS values.")
    return value


def _canonical_datetime(attr: Attribute, value: str) -> str:
    try:
        return canonical(value)
    except (ValueError, OverflowError, OSError) as exc:
        raise InvalidValue(f"{attr.name} must be an ISO-8601 date-time.") from exc


def _validate_array(attr: Attribute, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidValue(f"{attr.name} must be an array.")
    if attr.items == "string":
        for item in value:
            if not isinstance(item, str):
                raise InvalidValue(f"{attr.name} must be an array of strings.")
            if attr.name == "emails" and not EMAIL.match(item):
                raise InvalidValue(f"{attr.name} contains an invalid email address.")
    return value


def parse_literal(attr: Attribute, text: str) -> Any:
    """Parse one filter literal for an attribute; raises InvalidValue on a malformed value."""
    kind = attr.items if attr.type == "array" else attr.type
    if kind == "integer":
        try:
            return _in_range("The value", int(text))
        except ValueError as exc:
            raise InvalidValue(f"'{text}' is not an integer.") from exc
    if kind == "number":
        try:
            number = float(text)
        except ValueError as exc:
            raise InvalidValue(f"'{text}' is not a number.") from exc
        if not math.isfinite(number):
            raise InvalidValue(f"'{text}' is not a finite number.")
        return number
    if kind == "boolean":
        if text not in ("true", "false"):
            raise InvalidValue(f"'{text}' is not true or false.")
        return 1 if text == "true" else 0
    if attr.format == "date-time":
        try:
            return canonical(text)
        except (ValueError, OverflowError, OSError) as exc:
            raise InvalidValue(f"'{text}' is not an ISO-8601 date-time.") from exc
    return text


def parse_id(text: Any) -> int:
    """A resource id: an integer, or a string of digits (fidelity decision 8)."""
    if isinstance(text, bool):
        raise InvalidValue("ids must be integers.")
    if isinstance(text, int) and 0 < text <= INT_MAX:
        return text
    if isinstance(text, str) and text.isdigit() and len(text) < 19:
        return int(text)
    raise InvalidValue(f"'{text}' is not a valid id.")
