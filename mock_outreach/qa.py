"""QA controls under /__mock__/: settings, token expiry and revocation, faults, limits, journal."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, request

from . import pipeline
from .control import body, control_error, guard, int_arg, mock, reply
from .errors import ApiError, NotFound, ValidationFailed
from .faults import Faults
from .journal import Journal
from .ratelimit import RateLimiter

qa = Blueprint("qa", __name__, url_prefix="/__mock__")
qa.before_request(guard)
qa.register_error_handler(ApiError, control_error)


def save_settings(changes: dict[str, Any]) -> dict[str, Any]:
    """Apply, then store the settings so that every worker adopts them."""
    state = mock()
    state.settings.update(changes)
    state.parser.strict_params = state.settings.strict_params
    current = state.settings.as_dict()
    state.store.kv_set("settings", current)
    state.extras["settings_raw"] = json.dumps(current)
    return current


@qa.get("/settings")
def get_settings() -> Response:
    return reply(mock().settings.as_dict())


@qa.put("/settings")
def put_settings() -> Response:
    return reply(save_settings(body()))


def one_of(data: dict[str, Any], names: tuple[str, ...]) -> tuple[str, Any]:
    given = [n for n in names if data.get(n) is not None]
    if len(given) != 1:
        raise ValidationFailed(f"Give exactly one of {', '.join(names)}.")
    name = given[0]
    value = data[name]
    valid = (isinstance(value, int) and not isinstance(value, bool)
             if name in ("user_id", "token_id")
             else isinstance(value, str) and value != "")
    if not valid:
        raise ValidationFailed(f"`{name}` has the wrong type.", pointer=f"/{name}")
    return name, value


@qa.post("/tokens/expire")
def expire_tokens() -> Response:
    name, value = one_of(body(), ("access_token", "user_id", "token_id"))
    count = mock().tokens.expire(**{name: value})
    return reply({"expired": count})


@qa.post("/tokens/revoke")
def revoke_tokens() -> Response:
    name, value = one_of(body(), ("access_token", "refresh_token", "user_id", "token_id"))
    count = mock().tokens.revoke(**{name: value})
    return reply({"revoked": count})


@qa.get("/faults")
def list_faults() -> Response:
    return reply({"faults": [f.as_dict() for f in mock().extras["faults"].rules()]})


@qa.post("/faults")
def add_fault() -> Response:
    return reply(mock().extras["faults"].add(body()), 201)


@qa.delete("/faults")
def clear_faults() -> Response:
    return reply({"deleted": mock().extras["faults"].delete()})


@qa.delete("/faults/<int:fault_id>")
def delete_fault(fault_id: int) -> Response:
    if not mock().extras["faults"].delete(fault_id):
        raise NotFound(f"No fault rule {fault_id}.")
    return Response(status=204)


@qa.get("/rate-limit")
def get_rate_limit() -> Response:
    state = mock()
    return reply({"limit": state.settings.rate_limit, "window_s": state.settings.rate_window_s,
                  "users": state.extras["rate_limiter"].usage()})


@qa.put("/rate-limit")
def put_rate_limit() -> Response:
    data = body()
    unknown = set(data) - {"limit", "window_s"}
    if unknown:
        raise ValidationFailed(f"Unknown field '{sorted(unknown)[0]}'; use limit, window_s.")
    if data.get("window_s") == 0:
        raise ValidationFailed("`window_s` must be at least 1.", pointer="/window_s")
    renamed = {"limit": "rate_limit", "window_s": "rate_window_s"}
    current = save_settings({renamed[k]: v for k, v in data.items()})
    return reply({"limit": current["rate_limit"], "window_s": current["rate_window_s"]})


@qa.get("/journal")
def get_journal() -> Response:
    limit = int_arg("limit", 100) or 0
    entries = mock().extras["journal"].entries(
        path=request.args.get("path"), method=request.args.get("method"),
        status=int_arg("status"), user_id=int_arg("user_id"), limit=min(limit, 10_000))
    return reply({"entries": entries})


def init_app(app: Flask) -> None:
    """Create the QA stores, hook them around every request and serve their routes."""
    state = app.extensions["mock_outreach"]
    state.extras["faults"] = Faults(state.store)
    state.extras["rate_limiter"] = RateLimiter(state.store, state.settings)
    state.extras["journal"] = Journal(state.store, state.settings)
    state.extras.setdefault("on_reset", []).append(lambda: reset(state))
    pipeline.install(app)
    app.register_blueprint(qa)


def reset(state: Any) -> None:
    """POST /__mock__/reset: no faults, no journal, fresh budgets; settings stay."""
    state.extras["faults"].delete()
    state.extras["journal"].clear()
    state.extras["rate_limiter"].clear()
    current = state.settings.as_dict()
    state.store.kv_set("settings", current)
    state.extras["settings_raw"] = json.dumps(current)
