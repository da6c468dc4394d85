"""Receiving Outreach webhooks: check the signature, then parse a delivery into an event.

Outreach POSTs `{"data": <resource>, "meta": {"deliveredAt", "eventName"}}` with header
`Outreach-Webhook-Signature` = lowercase hex HMAC-SHA256(secret, raw body) when the webhook has
a secret. Verify against the raw bytes, before any JSON parsing. Create and update deliveries
carry only the changed attributes, so a model built from one has None for everything else:
read `event.attributes` to know what changed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import OutreachError
from .jsonapi import Resource
from .models import Model, to_model

SIGNATURE_HEADER = "Outreach-Webhook-Signature"


class WebhookError(OutreachError):
    """A webhook delivery that cannot be trusted or understood."""


class InvalidSignature(WebhookError):
    """The signature header is missing or does not match the body."""


class MalformedDelivery(WebhookError):
    """The body is not an Outreach webhook delivery."""


def signature_of(secret: str | bytes, body: bytes) -> str:
    """The signature Outreach sends for `body` under `secret`."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def verify_signature(secret: str | bytes, body: bytes, header: str | None) -> bool:
    """Whether `header` is the body's signature under `secret` (constant-time comparison)."""
    if not secret or not header:
        return False
    given = header.strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(signature_of(secret, body).encode(), given)


@dataclass(frozen=True)
class WebhookEvent:
    """One delivery: `task.completed` on task 7, with the attributes that were sent."""

    event_name: str
    resource_type: str
    action: str
    id: int
    attributes: dict[str, Any] = field(default_factory=dict)
    relationships: dict[str, Any] = field(default_factory=dict)
    delivered_at: datetime | None = None
    before_update: dict[str, Any] | None = None  # payloadVersion 2: prior attribute values
    meta: dict[str, Any] = field(default_factory=dict)

    def resource(self) -> Resource:
        return Resource(
            self.resource_type, self.id, dict(self.attributes), dict(self.relationships)
        )

    def model(self) -> Model:
        """The client's typed model (Task, Prospect, ...); unsent attributes are None."""
        return to_model(self.resource(), None, depth=0)

    def related_id(self, name: str) -> int | None:
        """The id of a to-one relationship that was sent, or None."""
        return self.resource().related_id(name)


def parse_delivery(body: bytes | str | Mapping[str, Any]) -> WebhookEvent:
    """Parse a delivery body (raw bytes, text or decoded JSON) into a WebhookEvent."""
    doc = _decode(body)
    data, meta = doc.get("data"), doc.get("meta")
    if not isinstance(data, Mapping) or not isinstance(meta, Mapping):
        raise MalformedDelivery("A webhook delivery has `data` and `meta` objects.")
    event_name = meta.get("eventName")
    if not isinstance(event_name, str) or "." not in event_name:
        raise MalformedDelivery("`meta.eventName` must look like 'task.completed'.")
    try:
        resource = Resource.parse(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedDelivery("`data` must be a resource with a type and an id.") from exc
    before = meta.get("beforeUpdate", data.get("beforeUpdate"))
    return WebhookEvent(
        event_name=event_name,
        resource_type=resource.type,
        action=event_name.rsplit(".", 1)[1],
        id=resource.id,
        attributes=resource.attributes,
        relationships=resource.relationships,
        delivered_at=_timestamp(meta.get("deliveredAt")),
        before_update=dict(before) if isinstance(before, Mapping) else None,
        meta=dict(meta),
    )


def parse_verified(secret: str | bytes, body: bytes, header: str | None) -> WebhookEvent:
    """Verify, then parse; raises InvalidSignature before looking at an unsigned body."""
    if not verify_signature(secret, body, header):
        raise InvalidSignature(f"{SIGNATURE_HEADER} does not match the body.")
    return parse_delivery(body)


def _decode(body: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(body, Mapping):
        return body
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedDelivery(f"The body is not JSON: {exc}.") from exc
    if not isinstance(doc, Mapping):
        raise MalformedDelivery("The body must be a JSON object.")
    return doc


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MalformedDelivery(f"`meta.deliveredAt` is not a timestamp: {value!r}.") from exc
