"""`OutreachClient` and `AsyncOutreachClient`: transport seam, retries, error mapping, resources."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Self

import anyio
import httpx

from . import _constants as C
from ._retry import RetryPolicy
from .auth import StaticTokenAuth
from .errors import APIConnectionError, APITimeoutError, error_for
from .jsonapi import Document
from .models import (
    Account,
    Call,
    CallDisposition,
    CallPurpose,
    Model,
    PhoneNumber,
    Prospect,
    Sequence,
    SequenceState,
    SequenceStep,
    Task,
    User,
)
from .resources import AsyncResourceAPI, ResourceAPI, attach_resources

Params = list[tuple[str, str]] | Mapping[str, Any] | None


class _BaseClient:
    """What both clients share: configuration, request building, response reading."""

    def __init__(
        self,
        auth: httpx.Auth | str,
        *,
        base_url: str,
        max_retries: int,
        random_source: Callable[[], float],
        clock: Callable[[], float],
    ) -> None:
        self.base_url = httpx.URL(base_url.rstrip("/"))
        self.auth = StaticTokenAuth(auth) if isinstance(auth, str) else auth
        self.retry = RetryPolicy(max_retries=max_retries, random=random_source, clock=clock)
        self.requests_sent = 0

    def _url(self, path: str) -> httpx.URL:
        """An API path (`/tasks/1`) or a `links.next` URL, pointed at our base URL."""
        if path.startswith(("http://", "https://")):
            url = httpx.URL(path)
            return url.copy_with(
                scheme=self.base_url.scheme, host=self.base_url.host, port=self.base_url.port
            )
        return httpx.URL(f"{self.base_url}{C.API_PREFIX}{path}")

    @staticmethod
    def _headers(body: Any) -> dict[str, str]:
        headers = {"Accept": C.JSONAPI_MEDIA_TYPE}
        if body is not None:
            headers["Content-Type"] = C.JSONAPI_MEDIA_TYPE
        return headers

    def _build(
        self,
        http: httpx.Client | httpx.AsyncClient,
        method: str,
        path: str,
        params: Params,
        body: Any,
    ) -> httpx.Request:
        content = json.dumps(body, separators=(",", ":")).encode() if body is not None else None
        return http.build_request(
            method, self._url(path), params=params, content=content, headers=self._headers(body)
        )

    @staticmethod
    def _document(response: httpx.Response) -> Document | None:
        """The parsed body of a success; raises the mapped error otherwise."""
        if response.status_code >= 400:
            raise error_for(response)
        if response.status_code == 204 or not response.content:
            return None
        return Document.parse(response.json())

    @staticmethod
    def _wrap(exc: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(f"timed out: {exc!r}", request=request)
        return APIConnectionError(f"connection failed: {exc!r}", request=request)


class OutreachClient(_BaseClient):
    """A synchronous Outreach API v2 client with one attribute per resource type."""

    users: ResourceAPI[User]
    calls: ResourceAPI[Call]
    accounts: ResourceAPI[Account]
    webhooks: ResourceAPI[Model]
    teams: ResourceAPI[Model]
    prospects: ResourceAPI[Prospect]
    mailboxes: ResourceAPI[Model]
    phone_numbers: ResourceAPI[PhoneNumber]
    call_dispositions: ResourceAPI[CallDisposition]
    call_purposes: ResourceAPI[CallPurpose]
    events: ResourceAPI[Model]
    tasks: ResourceAPI[Task]
    mailings: ResourceAPI[Model]
    sequences: ResourceAPI[Sequence]
    sequence_templates: ResourceAPI[Model]
    sequence_steps: ResourceAPI[SequenceStep]
    sequence_states: ResourceAPI[SequenceState]

    def __init__(
        self,
        auth: httpx.Auth | str,
        *,
        base_url: str = C.DEFAULT_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = C.DEFAULT_TIMEOUT,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        sleep: Callable[[float], None] = time.sleep,
        random_source: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            auth,
            base_url=base_url,
            max_retries=max_retries,
            random_source=random_source,
            clock=clock,
        )
        self._sleep = sleep
        self._http = httpx.Client(transport=transport, timeout=timeout, auth=self.auth)
        attach_resources(self, ResourceAPI)

    def request(
        self, method: str, path: str, *, params: Params = None, body: Any = None
    ) -> Document | None:
        """Send one API request with retries; the parsed document, or None for 204."""
        return self._document(self._send(method, path, params, body))

    def _send(self, method: str, path: str, params: Params, body: Any) -> httpx.Response:
        attempt = 0
        while True:
            request = self._build(self._http, method, path, params, body)
            self.requests_sent += 1
            try:
                response = self._http.send(request)
            except httpx.TransportError as exc:
                delay = self.retry.delay_after_error(exc, method, attempt)
                if delay is None:
                    raise self._wrap(exc, request) from exc
            else:
                delay = self.retry.delay_after_response(response, attempt)
                if delay is None:
                    return response
            self._sleep(delay)
            attempt += 1

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncOutreachClient(_BaseClient):
    """The asyncio twin of `OutreachClient`; `list()` returns an async iterator."""

    users: AsyncResourceAPI[User]
    calls: AsyncResourceAPI[Call]
    accounts: AsyncResourceAPI[Account]
    webhooks: AsyncResourceAPI[Model]
    teams: AsyncResourceAPI[Model]
    prospects: AsyncResourceAPI[Prospect]
    mailboxes: AsyncResourceAPI[Model]
    phone_numbers: AsyncResourceAPI[PhoneNumber]
    call_dispositions: AsyncResourceAPI[CallDisposition]
    call_purposes: AsyncResourceAPI[CallPurpose]
    events: AsyncResourceAPI[Model]
    tasks: AsyncResourceAPI[Task]
    mailings: AsyncResourceAPI[Model]
    sequences: AsyncResourceAPI[Sequence]
    sequence_templates: AsyncResourceAPI[Model]
    sequence_steps: AsyncResourceAPI[SequenceStep]
    sequence_states: AsyncResourceAPI[SequenceState]

    def __init__(
        self,
        auth: httpx.Auth | str,
        *,
        base_url: str = C.DEFAULT_BASE_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | float = C.DEFAULT_TIMEOUT,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        random_source: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            auth,
            base_url=base_url,
            max_retries=max_retries,
            random_source=random_source,
            clock=clock,
        )
        self._sleep = sleep
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout, auth=self.auth)
        attach_resources(self, AsyncResourceAPI)

    async def request(
        self, method: str, path: str, *, params: Params = None, body: Any = None
    ) -> Document | None:
        """Send one API request with retries; the parsed document, or None for 204."""
        return self._document(await self._send(method, path, params, body))

    async def _send(self, method: str, path: str, params: Params, body: Any) -> httpx.Response:
        attempt = 0
        while True:
            request = self._build(self._http, method, path, params, body)
            self.requests_sent += 1
            try:
                response = await self._http.send(request)
            except httpx.TransportError as exc:
                delay = self.retry.delay_after_error(exc, method, attempt)
                if delay is None:
                    raise self._wrap(exc, request) from exc
            else:
                delay = self.retry.delay_after_response(response, attempt)
                if delay is None:
                    return response
            await self._sleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
