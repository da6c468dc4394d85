"""Webhook events: turn resource changes into outbox rows, atomically with the change itself."""

from __future__ import annotations

import json
import time
from typing import Any

from .behaviours import WEBHOOK_ACTIONS
from .clock import iso
from .documents import dumps
from .registry import TO_MANY, TO_ONE, ResourceType
from .resources import Change
from .store import Store

STATUSES = ("pending", "sending", "delivered", "failed", "skipped")

OUTBOX_SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    webhook_id INTEGER NOT NULL,
    event_name TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id INTEGER NOT NULL,
    data TEXT NOT NULL,                 -- the payload's `data` member, JSON
    extra_meta TEXT NOT NULL DEFAULT '{}',  -- payload version 2: beforeUpdate
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,           -- mock clock
    next_attempt_at REAL NOT NULL,      -- wall clock: retries wait real time
    lease_until REAL,                   -- wall clock: a claim expires if its worker died
    claimed_by TEXT,
    url TEXT,
    body TEXT,                          -- the exact bytes last sent (and signed)
    signature TEXT,
    response_status INTEGER,
    response_body TEXT,
    error TEXT,
    delivered_at TEXT,
    redelivery_of INTEGER);
CREATE INDEX IF NOT EXISTS webhook_deliveries__due
    ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS webhook_deliveries__hook ON webhook_deliveries (webhook_id, id);
CREATE TABLE IF NOT EXISTS webhook_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    worker TEXT,
    url TEXT,
    response_status INTEGER,
    error TEXT,
    duration_ms REAL);
CREATE INDEX IF NOT EXISTS webhook_attempts__delivery ON webhook_attempts (delivery_id, id);
CREATE TABLE IF NOT EXISTS webhook_failures (
    webhook_id INTEGER PRIMARY KEY,
    failing_since REAL NOT NULL);       -- mock clock: first network failure since a success
"""


def create_outbox(store: Store) -> None:
    """Create the outbox tables if this database does not have them yet."""
    with store.transaction() as conn:
        for statement in OUTBOX_SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)


def clear_outbox(store: Store) -> None:
    with store.transaction() as conn:
        for table in ("webhook_deliveries", "webhook_attempts", "webhook_failures"):
            conn.execute(f"DELETE FROM {table}")


def sends_webhooks(type_name: str, action: str) -> bool:
    """Whether Outreach sends `<type>.<action>` at all (reference §4.1 matrix)."""
    return action in WEBHOOK_ACTIONS.get(type_name, set()) - {"*"}


def matching_webhooks(store: Store, org_id: int, type_name: str,
                      action: str) -> list[tuple[int, int]]:
    """(id, payloadVersion) of the org's active webhooks subscribed to this event."""
    rows = store.query(
        'SELECT id, "payloadVersion" FROM r_webhook WHERE org_id = ? AND active = 1 '
        "AND resource IN ('*', ?) AND action IN ('*', ?) ORDER BY id",
        (org_id, type_name, action))
    return [(row[0], row[1] or 1) for row in rows]


def on_change(store: Store, change: Change) -> int:
    """Enqueue one delivery per matching webhook; runs inside the change's transaction."""
    if change.type == "webhook":
        restart_failure_window(store, change)
    if change.type not in store.registry or not sends_webhooks(change.type, change.action):
        return 0
    hooks = matching_webhooks(store, change.record.org_id, change.type, change.action)
    if not hooks:
        return 0
    rtype = store.registry[change.type]
    attributes, before = changed_attributes(rtype, change)
    data = dumps({"type": rtype.name, "id": change.record.id, "attributes": attributes,
                  "relationships": changed_linkage(rtype, change)})
    v2_meta = dumps({"beforeUpdate": before}) if before is not None else "{}"
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO webhook_deliveries (org_id, webhook_id, event_name, resource_type, "
            "resource_id, data, extra_meta, created_at, next_attempt_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(change.record.org_id, hook_id, f"{rtype.name}.{change.action}", rtype.name,
              change.record.id, data, v2_meta if version == 2 else "{}",
              iso(store.clock.now()), time.time()) for hook_id, version in hooks])
    return len(hooks)


def restart_failure_window(store: Store, change: Change) -> None:
    """A webhook switched back on starts with a clean record of failures."""
    was_active = change.previous is not None and change.previous.attributes.get("active")
    if change.record.attributes.get("active") and not was_active:
        store.execute("DELETE FROM webhook_failures WHERE webhook_id = ?", (change.record.id,))


def changed_attributes(rtype: ResourceType,
                       change: Change) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Attributes to send and, for updates and actions, their prior values."""
    visible = {a.name for a in rtype.attributes.values() if not a.write_only}
    if change.action in ("created", "destroyed") or change.previous is None:
        attrs = {k: v for k, v in change.changed.items() if k in visible}
        before = None if change.action in ("created", "destroyed") else \
            {k: change.before.get(k) for k in attrs}
        return attrs, before
    now, old = change.record.attributes, change.previous.attributes
    names = [k for k in rtype.attributes if k in visible
             and (now.get(k) != old.get(k) or k == "updatedAt")]
    return {k: now.get(k) for k in names}, {k: old.get(k) for k in names}


def changed_linkage(rtype: ResourceType, change: Change) -> dict[str, Any]:
    """Created: the set links; destroyed: all last known; otherwise: the links that changed."""
    out = {}
    for rel in rtype.relationships.values():
        if rel.kind not in (TO_ONE, TO_MANY):
            continue
        value = change.record.links.get(rel.name)
        if change.action == "created" and not value:
            continue
        if change.action not in ("created", "destroyed"):
            old = change.previous.links.get(rel.name) if change.previous else value
            if old == value:
                continue
        out[rel.name] = {"data": linkage(rel, value)}
    return out


def linkage(rel: Any, value: Any) -> Any:
    if rel.kind == TO_MANY:
        return [{"type": rel.targets[0], "id": i} for i in value or []]
    if value is None:
        return None
    kind, rid = value if rel.polymorphic else (rel.targets[0], value)
    return {"type": kind, "id": rid}


def delivered_at(epoch: float) -> str:
    """Outreach's `meta.deliveredAt` format: milliseconds and `+00:00`."""
    return iso(epoch).removesuffix("Z") + "+00:00"


def build_body(row: dict[str, Any], epoch: float) -> bytes:
    """The exact bytes POSTed: the stored data plus meta stamped at send time."""
    meta = {"deliveredAt": delivered_at(epoch), "eventName": row["event_name"],
            **json.loads(row["extra_meta"] or "{}")}
    return ('{"data":' + row["data"] + ',"meta":' + dumps(meta) + "}").encode()


def redeliver(store: Store, delivery_id: int) -> int | None:
    """Queue a copy of a delivery (same data, new send); None when there is no such row."""
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO webhook_deliveries (org_id, webhook_id, event_name, resource_type, "
            "resource_id, data, extra_meta, created_at, next_attempt_at, redelivery_of) "
            "SELECT org_id, webhook_id, event_name, resource_type, resource_id, data, "
            "extra_meta, ?, ?, id FROM webhook_deliveries WHERE id = ?",
            (iso(store.clock.now()), time.time(), delivery_id))
        return cur.lastrowid if cur.rowcount else None


def list_deliveries(store: Store, webhook_id: int | None = None, status: str | None = None,
                    delivery_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Deliveries, newest first, each with its attempts."""
    where, params = [], []
    for column, value in (("webhook_id", webhook_id), ("status", status), ("id", delivery_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = "SELECT * FROM webhook_deliveries" + (" WHERE " + " AND ".join(where) if where else "")
    with store.lock:
        cur = store.conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return [describe(store, row) for row in rows]


def describe(store: Store, row: dict[str, Any]) -> dict[str, Any]:
    attempts = store.query(
        "SELECT attempt, at, worker, url, response_status, error, duration_ms "
        "FROM webhook_attempts WHERE delivery_id = ? ORDER BY id", (row["id"],))
    keys = ("attempt", "at", "worker", "url", "response_status", "error", "duration_ms")
    return {
        "id": row["id"], "webhook_id": row["webhook_id"], "org_id": row["org_id"],
        "event_name": row["event_name"],
        "resource": {"type": row["resource_type"], "id": row["resource_id"]},
        "status": row["status"], "attempt_count": row["attempts"],
        "attempts": [dict(zip(keys, a, strict=True)) for a in attempts],
        "url": row["url"], "response_status": row["response_status"],
        "response_body": row["response_body"], "error": row["error"],
        "signature": row["signature"], "body": row["body"],
        "data": json.loads(row["data"]), "created_at": row["created_at"],
        "delivered_at": row["delivered_at"], "redelivery_of": row["redelivery_of"],
    }


__all__ = ["STATUSES", "build_body", "create_outbox", "list_deliveries", "on_change"]
