"""QA fault rules: matched by method, path glob and user; fired a bounded or seeded number."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from .errors import ValidationFailed
from .store import Store

FAULTS_TABLE = """
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    method TEXT,                      -- NULL matches every method
    path TEXT NOT NULL,               -- glob over the request path
    user_id INTEGER,                  -- NULL matches every caller
    action TEXT NOT NULL,             -- see ACTIONS
    params TEXT NOT NULL,             -- JSON: status, latency_ms
    times INTEGER,                    -- fire at most this often (NULL: unbounded)
    probability REAL,                 -- fire with this chance (NULL: always)
    seed INTEGER NOT NULL,
    seen INTEGER NOT NULL DEFAULT 0,  -- matching requests so far (drives the seeded draws)
    fired INTEGER NOT NULL DEFAULT 0
)"""
ACTIONS = ("status", "latency_ms", "drop_connection", "rate_limit", "expire_token")
TERMINAL = {"status", "drop_connection", "rate_limit"}  # these answer instead of the route


@dataclass(frozen=True)
class Fault:
    """One rule, as stored."""

    id: int
    method: str | None
    path: str
    user_id: int | None
    action: str
    params: dict[str, Any]
    times: int | None
    probability: float | None
    seed: int
    fired: int

    def matches(self, method: str, path: str, user_id: int | None) -> bool:
        return ((self.method is None or self.method == method)
                and fnmatchcase(path, self.path)
                and (self.user_id is None or self.user_id == user_id))

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "method": self.method, "path": self.path,
                "user_id": self.user_id, "action": self.action, **self.params,
                "times": self.times, "probability": self.probability, "seed": self.seed,
                "fired": self.fired}


def _int(data: dict[str, Any], name: str, low: int, high: int, required: bool = False) -> Any:
    value = data.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed(f"`{name}` must be an integer from {low} to {high}.",
                               pointer=f"/{name}")
    return value


def parse_rule(data: dict[str, Any]) -> dict[str, Any]:
    """Check a rule posted to the control API; 422 naming the first bad field."""
    action = data.get("action")
    if action not in ACTIONS:
        raise ValidationFailed(f"`action` must be one of {', '.join(ACTIONS)}.",
                               pointer="/action")
    params = {}
    if action == "status":
        params["status"] = _int(data, "status", 400, 599, required=True)
    if action == "latency_ms":
        params["latency_ms"] = _int(data, "latency_ms", 0, 120_000, required=True)
    if action == "drop_connection" and data.get("after") is not None:
        if not isinstance(data["after"], bool):
            raise ValidationFailed("`after` must be true or false.", pointer="/after")
        # after=true: the route runs (a write commits), then the socket closes unanswered.
        params["after"] = data["after"]
    method, path = data.get("method"), data.get("path", "*")
    if method is not None and (not isinstance(method, str) or not method.isalpha()):
        raise ValidationFailed("`method` must be an HTTP method name.", pointer="/method")
    if not isinstance(path, str) or not path:
        raise ValidationFailed("`path` must be a glob such as /api/v2/*.", pointer="/path")
    probability = data.get("probability")
    if probability is not None and (isinstance(probability, bool) or not isinstance(
            probability, int | float) or not 0 <= probability <= 1):
        raise ValidationFailed("`probability` must be a number from 0 to 1.",
                               pointer="/probability")
    return {"method": method.upper() if method else None, "path": path,
            "user_id": _int(data, "user_id", 1, 2**53), "action": action, "params": params,
            "times": _int(data, "times", 0, 2**31), "probability": probability,
            "seed": _int(data, "seed", 0, 2**53) or 0}


class Faults:
    """The rule set, kept in the store so that every worker applies the same rules."""

    def __init__(self, store: Store):
        self.store = store
        store.execute(FAULTS_TABLE)

    def add(self, data: dict[str, Any]) -> dict[str, Any]:
        rule = parse_rule(data)
        cur = self.store.execute(
            "INSERT INTO faults (method, path, user_id, action, params, times, probability, "
            "seed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (rule["method"], rule["path"], rule["user_id"], rule["action"],
             json.dumps(rule["params"]), rule["times"], rule["probability"], rule["seed"]))
        return self.get(int(cur.lastrowid or 0)).as_dict()  # type: ignore[union-attr]

    def rules(self) -> list[Fault]:
        rows = self.store.query("SELECT id, method, path, user_id, action, params, times, "
                                "probability, seed, fired FROM faults ORDER BY id")
        return [Fault(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7], r[8], r[9])
                for r in rows]

    def get(self, fault_id: int) -> Fault | None:
        return next((f for f in self.rules() if f.id == fault_id), None)

    def delete(self, fault_id: int | None = None) -> int:
        if fault_id is None:
            return self.store.execute("DELETE FROM faults").rowcount
        return self.store.execute("DELETE FROM faults WHERE id = ?", (fault_id,)).rowcount

    def fire(self, fault: Fault) -> bool:
        """Whether the rule fires for this request; counts atomically across workers."""
        with self.store.transaction() as conn:
            row = conn.execute("UPDATE faults SET seen = seen + 1 WHERE id = ? RETURNING seen",
                               (fault.id,)).fetchone()
            if row is None:
                return False
            if fault.probability is not None:
                draw = random.Random(f"{fault.seed}:{row[0]}").random()
                if draw >= fault.probability:
                    return False
            cur = conn.execute("UPDATE faults SET fired = fired + 1 WHERE id = ? "
                               "AND (times IS NULL OR fired < times)", (fault.id,))
            return cur.rowcount == 1

    def firing(self, method: str, path: str, user_id: int | None) -> list[Fault]:
        """The rules that fire for this request, stopping at the first one that answers."""
        fired = []
        for fault in self.rules():
            if fault.matches(method, path, user_id) and self.fire(fault):
                fired.append(fault)
                if fault.action in TERMINAL and not fault.params.get("after"):
                    break
        return fired
