"""The QA dashboard at /__mock__/ui: one page that drives the JSON control routes."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from .control import control_error, guard, mock
from .errors import ApiError
from .webhooks import STATUSES

dashboard = Blueprint("dashboard", __name__, url_prefix="/__mock__/ui",
                      static_folder="static", static_url_path="/static")
dashboard.register_error_handler(ApiError, control_error)

# The page runs only its own script and style; nothing may frame it or leak its URL.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; frame-ancestors 'none'; "
                               "base-uri 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dashboard.before_request
def protect() -> None:
    """The control API's guard; assets skip it only under a control token.

    A `<script src>` cannot send `Authorization`, and the assets hold no data.
    """
    if request.endpoint == "dashboard.static" and mock().control_token:
        return
    guard()


@dashboard.get("")
@dashboard.get("/")
def page() -> Response:
    """The single page; it carries the control token only to a caller that presented it."""
    state = mock()
    # The guard has passed: a configured token was in this very request's header.
    html = render_template("dashboard.html", control_token=state.control_token or "",
                           dataset=state.dataset, delivery_statuses=STATUSES)
    return Response(html, mimetype="text/html", headers=SECURITY_HEADERS)
