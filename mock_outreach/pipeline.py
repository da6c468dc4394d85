"""Request hooks around /api/v2 and /oauth: shared settings, faults, rate limits and the journal."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from typing import Any

from flask import Flask, Response, current_app, g, request

from .errors import (
    ApiError,
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from .journal import body_text, redact_headers

ERRORS: dict[int, type[ApiError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 405: MethodNotAllowed,
    415: UnsupportedMediaType, 422: ValidationFailed, 503: ServiceUnavailable}
OAUTH_ERRORS = {400: "invalid_request", 401: "invalid_client", 503: "temporarily_unavailable"}


def mock() -> Any:
    return current_app.extensions["mock_outreach"]


def watched() -> bool:
    """Faults, limits and the journal concern the API and OAuth, never the control API."""
    return request.path.startswith(("/api/v2", "/oauth/"))


def sync_shared() -> int:
    """Adopt settings and the clock another worker stored; count fault rules (one query)."""
    state = mock()
    raw, clock, faults = state.store.query(
        "SELECT (SELECT value FROM kv WHERE key = 'settings'), "
        "(SELECT value FROM kv WHERE key = 'clock'), (SELECT count(*) FROM faults)")[0]
    if raw is not None and raw != state.extras.get("settings_raw"):
        adopt_settings(state, raw)
    if clock is not None and clock != state.extras.get("clock_raw"):
        state.clock.restore(json.loads(clock))
        state.extras["clock_raw"] = clock
    return faults


def adopt_settings(state: Any, raw: str) -> None:
    known = state.settings.as_dict()
    state.settings.update({k: v for k, v in json.loads(raw).items() if k in known})
    state.parser.strict_params = state.settings.strict_params
    state.extras["settings_raw"] = raw


def caller() -> Any:
    """The request's grant, or None when its token does not authenticate."""
    if "grant" not in g:
        try:
            g.grant = mock().tokens.authenticate(request.headers.get("Authorization"))
        except Unauthorized:
            g.grant = None
    return g.grant


def before() -> Response | None:
    g.started = time.perf_counter()
    faults = sync_shared()
    if not watched():
        return None
    answer = apply_faults() if faults else None
    if answer is None and request.path.startswith("/api/v2"):
        count_request()
    return answer


def apply_faults() -> Response | None:
    state = mock()
    grant = caller()
    for fault in state.extras["faults"].firing(request.method, request.path,
                                               grant.user_id if grant else None):
        if fault.action == "latency_ms":
            time.sleep(fault.params["latency_ms"] / 1000)
        elif fault.action == "expire_token":
            token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            state.tokens.expire(access_token=token)
            g.pop("grant", None)
        elif fault.action == "drop_connection" and fault.params.get("after"):
            client_socket()  # fail before the route runs when there is no socket to close
            g.drop_after = True
        elif fault.action == "drop_connection":
            return drop_connection()
        elif fault.action == "rate_limit":
            raise state.extras["rate_limiter"].peek().error()
        else:
            return fault_status(fault.params["status"])
    return None


def fault_status(status: int) -> Response:
    """An injected failure, shaped as the route family answers it."""
    if request.path.startswith("/oauth/"):
        if status == 429:
            return Response("Retry later\n", status=429, mimetype="text/plain")
        body = {"error": OAUTH_ERRORS.get(status, "server_error"),
                "error_description": f"Injected fault: HTTP {status}."}
        return Response(json.dumps(body), status=status, mimetype="application/json")
    if status == 429:
        raise mock().extras["rate_limiter"].peek().error()
    error = ERRORS.get(status, ApiError)(f"Injected fault: HTTP {status}.")
    if status not in ERRORS:
        error.status = status
    if status == 503:
        error.headers = {"Retry-After": "1"}
    raise error


def client_socket() -> socket.socket:
    sock = request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")
    if sock is None:
        raise ApiError("The drop_connection fault needs a real HTTP server; an in-process "
                       "transport has no socket to close.")
    return sock


def drop_connection() -> Response:
    """Close the client's socket without answering (real servers only)."""
    sock = client_socket()
    request.get_data()  # keep the body for the journal before the socket goes
    g.dropped = True
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    # The server's write now fails and it gives up on the connection quietly.
    return Response(status=500)


def count_request() -> None:
    grant = caller()
    if grant is None:
        return
    budget = mock().extras["rate_limiter"].hit(grant.user_id)
    g.budget = budget
    if budget.exceeded:
        raise budget.error()


def after(response: Response) -> Response:
    if g.get("drop_after"):
        response = drop_connection()
    budget = g.get("budget")
    if budget is not None and request.path.startswith("/api/v2"):
        response.headers.update(budget.headers())
    if watched() and mock().settings.journal_size > 0:
        journal(response)
    return response


def journal(response: Response) -> None:
    state = mock()
    grant = g.get("grant")
    user_id = grant.user_id if grant else g.get("oauth_user_id")
    dropped = g.get("dropped", False)
    response_body = "" if dropped or response.is_streamed else body_text(response.get_data())
    state.extras["journal"].record({
        "at": state.clock.now(), "method": request.method, "path": request.path,
        "query": request.query_string.decode("latin-1"),
        "status": None if dropped else response.status_code, "user_id": user_id,
        "duration_ms": round((time.perf_counter() - g.get("started", time.perf_counter()))
                             * 1000, 3),
        "request": {"headers": redact_headers(request.headers),
                    "body": body_text(request.get_data())},
        "response": {"headers": redact_headers(response.headers), "body": response_body,
                     "dropped": dropped},
    })


def install(app: Flask) -> None:
    app.before_request(before)
    app.after_request(after)
