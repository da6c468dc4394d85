"""Webhook wiring and control routes: outbox listing, redelivery and a synchronous pass."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, request

from .control import control_error, guard, int_arg, mock, reply
from .errors import ApiError, BadRequest, NotFound
from .webhook_worker import Worker, deliver_due, drain
from .webhooks import STATUSES, clear_outbox, create_outbox, list_deliveries, on_change
from .webhooks import redeliver as queue_redelivery

webhook_control = Blueprint("webhook_control", __name__, url_prefix="/__mock__/webhooks")
webhook_control.before_request(guard)
webhook_control.register_error_handler(ApiError, control_error)


def install(app: Flask, state: Any, worker: bool = True) -> None:
    """Create the outbox, enqueue on every change, clear on reset, and start the worker."""
    create_outbox(state.store)

    def enqueue(change: Any) -> None:
        if on_change(state.store, change) and (running := state.extras.get("webhook_worker")):
            running.wake.set()

    state.resources.listeners.append(enqueue)
    state.extras.setdefault("on_reset", []).append(lambda: clear_outbox(state.store))
    app.register_blueprint(webhook_control)
    if worker:
        state.extras["webhook_worker"] = Worker(state).start()


def stop_worker(app: Flask) -> None:
    """Stop this app's delivery thread (tests, shutdown); a no-op when none runs."""
    running = app.extensions["mock_outreach"].extras.pop("webhook_worker", None)
    if running is not None:
        running.stop()


@webhook_control.get("/deliveries")
def deliveries() -> Response:
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        raise BadRequest(f"`status` must be one of {', '.join(STATUSES)}.", parameter="status")
    limit = int_arg("limit") or 100
    if limit > 1000:
        raise BadRequest("`limit` must be at most 1000.", parameter="limit")
    found = list_deliveries(mock().store, webhook_id=int_arg("webhook_id"), status=status,
                            limit=limit)
    return reply({"deliveries": found})


@webhook_control.get("/deliveries/<int:delivery_id>")
def delivery(delivery_id: int) -> Response:
    found = list_deliveries(mock().store, delivery_id=delivery_id)
    if not found:
        raise NotFound(f"No webhook delivery {delivery_id}.")
    return reply(found[0])


@webhook_control.post("/deliveries/<int:delivery_id>/redeliver")
def redeliver(delivery_id: int) -> Response:
    """Queue a fresh copy of a delivery; the worker (or POST /run) sends it."""
    state = mock()
    new_id = queue_redelivery(state.store, delivery_id)
    if new_id is None:
        raise NotFound(f"No webhook delivery {delivery_id}.")
    if running := state.extras.get("webhook_worker"):
        running.wake.set()
    return reply(list_deliveries(state.store, delivery_id=new_id)[0], 201)


@webhook_control.post("/run")
def run() -> Response:
    """Deliver what is due now, synchronously; `{"drain": true}` also waits out retries."""
    data = request.get_json(silent=True) or {}
    state = mock()
    if isinstance(data, dict) and data.get("drain"):
        return reply({"handled": drain(state)})
    return reply({"handled": deliver_due(state)})
