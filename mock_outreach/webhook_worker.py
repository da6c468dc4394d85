"""Webhook delivery: claim outbox rows under a lease, POST them signed, record what happened."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import logging
import os
import threading
import time
import uuid
import weakref
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .clock import iso
from .webhooks import build_body, delivered_at

log = logging.getLogger("mock_outreach.webhooks")
IDLE_POLL_S = 0.25  # how often an idle worker looks for rows other processes enqueued
LEASE_MARGIN_S = 10.0  # a claim outlives one send by this much before others may take it
RESPONSE_KEEP = 2000  # bytes of a receiver's answer kept for the control API
MEDIA_TYPE = "application/vnd.api+json"  # fidelity decision 9


@dataclass(frozen=True)
class Outcome:
    """One POST: the receiver's status when it answered, else the network error."""

    status: int | None
    error: str | None
    response: str | None
    duration_ms: float


def sign(secret: str, body: bytes) -> str:
    """Outreach-Webhook-Signature: lowercase hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST once; redirects are answers (never followed), proxies are not used."""
    started = time.perf_counter()
    parts = urlsplit(url)
    try:
        cls = http.client.HTTPSConnection if parts.scheme == "https" else \
            http.client.HTTPConnection
        conn = cls(parts.hostname or "", parts.port, timeout=timeout)
        try:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request("POST", target, body=body, headers=headers)
            answer = conn.getresponse()
            text = answer.read(RESPONSE_KEEP).decode("utf-8", "replace")
            return Outcome(answer.status, None, text, elapsed_ms(started))
        finally:
            conn.close()
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}", None, elapsed_ms(started))


def elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def claim(state: Any, worker_id: str) -> dict[str, Any] | None:
    """Atomically take one due row (or one whose claim expired) for this worker."""
    now = time.time()
    lease = state.settings.webhook_timeout_s * 2 + LEASE_MARGIN_S
    with state.store.transaction() as conn:
        cur = conn.execute(
            "UPDATE webhook_deliveries SET status = 'sending', claimed_by = ?, lease_until = ? "
            "WHERE id = (SELECT id FROM webhook_deliveries WHERE (status = 'pending' AND "
            "next_attempt_at <= ?) OR (status = 'sending' AND lease_until < ?) ORDER BY id "
            "LIMIT 1) RETURNING id, org_id, webhook_id, event_name, data, extra_meta, attempts",
            (worker_id, now + lease, now, now))
        names = [d[0] for d in cur.description]
        row = cur.fetchone()
        cur.fetchall()
    return dict(zip(names, row, strict=True)) if row else None


def deliver_due(state: Any, worker_id: str | None = None, limit: int = 1000) -> int:
    """One synchronous pass: send every row that is due now; returns how many were handled."""
    worker_id = worker_id or f"{os.getpid()}:sync-{uuid.uuid4().hex[:8]}"
    handled = 0
    while handled < limit:
        row = claim(state, worker_id)
        if row is None:
            break
        deliver(state, row, worker_id)
        handled += 1
    return handled


def deliver(state: Any, row: dict[str, Any], worker_id: str) -> None:
    """Send one claimed row to its webhook's current URL, signed with its current secret."""
    hook = state.store.get("webhook", row["org_id"], row["webhook_id"])
    if hook is None or not hook.attributes.get("active"):
        reason = "the webhook was deleted" if hook is None else "the webhook is inactive"
        settle(state, row["id"], worker_id, status="skipped", error=reason)
        return
    sent_at = state.clock.now()
    body = build_body(row, sent_at)
    headers = {"Content-Type": MEDIA_TYPE}
    secret = hook.attributes.get("secret")
    signature = sign(secret, body) if secret else None
    if signature:
        headers["Outreach-Webhook-Signature"] = signature
    url = hook.attributes["url"]
    outcome = post(url, body, headers, state.settings.webhook_timeout_s)
    record(state, row, worker_id, sent_at, url, body, signature, outcome)


def record(state: Any, row: dict[str, Any], worker_id: str, sent_at: float, url: str,
           body: bytes, signature: str | None, outcome: Outcome) -> None:
    """Store the attempt and move the row on: delivered, retried later, or failed."""
    attempt = row["attempts"] + 1
    with state.store.transaction() as conn:
        conn.execute(
            "INSERT INTO webhook_attempts (delivery_id, attempt, at, worker, url, "
            "response_status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row["id"], attempt, iso(sent_at), worker_id, url, outcome.status, outcome.error,
             outcome.duration_ms))
        common = {"attempts": attempt, "url": url, "body": body.decode(),
                  "signature": signature, "response_status": outcome.status,
                  "response_body": outcome.response, "error": outcome.error}
        if outcome.status is not None:
            # Outreach treats any answer, 2xx or not, as acknowledged: no retry.
            conn.execute("DELETE FROM webhook_failures WHERE webhook_id = ?",
                         (row["webhook_id"],))
            settle(state, row["id"], worker_id, status="delivered",
                   delivered_at=delivered_at(sent_at), **common)
            return
        final = attempt > state.settings.webhook_retries
        settle(state, row["id"], worker_id, status="failed" if final else "pending",
               next_attempt_at=time.time() + state.settings.webhook_retry_delay_s, **common)
        note_failure(state, row, outcome.error or "network failure", final)


def settle(state: Any, delivery_id: int, worker_id: str, **values: Any) -> bool:
    """Update a claimed row, unless its claim expired and another worker owns it now."""
    values.setdefault("lease_until", None)
    sets = ", ".join(f"{name} = ?" for name in values)
    cur = state.store.execute(
        f"UPDATE webhook_deliveries SET {sets} WHERE id = ? AND claimed_by = ? "
        "AND status = 'sending'", (*values.values(), delivery_id, worker_id))
    return cur.rowcount == 1


def note_failure(state: Any, row: dict[str, Any], error: str, final: bool) -> None:
    """Remember when a webhook started failing; disable it once that is long enough ago."""
    now = state.clock.now()
    store = state.store
    store.execute("INSERT INTO webhook_failures (webhook_id, failing_since) VALUES (?, ?) "
                  "ON CONFLICT(webhook_id) DO NOTHING", (row["webhook_id"], now))
    since = store.query("SELECT failing_since FROM webhook_failures WHERE webhook_id = ?",
                        (row["webhook_id"],))[0][0]
    if not final or now - since < state.settings.webhook_disable_after_s:
        return
    hook = store.get("webhook", row["org_id"], row["webhook_id"])
    if hook is None or not hook.attributes.get("active"):
        return
    reason = f"Deliveries have failed since {iso(since)} ({error})."
    store.update("webhook", row["org_id"], row["webhook_id"],
                 {"active": False, "disabledReason": reason[:1000], "disabledSince": iso(now)})


def seconds_until_due(state: Any) -> float | None:
    """How long until the next row can be claimed; None when nothing is waiting."""
    rows = state.store.query(
        "SELECT min(CASE status WHEN 'pending' THEN next_attempt_at ELSE lease_until END) "
        "FROM webhook_deliveries WHERE status IN ('pending', 'sending')")
    due = rows[0][0] if rows else None
    return None if due is None else max(0.0, due - time.time())


def drain(state: Any, timeout: float = 30.0) -> int:
    """Deliver until nothing is pending (retries included) or the timeout passes."""
    deadline = time.monotonic() + timeout
    handled = 0
    while time.monotonic() < deadline:
        handled += deliver_due(state)
        wait = seconds_until_due(state)
        if wait is None:
            break
        time.sleep(min(max(wait, 0.005), max(0.0, deadline - time.monotonic())))
    return handled


class Worker:
    """A daemon thread delivering for one app; it ends on stop() or when the app is gone."""

    def __init__(self, state: Any):
        self._state = weakref.ref(state)
        self.id = f"{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"webhooks-{self.id}",
                                       daemon=True)

    def start(self) -> Worker:
        self.thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.wake.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def _run(self) -> None:
        while not self.stopping.is_set():
            wait = self._pass()
            if wait is None:
                return
            if wait > 0:
                self.wake.wait(wait)
                self.wake.clear()

    def _pass(self) -> float | None:
        """Deliver what is due; the seconds to wait next, or None when the app is gone."""
        state = self._state()
        if state is None:
            return None
        try:
            if deliver_due(state, self.id, limit=50):
                return 0.0
            due = seconds_until_due(state)
            return IDLE_POLL_S if due is None else min(max(due, 0.005), IDLE_POLL_S)
        except Exception:
            log.exception("webhook worker %s: delivery pass failed", self.id)
            return IDLE_POLL_S
