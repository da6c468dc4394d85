"""A durable outbox of call logs on disk (SQLite in WAL mode), claimed by lease.

The writes that exactly-once depends on (a new log; "a POST may have left") are committed with
synchronous=FULL, i.e. fsynced; the others may be lost in a power cut, which only costs a
repeated lookup. Each thread keeps its connection open: closing the last one would checkpoint
the WAL every time.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS call_logs (
    vendor_call_id TEXT PRIMARY KEY,    -- our idempotency key, also sent as call.vendorCallId
    rep TEXT NOT NULL,                  -- token-store key of the rep who made the call
    payload TEXT NOT NULL,              -- the CallLog as JSON
    state TEXT NOT NULL,                -- pending | completing | done | failed
    call_id INTEGER,                    -- Outreach id of the logged call, once known
    sent INTEGER NOT NULL DEFAULT 0,    -- 1 once a POST /calls may have reached Outreach
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    lease_owner TEXT,
    lease_until REAL,                   -- a deliverer holds the entry until then
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS call_logs_open ON call_logs (state, created_at);
"""

OPEN_STATES = ("pending", "completing")


@dataclass(frozen=True)
class OutboxEntry:
    """One stored call log and how far its delivery got."""

    vendor_call_id: str
    rep: str
    payload: dict[str, Any]
    state: str
    call_id: int | None
    sent: bool
    attempts: int
    last_error: str | None


class Outbox:
    """Call logs that must reach Outreach exactly once, kept until they did."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        lease_seconds: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = os.fspath(path)
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.owner = uuid.uuid4().hex
        self._local = threading.local()
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextlib.contextmanager
    def _db(self, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """This thread's connection; `durable` commits are fsynced before returning."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        if not durable:
            yield db
            return
        db.execute("PRAGMA synchronous=FULL")
        try:
            yield db
        finally:
            db.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        """Close this thread's connection."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def _update(self, vendor_call_id: str, sql: str, *args: Any, durable: bool = False) -> int:
        with self._db(durable) as db:
            cursor = db.execute(
                f"UPDATE call_logs SET {sql}, updated_at = ? WHERE vendor_call_id = ?",
                (*args, self.clock(), vendor_call_id),
            )
            return cursor.rowcount

    def add(self, vendor_call_id: str, rep: str, payload: dict[str, Any]) -> bool:
        """Store a new call log durably; False if this vendorCallId is already stored."""
        now = self.clock()
        with self._db(durable=True) as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO call_logs (vendor_call_id, rep, payload, state,"
                " created_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?)",
                (vendor_call_id, rep, json.dumps(payload), now, now),
            )
            return cursor.rowcount == 1

    def claim(self, vendor_call_id: str) -> OutboxEntry | None:
        """Take the entry for delivery unless it is finished or another deliverer holds it."""
        now = self.clock()
        with self._db() as db:
            cursor = db.execute(
                "UPDATE call_logs SET lease_owner = ?, lease_until = ?, attempts = attempts + 1"
                " WHERE vendor_call_id = ? AND state IN ('pending', 'completing')"
                " AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)",
                (self.owner, now + self.lease_seconds, vendor_call_id, now, self.owner),
            )
        return self.get(vendor_call_id) if cursor.rowcount == 1 else None

    def release(self, vendor_call_id: str, error: str | None = None) -> None:
        """Give the entry back (delivery will be tried again later)."""
        self._update(
            vendor_call_id, "lease_until = NULL, lease_owner = NULL, last_error = ?", error
        )

    def mark_sent(self, vendor_call_id: str) -> None:
        """Record, before the POST, that Outreach may hold this call from now on."""
        self._update(vendor_call_id, "sent = 1", durable=True)

    def mark_call_created(self, vendor_call_id: str, call_id: int) -> None:
        """The call exists in Outreach; what remains is completing its task."""
        self._update(vendor_call_id, "state = 'completing', call_id = ?", call_id)

    def mark_done(self, vendor_call_id: str, note: str | None = None) -> None:
        """Delivered: the call is logged and its task complete."""
        sql = "state = 'done', lease_until = NULL, lease_owner = NULL, last_error = ?"
        self._update(vendor_call_id, sql, note)

    def mark_failed(self, vendor_call_id: str, error: str) -> None:
        """Outreach refused the log for good (e.g. 422); kept on disk for a human to look at."""
        sql = "state = 'failed', lease_until = NULL, lease_owner = NULL, last_error = ?"
        self._update(vendor_call_id, sql, error)

    def retry_failed(self) -> int:
        """Put failed entries back in the queue (after fixing the cause)."""
        with self._db() as db:
            cursor = db.execute(
                "UPDATE call_logs SET state = CASE WHEN call_id IS NULL THEN 'pending'"
                " ELSE 'completing' END WHERE state = 'failed'"
            )
            return cursor.rowcount

    def get(self, vendor_call_id: str) -> OutboxEntry | None:
        """One entry by key."""
        rows = self._select("WHERE vendor_call_id = ?", (vendor_call_id,))
        return rows[0] if rows else None

    def open_entries(self, rep: str | None = None) -> list[OutboxEntry]:
        """Entries not yet delivered, oldest first."""
        where = "WHERE state IN ('pending', 'completing')"
        args: tuple[Any, ...] = ()
        if rep is not None:
            where, args = f"{where} AND rep = ?", (rep,)
        return self._select(f"{where} ORDER BY created_at, rowid", args)

    def counts(self) -> dict[str, int]:
        """How many entries are in each state."""
        with self._db() as db:
            rows = db.execute("SELECT state, COUNT(*) FROM call_logs GROUP BY state").fetchall()
        return {state: count for state, count in rows}

    def _select(self, tail: str, args: tuple[Any, ...]) -> list[OutboxEntry]:
        with self._db() as db:
            rows = db.execute(
                "SELECT vendor_call_id, rep, payload, state, call_id, sent, attempts, last_error"
                f" FROM call_logs {tail}",
                args,
            ).fetchall()
        return [
            OutboxEntry(row[0], row[1], json.loads(row[2]), row[3], row[4], bool(row[5]), *row[6:])
            for row in rows
        ]
