"""Outreach's authorization-code flow: authorize URL, code exchange and refresh (via authlib)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.errors import MismatchingStateException
from authlib.oauth2.rfc6749.parameters import (
    parse_authorization_code_response,
    prepare_grant_uri,
    prepare_token_request,
)

from ._constants import DEFAULT_BASE_URL, DEFAULT_TIMEOUT
from .errors import (
    APIConnectionError,
    APITimeoutError,
    OAuthError,
    OutreachError,
    RateLimitError,
    ReconnectRequired,
    ServerError,
    error_for,
    parse_errors,
)
from .tokens import TokenSet

# What a dialer asks for (Nooks' list plus callPurposes, which calls reference).
DIALER_SCOPES: tuple[str, ...] = tuple(
    f"{name}.all"
    for name in [
        "users",
        "calls",
        "accounts",
        "webhooks",
        "teams",
        "prospects",
        "mailboxes",
        "phoneNumbers",
        "callDispositions",
        "callPurposes",
        "events",
        "tasks",
        "mailings",
        "sequences",
        "sequenceTemplates",
        "sequenceSteps",
        "sequenceStates",
    ]
)


class AuthorizationDenied(OutreachError):
    """The rep clicked Deny (or the server refused) on the consent page."""

    def __init__(self, error: str, description: str | None = None) -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error


class OAuthApp:
    """One registered OAuth application: its id, secret, redirect URI and scopes."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        *,
        scopes: Iterable[str] = DIALER_SCOPES,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.scopes = tuple(scopes)
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self._transport = transport
        self._async_transport = async_transport
        self._timeout = timeout

    @property
    def token_url(self) -> str:
        """Where grants are exchanged."""
        return f"{self.base_url}/oauth/token"

    def authorization_url(
        self, state: str | None = None, scopes: Iterable[str] | None = None
    ) -> tuple[str, str]:
        """The consent URL to send the rep's browser to, and the state to check on return."""
        state = state or generate_token(32)
        url = prepare_grant_uri(
            f"{self.base_url}/oauth/authorize",
            self.client_id,
            "code",
            redirect_uri=self.redirect_uri,
            scope=list(scopes if scopes is not None else self.scopes),
            state=state,
        )
        return url, state

    def parse_callback(self, callback_url: str, state: str) -> str:
        """The code from the redirect back to us; raises on a denial or a state mismatch."""
        query = dict(httpx.URL(callback_url).params)
        if "error" in query:
            raise AuthorizationDenied(query["error"], query.get("error_description"))
        try:
            return parse_authorization_code_response(callback_url, state=state)["code"]
        except MismatchingStateException as exc:
            raise AuthorizationDenied("state_mismatch", "possible CSRF") from exc

    def code_request(self, code: str) -> httpx.Request:
        """The token request exchanging an authorization code."""
        return self._token_request("authorization_code", code=code)

    def refresh_request(self, refresh_token: str) -> httpx.Request:
        """The token request exchanging a refresh token for a new pair."""
        return self._token_request("refresh_token", refresh_token=refresh_token)

    def parse_token_response(self, response: httpx.Response, rep: str = "") -> TokenSet:
        """A new pair, or the error: invalid_grant becomes `ReconnectRequired`."""
        if response.status_code == 200:
            return TokenSet.from_response(response.json(), self.clock())
        if response.status_code in (400, 401) and _oauth_error(response) == "invalid_grant":
            raise ReconnectRequired(rep or "rep", "refresh token refused (invalid_grant)")
        error = error_for(response)
        if isinstance(error, RateLimitError | ServerError):
            raise error
        raise OAuthError(response, error.errors)

    def exchange_code(self, code: str) -> TokenSet:
        """Exchange an authorization code for a token pair."""
        return self._send(self.code_request(code))

    def refresh(self, refresh_token: str, rep: str = "") -> TokenSet:
        """Exchange a refresh token for a new pair."""
        return self._send(self.refresh_request(refresh_token), rep)

    async def aexchange_code(self, code: str) -> TokenSet:
        """Async `exchange_code`."""
        return await self._asend(self.code_request(code))

    async def arefresh(self, refresh_token: str, rep: str = "") -> TokenSet:
        """Async `refresh`."""
        return await self._asend(self.refresh_request(refresh_token), rep)

    def _token_request(self, grant_type: str, **params: Any) -> httpx.Request:
        body = prepare_token_request(
            grant_type,
            redirect_uri=self.redirect_uri,
            client_id=self.client_id,
            client_secret=self.client_secret,
            **params,
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        return httpx.Request("POST", self.token_url, content=body.encode(), headers=headers)

    def _send(self, request: httpx.Request, rep: str = "") -> TokenSet:
        with httpx.Client(transport=self._transport, timeout=self._timeout) as http:
            try:
                response = http.send(request)
            except httpx.TimeoutException as exc:
                raise APITimeoutError(str(exc), request=request) from exc
            except httpx.TransportError as exc:
                raise APIConnectionError(str(exc), request=request) from exc
        return self.parse_token_response(response, rep)

    async def _asend(self, request: httpx.Request, rep: str = "") -> TokenSet:
        async with httpx.AsyncClient(
            transport=self._async_transport, timeout=self._timeout
        ) as http:
            try:
                response = await http.send(request)
            except httpx.TimeoutException as exc:
                raise APITimeoutError(str(exc), request=request) from exc
            except httpx.TransportError as exc:
                raise APIConnectionError(str(exc), request=request) from exc
        return self.parse_token_response(response, rep)


def _oauth_error(response: httpx.Response) -> str | None:
    errors = parse_errors(response)
    return errors[0].id if errors else None
