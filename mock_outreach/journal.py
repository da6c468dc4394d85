"""A bounded journal of recent API and OAuth requests, with every secret redacted."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from .store import Store

JOURNAL_TABLE = """
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,                 -- mock clock, epoch seconds
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    status INTEGER,                   -- NULL when the connection was dropped
    user_id INTEGER,
    duration_ms REAL NOT NULL,
    request TEXT NOT NULL,            -- JSON: redacted headers and body
    response TEXT NOT NULL
)"""
BODY_LIMIT = 4096  # characters of each body kept
REDACTED = "[redacted]"
# A secret is found by a word (fast substring search), then by what follows it:
# `…token": "value"` (JSON), `…code=value` (forms, queries, URLs) or `Bearer value`.
KEYED = re.compile(r'("\s*:\s*"|=)')
SECRET_WORDS = {"token": KEYED, "secret": KEYED, "code": KEYED, "bearer": re.compile(r"\s+"),
                "password": KEYED, "passwd": KEYED}
VALUE_END = {'"': re.compile(r'(?:[^"\\]|\\.)*'), "=": re.compile(r"[^&\s;]*"),
             " ": re.compile(r"[^\s\"',]*")}
JWT = re.compile(r"eyJ[\w-]*(?:\.[\w-]*){0,2}")
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
SECRET_HEADERS = {"authorization", "cookie", "set-cookie", "proxy-authorization"}


def secret_spans(text: str) -> list[tuple[int, int, str]]:
    """Where the secrets are: (start, end, replacement), in any order."""
    if len(text) < 3:
        return []
    lowered = text.translate(ASCII_LOWER)  # same length as text, unlike str.lower()
    spans = []
    for word, follows in SECRET_WORDS.items():
        at = lowered.find(word)
        while at >= 0:
            after = follows.match(lowered, at + len(word))
            if after:
                kind = after.group()[-1] if after.group()[-1] in '"=' else " "
                end = VALUE_END[kind].match(text, after.end()).end()
                spans.append((after.end(), end, REDACTED))
            at = lowered.find(word, at + 1)
    at = text.find("eyJ")
    while at >= 0:
        end = JWT.match(text, at).end()  # type: ignore[union-attr]
        spans.append((at, end, "[redacted-jwt]"))
        at = text.find("eyJ", end)
    return spans


def redact(text: str) -> str:
    """Hide tokens, codes, secrets and passwords in any body, query string or header value."""
    spans = secret_spans(text)
    if not spans:
        return text
    out, last = [], 0
    for start, end, mark in sorted(spans):
        if start >= last:
            out += [text[last:start], mark]
            last = end
    out.append(text[last:])
    return "".join(out)


def redact_headers(headers: Any) -> dict[str, str]:
    out = {}
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS:
            scheme = value.split(" ", 1)[0] if " " in value else ""
            out[name] = f"{scheme} {REDACTED}".strip()
        else:
            out[name] = redact(value)
    return out


def body_text(data: bytes) -> str:
    return redact(data[:BODY_LIMIT].decode("utf-8", "replace"))


class Journal:
    """The ring of recent requests, in the store so that every worker's requests appear.

    Entries are written in batches (every FLUSH_AFTER_S or FLUSH_ROWS entries, and before any
    read of this process's journal), so that a request does not pay for a write transaction;
    another worker's newest entries show up within FLUSH_AFTER_S."""

    FLUSH_AFTER_S = 0.05
    FLUSH_ROWS = 64

    def __init__(self, store: Store, settings: Any):
        self.store = store
        self.settings = settings
        self.lock = threading.Lock()
        self.pending: list[tuple[Any, ...]] = []
        self.timer: threading.Timer | None = None
        store.execute(JOURNAL_TABLE)

    def record(self, entry: dict[str, Any]) -> None:
        """Queue one (already redacted) entry; it is written with the next batch."""
        row = (entry["at"], entry["method"], entry["path"], redact(entry["query"]),
               entry["status"], entry["user_id"], entry["duration_ms"],
               json.dumps(entry["request"]), json.dumps(entry["response"]))
        with self.lock:
            self.pending.append(row)
            full = len(self.pending) >= self.FLUSH_ROWS
            if not full and self.timer is None:
                self.timer = threading.Timer(self.FLUSH_AFTER_S, self.flush)
                self.timer.daemon = True
                self.timer.start()
        if full:
            self.flush()

    def flush(self) -> None:
        """Write the queued entries in one transaction and forget the oldest beyond the size."""
        with self.lock:
            rows, self.pending = self.pending, []
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
        if not rows:
            return
        with self.store.transaction(durable=False) as conn:
            conn.executemany(
                "INSERT INTO journal (at, method, path, query, status, user_id, duration_ms, "
                "request, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            last = conn.execute("SELECT max(id) FROM journal").fetchone()[0] or 0
            keep = max(0, int(self.settings.journal_size))
            conn.execute("DELETE FROM journal WHERE id <= ?", (last - keep,))

    def entries(self, path: str | None = None, method: str | None = None,
                status: int | None = None, user_id: int | None = None,
                limit: int = 100) -> list[dict[str, Any]]:
        """Newest first; `path` is a glob when it has wildcards, else a prefix."""
        self.flush()
        where, params = ["1"], []
        if path:
            wild = any(c in path for c in "*?[")
            where.append("path GLOB ?" if wild else "substr(path, 1, ?) = ?")
            params += [path] if wild else [len(path), path]
        for column, value in (("method", method and method.upper()), ("status", status),
                              ("user_id", user_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        rows = self.store.query(
            "SELECT id, at, method, path, query, status, user_id, duration_ms, request, "
            f"response FROM journal WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
            (*params, limit))
        return [{"id": r[0], "at": r[1], "method": r[2], "path": r[3], "query": r[4],
                 "status": r[5], "user_id": r[6], "duration_ms": r[7],
                 "request": json.loads(r[8]), "response": json.loads(r[9])} for r in rows]

    def clear(self) -> None:
        with self.lock:
            self.pending.clear()
        self.store.execute("DELETE FROM journal")
