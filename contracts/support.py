"""Helpers shared by the suites: error assertions, the target's clock, paging, the call queue."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from .targets import MEDIA_TYPE, Target

QUEUE_INCLUDE = "prospect,account,sequence,sequenceStep,sequenceState"


def errors_of(response: httpx.Response, status: int) -> list[dict[str, Any]]:
    """The JSON:API `errors` of a response that must have `status`."""
    assert response.status_code == status, f"expected {status}: {response.status_code} " \
                                           f"{response.text[:400]}"
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    errors = response.json()["errors"]
    assert isinstance(errors, list) and errors
    return errors


def assert_error(response: httpx.Response, status: int, error_id: str | None = None) -> dict:
    """The first error of an error document with `status` (and `id`, when given)."""
    first = errors_of(response, status)[0]
    assert first.get("title") and (first.get("detail") or first.get("details"))
    if error_id is not None:
        assert first.get("id") == error_id, first
    return first


def iso(moment: datetime) -> str:
    """Outreach's timestamp format: UTC, milliseconds, `Z`."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def target_now(target: Target) -> datetime:
    """Now, as the target sees it (the mock's clock may be frozen or moved)."""
    if target.is_mock:
        return datetime.fromtimestamp(target.control("GET", "/clock")["epoch"], UTC)
    return datetime.now(UTC)


def shift_clock(target: Target, seconds: float) -> None:
    """Move the mock's clock (tests move time instead of sleeping)."""
    target.control("POST", "/clock", json={"advance": seconds})


def queue_params(owner_id: int, now: datetime, **extra: str) -> dict[str, str]:
    """The just-in-time call-queue query of SPEC §2 step 2."""
    return {"filter[owner][id]": str(owner_id), "filter[state]": "incomplete",
            "filter[dueAt]": f"neginf..{iso(now)}", "include": QUEUE_INCLUDE, **extra}


def pages(api: httpx.Client, path: str, params: dict[str, str],
          limit: int = 200) -> Iterator[dict[str, Any]]:
    """Every page of a listing, following `links.next` until it is absent."""
    response = api.get(path, params=params)
    for _ in range(limit):
        assert response.status_code == 200, response.text[:400]
        doc = response.json()
        yield doc
        following = (doc.get("links") or {}).get("next")
        if not following:
            return
        response = api.get(following)
    raise AssertionError(f"more than {limit} pages: links.next never ends")


def ids(doc: dict[str, Any]) -> list[int]:
    return [item["id"] for item in doc["data"]]


def included_keys(doc: dict[str, Any]) -> list[tuple[str, int]]:
    return [(item["type"], item["id"]) for item in doc.get("included", [])]


def linkage(resource: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A to-one relationship's `{"type", "id"}` (or None)."""
    return ((resource.get("relationships") or {}).get(name) or {}).get("data")


def require_data(target: Target, items: list[Any], what: str) -> None:
    """Seeded mocks must have data; on live an empty account skips instead of passing vacuously."""
    if items:
        return
    if target.is_mock:
        raise AssertionError(f"the demo dataset should have {what}")
    pytest.skip(f"the live account has no {what}")


def wait_until(predicate: Any, seconds: float = 5.0) -> bool:
    """Poll a condition a background worker makes true (never used for timing assertions)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


def later(now: datetime, **delta: float) -> str:
    return iso(now + timedelta(**delta))
