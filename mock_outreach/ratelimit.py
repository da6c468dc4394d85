"""Per-user request budgets in fixed windows on the mock clock, counted in the store."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import RateLimited
from .store import Store

COUNTERS_TABLE = """
CREATE TABLE IF NOT EXISTS rate_counters (
    user_id INTEGER PRIMARY KEY,
    window_start INTEGER NOT NULL,    -- epoch seconds, a multiple of the window length
    used INTEGER NOT NULL             -- requests in that window
)"""
# One statement per request: start a new window or count one more in the current one.
HIT = """
INSERT INTO rate_counters (user_id, window_start, used) VALUES (?, ?, 1)
ON CONFLICT (user_id) DO UPDATE SET
    used = CASE WHEN window_start = excluded.window_start THEN used + 1 ELSE 1 END,
    window_start = excluded.window_start
RETURNING used"""


@dataclass(frozen=True)
class Budget:
    """Where one user stands after a request."""

    limit: int
    used: int
    reset_at: int  # epoch seconds when the window ends
    now: float

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(self.reset_at)}

    def error(self) -> RateLimited:
        """Outreach's 429, with the window end in its zone-less format and `Retry-After`."""
        at = datetime.fromtimestamp(self.reset_at, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        retry = max(1, math.ceil(self.reset_at - self.now))
        return RateLimited(f"You have exceeded your permitted rate limit of {self.limit:,}; "
                           f"please try again at {at}.",
                           headers={**self.headers(), "Retry-After": str(retry)})


class RateLimiter:
    """Counts requests per user; all workers on one database share the counters."""

    def __init__(self, store: Store, settings: Any):
        self.store = store
        self.settings = settings
        store.execute(COUNTERS_TABLE)

    def window(self, now: float) -> tuple[int, int]:
        length = max(1, int(self.settings.rate_window_s))
        start = int(now // length) * length
        return start, start + length

    def hit(self, user_id: int) -> Budget:
        """Count one request for the user and say where the budget stands."""
        now = self.store.clock.now()
        start, end = self.window(now)
        with self.store.transaction(durable=False) as conn:
            used = conn.execute(HIT, (user_id, start)).fetchone()[0]
        return Budget(self.settings.rate_limit, used, end, now)

    def peek(self, now: float | None = None) -> Budget:
        """A full budget for the current window (what a fault's 429 reports)."""
        now = self.store.clock.now() if now is None else now
        return Budget(self.settings.rate_limit, self.settings.rate_limit + 1,
                      self.window(now)[1], now)

    def usage(self) -> list[dict[str, Any]]:
        """Each user's use of the current window."""
        now = self.store.clock.now()
        start, end = self.window(now)
        rows = self.store.query(
            "SELECT c.user_id, u.email, c.used FROM rate_counters c "
            "LEFT JOIN r_user u ON u.id = c.user_id WHERE c.window_start = ? "
            "ORDER BY c.user_id", (start,))
        limit = self.settings.rate_limit
        return [{"user_id": r[0], "email": r[1], "used": r[2],
                 "remaining": max(0, limit - r[2]), "reset": end} for r in rows]

    def clear(self) -> None:
        self.store.execute("DELETE FROM rate_counters")
