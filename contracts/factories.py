"""Factories that create records for a contract, tag them, and delete exactly what they created."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from mock_outreach.registry import load_registry

from .targets import CONTRACT_TAG, MEDIA_TYPE

WRITE_HEADERS = {"Content-Type": MEDIA_TYPE, "Accept": MEDIA_TYPE}


def link(resource: Mapping[str, Any] | None) -> dict[str, Any]:
    """A to-one relationship value pointing at a resource object (or clearing it)."""
    if resource is None:
        return {"data": None}
    return {"data": {"type": resource["type"], "id": resource["id"]}}


def body(type_name: str, attributes: Mapping[str, Any] | None = None,
         relationships: Mapping[str, Any] | None = None, id: int | None = None) -> dict:
    """A JSON:API write document; relationship values may be resource objects or linkage."""
    data: dict[str, Any] = {"type": type_name}
    if id is not None:
        data["id"] = id
    if attributes:
        data["attributes"] = dict(attributes)
    if relationships:
        data["relationships"] = {
            name: value if "data" in value else link(value)
            for name, value in relationships.items()}
    return {"data": data}


class Factory:
    """Creates records through the API and deletes them (newest first) when the test ends."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.registry = load_registry()
        self.created: list[tuple[str, int]] = []

    def create(self, collection: str, attributes: Mapping[str, Any] | None = None,
               relationships: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """POST a record (tagged when its type has tags); the created resource object."""
        rtype = self.registry.by_collection(collection)
        assert rtype is not None, f"unknown collection {collection}"
        attrs = dict(attributes or {})
        if "tags" in rtype.attributes:
            attrs["tags"] = [*attrs.get("tags", []), CONTRACT_TAG]
        response = self.http.post(f"/{collection}", json=body(rtype.name, attrs, relationships),
                                  headers=WRITE_HEADERS)
        assert response.status_code == 201, f"create {collection}: {response.text[:500]}"
        record = response.json()["data"]
        self.created.append((collection, record["id"]))
        return record

    def forget(self, collection: str, record_id: int) -> None:
        """The test deleted this record itself."""
        self.created.remove((collection, record_id))

    def cleanup(self) -> list[tuple[str, int, int]]:
        """Delete every created record that can be deleted; returns failures (404 is fine)."""
        failures = []
        for collection, record_id in reversed(self.created):
            rtype = self.registry.by_collection(collection)
            if rtype is None or "delete" not in rtype.operations:
                continue
            status = self.http.delete(f"/{collection}/{record_id}").status_code
            if status not in (204, 404):
                failures.append((collection, record_id, status))
        self.created.clear()
        return failures
