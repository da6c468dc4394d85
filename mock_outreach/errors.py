"""One error hierarchy for the mock; each error knows its status and renders Outreach's document.

ApiError
 +-- BadRequest (400)              malformed query, unknown attribute, include on a write
 +-- Unauthorized (401)            missing, garbled, expired or revoked token (non-JSON:API body)
 +-- Forbidden (403)               token lacks the scope
 +-- NotFound (404)                unknown route, type or id, or another org's record
 +-- MethodNotAllowed (405)
 +-- UnsupportedMediaType (415)
 +-- ValidationFailed (422)        enum, format, length violations with source.pointer
 +-- RateLimited (429)
 +-- ServiceUnavailable (503)
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answered with an Outreach-shaped JSON:API error document."""

    status = 500
    error_id = "internalServerError"
    title = "Internal Server Error"

    def __init__(self, detail: str, *, pointer: str | None = None, parameter: str | None = None,
                 error_id: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.pointer = pointer
        self.parameter = parameter
        self.headers = headers or {}
        if error_id:
            self.error_id = error_id

    def to_error(self) -> dict[str, Any]:
        error: dict[str, Any] = {"id": self.error_id, "title": self.title, "detail": self.detail}
        if self.pointer is not None:
            error["source"] = {"pointer": self.pointer}
        elif self.parameter is not None:
            error["source"] = {"parameter": self.parameter}
        return error

    def document(self) -> dict[str, Any]:
        return {"errors": [self.to_error()]}


class BadRequest(ApiError):
    status, error_id, title = 400, "badRequest", "Bad Request"


class Unauthorized(ApiError):
    """Rendered in the gateway's non-JSON:API shape (fidelity decision 1)."""

    status, error_id, title = 401, "unauthorized", "Invalid JWT token."

    def document(self) -> dict[str, Any]:
        return {"error": "Invalid JWT token.", "description": self.detail}


class Forbidden(ApiError):
    status, error_id, title = 403, "unauthorizedOauthScope", "Unauthorized OAuth Scope"


class NotFound(ApiError):
    status, error_id, title = 404, "resourceNotFound", "Resource Not Found"


class MethodNotAllowed(ApiError):
    status, error_id, title = 405, "methodNotAllowed", "Method Not Allowed"


class UnsupportedMediaType(ApiError):
    status, error_id, title = 415, "unsupportedMediaType", "Unsupported Media Type"

    def to_error(self) -> dict[str, Any]:
        # Outreach's documented example spells the member `details`.
        return {"id": self.error_id, "title": self.title, "details": self.detail}


class ValidationFailed(ApiError):
    status, error_id, title = 422, "validationError", "Validation Error"


class RateLimited(ApiError):
    status, error_id, title = 429, "rateLimitExceeded", "Rate Limit Exceeded"


class ServiceUnavailable(ApiError):
    status, error_id, title = 503, "scheduledServerMaintenance", "Service Unavailable"


class MultipleErrors(ApiError):
    """Several validation errors answered together (all share one status)."""

    def __init__(self, errors: list[ApiError]):
        super().__init__(errors[0].detail)
        self.errors = errors
        self.status = errors[0].status

    def document(self) -> dict[str, Any]:
        return {"errors": [e.to_error() for e in self.errors]}
