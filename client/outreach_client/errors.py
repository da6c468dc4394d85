"""Every exception the client raises, mapped from Outreach's error documents.

OutreachError
 ├── APIConnectionError            the request may not have reached Outreach
 │    └── APITimeoutError
 ├── ReconnectRequired             the rep must sign in again (refresh refused, no token)
 └── APIError                      Outreach answered with an error status
      ├── BadRequestError          400 (unknown attribute, bad filter, include on a write)
      ├── AuthenticationError      401 (missing, garbled, expired or revoked token)
      ├── PermissionDeniedError    403 (unauthorizedOauthScope, unauthorizedRequest)
      ├── NotFoundError            404 (resourceNotFound)
      ├── UnsupportedMediaTypeError 415
      ├── ValidationError          422 (validationError, with source pointers)
      ├── RateLimitError           429 (API budget or token mint throttle; retry_after)
      ├── ServerError              5xx
      └── OAuthError               other errors of the token endpoint ({"error": ...})
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of a JSON:API `errors` array (or the flat OAuth/JWT error body)."""

    id: str | None = None
    title: str | None = None
    detail: str | None = None
    pointer: str | None = None


class OutreachError(Exception):
    """Base class of every error raised by outreach_client."""


class APIConnectionError(OutreachError):
    """The connection failed; the request may or may not have been processed."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class ReconnectRequired(OutreachError):
    """The rep's authorization is gone: the app must send them through OAuth again."""

    def __init__(self, rep: str, reason: str = "refresh token refused") -> None:
        super().__init__(f"reconnect required for {rep}: {reason}")
        self.rep = rep
        self.reason = reason


class APIError(OutreachError):
    """Outreach answered with an error status."""

    status_code: int = 0

    def __init__(self, response: httpx.Response, errors: list[ErrorDetail]) -> None:
        self.response = response
        self.status_code = response.status_code
        self.errors = errors
        first = errors[0] if errors else ErrorDetail()
        text = first.detail or first.title or first.id or response.reason_phrase
        super().__init__(f"{response.status_code} {first.id or ''}: {text}".replace(" :", ":"))

    @property
    def error_id(self) -> str | None:
        """The `id` of the first error, e.g. "validationError"."""
        return self.errors[0].id if self.errors else None


class BadRequestError(APIError):
    """400: the request is malformed or names something unknown."""


class AuthenticationError(APIError):
    """401: the access token is missing, garbled, expired or revoked."""


class PermissionDeniedError(APIError):
    """403: the token lacks a scope, or the user lacks a permission."""


class NotFoundError(APIError):
    """404: no such record (or not visible to this org)."""


class UnsupportedMediaTypeError(APIError):
    """415: a body was sent without the JSON:API content type."""


class ValidationError(APIError):
    """422: a value broke a rule; `errors[i].pointer` says which."""


class RateLimitError(APIError):
    """429: wait `retry_after` seconds (None when the server did not say)."""

    def __init__(self, response: httpx.Response, errors: list[ErrorDetail]) -> None:
        super().__init__(response, errors)
        self.retry_after = retry_after_seconds(response)


class ServerError(APIError):
    """5xx: Outreach failed; the request may or may not have been processed."""


class OAuthError(APIError):
    """The token endpoint refused a grant for another reason than a refused refresh token."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    415: UnsupportedMediaTypeError,
    422: ValidationError,
    429: RateLimitError,
}


def parse_errors(response: httpx.Response) -> list[ErrorDetail]:
    """Read a JSON:API error document, a flat `{"error": ...}` body, or plain text."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        text = response.text.strip()
        return [ErrorDetail(detail=text)] if text else []
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return [_detail(item) for item in body["errors"] if isinstance(item, dict)]
    if isinstance(body, dict) and "error" in body:
        text = body.get("error_description") or body.get("description")
        return [ErrorDetail(id=str(body["error"]), title=str(body["error"]), detail=text)]
    return []


def _detail(item: dict) -> ErrorDetail:
    source = item.get("source") if isinstance(item.get("source"), dict) else {}
    return ErrorDetail(
        id=item.get("id"),
        title=item.get("title"),
        detail=item.get("detail") or item.get("details"),
        pointer=source.get("pointer"),
    )


def error_for(response: httpx.Response) -> APIError:
    """The exception matching an error response."""
    cls = _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = ServerError if response.status_code >= 500 else APIError
    return cls(response, parse_errors(response))


def _absolute_time(value: str) -> float | None:
    """Epoch seconds of an ISO-8601 or HTTP date, or None."""
    for parse in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            return parse(value).timestamp()
        except (TypeError, ValueError):
            continue
    return None


def retry_after_seconds(response: httpx.Response, now: float | None = None) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or HTTP date) or `X-RateLimit-Reset` (epoch)."""
    now = time.time() if now is None else now
    value = response.headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            when = _absolute_time(value)
            if when is not None:
                return max(0.0, when - now)
    reset = response.headers.get("X-RateLimit-Reset")
    if reset:
        try:
            return max(0.0, float(reset) - now)
        except ValueError:
            return None
    return None
