"""The httpx.Auth flow: a rep's bearer token, refreshed before expiry and once more on a 401.

Outreach mints at most one token per user and app per minute (429 `Retry later`), so refreshes
are coalesced: one per rep at a time across threads, asyncio tasks and (with a file store)
processes; whoever waited re-reads the store and uses the token the winner stored.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import AsyncGenerator, Generator
from typing import Any

import anyio
import httpx

from ._constants import LOCK_POLL_INTERVAL, REFRESH_MARGIN
from .errors import RateLimitError, ReconnectRequired
from .oauth import OAuthApp
from .tokens import TokenSet, TokenStore

_REGISTRY_LOCK = threading.Lock()
_THREAD_LOCKS: dict[tuple[Any, str], threading.Lock] = {}


def _thread_lock(store: TokenStore, rep: str) -> threading.Lock:
    """The process-wide lock of one (store, rep); stores on one file share it."""
    store_id = getattr(store, "lock_id", None) or id(store)
    with _REGISTRY_LOCK:
        return _THREAD_LOCKS.setdefault((store_id, rep), threading.Lock())


class _RefreshGuard:
    """Held while one rep's token is refreshed: a thread lock, plus a file lock when shared."""

    def __init__(self, store: TokenStore, rep: str) -> None:
        self._lock = _thread_lock(store, rep)
        lock_path = getattr(store, "interprocess_lock_path", None)
        self._path = lock_path(rep) if lock_path else None
        self._fd: int | None = None

    def acquire(self, blocking: bool = True) -> bool:
        """Take both locks, or neither."""
        if not self._lock.acquire(blocking=blocking):
            return False
        if self._path is None:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            self._lock.release()
            return False
        self._fd = fd
        return True

    async def acquire_async(self) -> None:
        """Wait for the locks without blocking the event loop."""
        while not self.acquire(blocking=False):
            await anyio.sleep(LOCK_POLL_INTERVAL)

    def release(self) -> None:
        """Release both locks."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        self._lock.release()


class OutreachAuth(httpx.Auth):
    """Authenticates requests as one rep, refreshing through `app` and persisting to `store`."""

    def __init__(
        self,
        app: OAuthApp,
        store: TokenStore,
        rep: str,
        *,
        margin: float = REFRESH_MARGIN,
    ) -> None:
        self.app = app
        self.store = store
        self.rep = rep
        self.margin = margin
        self.refresh_count = 0

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        rejected: str | None = None
        for _ in range(2):
            token = self._current()
            if self._needs_refresh(token, rejected):
                guard = _RefreshGuard(self.store, self.rep)
                guard.acquire()
                try:
                    token = self._current()
                    if self._needs_refresh(token, rejected):
                        response = yield self.app.refresh_request(self._refresh_token(token))
                        response.read()
                        token = self._accept(response, token)
                finally:
                    guard.release()
            response = yield self._authorize(request, token)
            if response.status_code != 401:
                return
            rejected = token.access_token

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        rejected: str | None = None
        for _ in range(2):
            token = self._current()
            if self._needs_refresh(token, rejected):
                guard = _RefreshGuard(self.store, self.rep)
                await guard.acquire_async()
                try:
                    token = self._current()
                    if self._needs_refresh(token, rejected):
                        response = yield self.app.refresh_request(self._refresh_token(token))
                        await response.aread()
                        token = self._accept(response, token)
                finally:
                    guard.release()
            response = yield self._authorize(request, token)
            if response.status_code != 401:
                return
            rejected = token.access_token

    def _current(self) -> TokenSet:
        token = self.store.get(self.rep)
        if token is None:
            raise ReconnectRequired(self.rep, "no token stored")
        return token

    def _needs_refresh(self, token: TokenSet, rejected: str | None) -> bool:
        """After a 401: unless someone already replaced the rejected token. Else: near expiry."""
        if rejected is not None:
            return token.access_token == rejected
        return token.expires_within(self.margin, self.app.clock())

    def _refresh_token(self, token: TokenSet) -> str:
        if not token.refresh_token:
            self.store.delete(self.rep)
            raise ReconnectRequired(self.rep, "no refresh token")
        return token.refresh_token

    def _accept(self, response: httpx.Response, old: TokenSet) -> TokenSet:
        """Store the new pair; on refusal, prefer a pair another process stored meanwhile."""
        try:
            new = self.app.parse_token_response(response, self.rep)
        except (ReconnectRequired, RateLimitError):
            current = self.store.get(self.rep)
            if current is not None and current.access_token != old.access_token:
                return current
            if response.status_code != 429:
                self.store.delete(self.rep)
            raise
        self.store.set(self.rep, new)
        self.refresh_count += 1
        return new

    @staticmethod
    def _authorize(request: httpx.Request, token: TokenSet) -> httpx.Request:
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        return request


class StaticTokenAuth(httpx.Auth):
    """A fixed access token (scripts, tests); a 401 surfaces as AuthenticationError."""

    def __init__(self, access_token: str) -> None:
        self.access_token = access_token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {self.access_token}"
        yield request
