"""Token pairs and where they are kept: a `TokenStore` protocol with memory and file stores."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class TokenSet:
    """One OAuth token pair as returned by `/oauth/token`, plus when we consider it expired."""

    access_token: str
    refresh_token: str | None
    expires_at: float
    token_type: str = "bearer"
    scope: tuple[str, ...] = field(default=())
    created_at: float | None = None

    @classmethod
    def from_response(cls, body: dict[str, Any], now: float) -> TokenSet:
        """Build from a token response; expiry is counted from our clock, immune to skew."""
        scope = body.get("scope") or ""
        return cls(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token"),
            expires_at=now + float(body.get("expires_in") or 7200),
            token_type=str(body.get("token_type") or "bearer"),
            scope=tuple(scope.split()) if isinstance(scope, str) else tuple(scope),
            created_at=body.get("created_at"),
        )

    def expires_within(self, seconds: float, now: float | None = None) -> bool:
        """True when the access token expires in less than `seconds`."""
        return self.expires_at - seconds <= (time.time() if now is None else now)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {**asdict(self), "scope": list(self.scope)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenSet:
        """Inverse of `to_dict`."""
        return cls(**{**data, "scope": tuple(data.get("scope") or ())})


@runtime_checkable
class TokenStore(Protocol):
    """Keeps one token pair per rep key (e.g. the rep's email or user id)."""

    def get(self, key: str) -> TokenSet | None:
        """The stored pair, or None when the rep never connected."""

    def set(self, key: str, token: TokenSet) -> None:
        """Replace the rep's pair."""

    def delete(self, key: str) -> None:
        """Forget the rep's pair (after a reconnect is required)."""


class MemoryTokenStore:
    """A process-local store; fine for tests and single-process apps."""

    def __init__(self) -> None:
        self._tokens: dict[str, TokenSet] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> TokenSet | None:
        with self._lock:
            return self._tokens.get(key)

    def set(self, key: str, token: TokenSet) -> None:
        with self._lock:
            self._tokens[key] = token

    def delete(self, key: str) -> None:
        with self._lock:
            self._tokens.pop(key, None)


class FileTokenStore:
    """A JSON file shared by processes; every write is atomic (temp file, fsync, os.replace)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # Refresh locks are per file, so two stores on the same path coalesce refreshes.
        self.lock_id = ("file", str(self.path.resolve()))

    def get(self, key: str) -> TokenSet | None:
        data = self._read().get(key)
        return TokenSet.from_dict(data) if data else None

    def set(self, key: str, token: TokenSet) -> None:
        with self._locked():
            data = self._read()
            data[key] = token.to_dict()
            self._write(data)

    def delete(self, key: str) -> None:
        with self._locked():
            data = self._read()
            if data.pop(key, None) is not None:
                self._write(data)

    def interprocess_lock_path(self, key: str) -> Path:
        """The lock file that serialises refreshes of one rep across processes."""
        safe = "".join(c if c.isalnum() else "_" for c in key)
        return self.path.with_name(f"{self.path.name}.{safe}.lock")

    def _read(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(self.path.parent)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise read-modify-write across threads and processes."""
        lock_path = self.path.with_name(f"{self.path.name}.lock")
        with self._lock, open(lock_path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
