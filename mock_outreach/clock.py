"""The app's one clock: real time by default, frozen, set or advanced by the control API."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class Clock:
    """Wall time plus an offset, or a frozen instant; every lifetime and timestamp reads it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None

    def now(self) -> float:
        """Seconds since the epoch, as the mock sees them."""
        with self._lock:
            return self._frozen_at if self._frozen_at is not None else time.time() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def freeze(self) -> None:
        now = self.now()
        with self._lock:
            self._frozen_at = now

    def unfreeze(self) -> None:
        now = self.now()
        with self._lock:
            self._frozen_at = None
            self._offset = now - time.time()

    def set(self, epoch: float) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = epoch
            else:
                self._offset = epoch - time.time()

    def advance(self, seconds: float) -> None:
        self.set(self.now() + seconds)

    def snapshot(self) -> dict[str, float | None]:
        """What other processes need to see the same time: offset and frozen instant."""
        with self._lock:
            return {"offset": self._offset, "frozen_at": self._frozen_at}

    def restore(self, snapshot: dict[str, float | None]) -> None:
        with self._lock:
            self._offset = float(snapshot.get("offset") or 0.0)
            self._frozen_at = snapshot.get("frozen_at")

    def state(self) -> dict[str, object]:
        return {"now": iso(self.now()), "epoch": self.now(), "frozen": self.frozen}


def iso(epoch: float) -> str:
    """ISO-8601 UTC with milliseconds and `Z`, Outreach's timestamp format."""
    return format_utc(datetime.fromtimestamp(epoch, UTC))


def format_utc(dt: datetime) -> str:
    # strftime's %Y does not zero-pad years before 1000 on glibc; ISO-8601 needs four digits.
    return f"{dt.year:04d}-{dt:%m-%dT%H:%M:%S}.{dt.microsecond // 1000:03d}Z"


def parse_datetime(text: str) -> datetime:
    """Parse an ISO-8601 date or date-time (naive means UTC) into an aware UTC datetime."""
    value = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def parse_iso(text: str) -> float:
    """Parse an ISO-8601 date or date-time (naive means UTC) into epoch seconds."""
    return parse_datetime(text).timestamp()


def canonical(text: str) -> str:
    """Outreach's form of a written timestamp, exact to the millisecond (no float round trip)."""
    return format_utc(parse_datetime(text))
