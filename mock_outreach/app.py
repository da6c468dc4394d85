"""The app factory: builds one mock instance (store, clock, tokens, routes) per Flask app."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from .behaviours import hooks_table
from .clock import Clock
from .documents import Renderer, dumps
from .errors import ApiError, BadRequest, MethodNotAllowed, NotFound
from .listing import Lister
from .query import QueryParser
from .registry import Registry, load_registry
from .resources import Resources
from .settings import Settings
from .store import Store
from .tokens import Tokens

log = logging.getLogger("mock_outreach")
CONFIG_KEYS = {"dataset", "db", "seed", "base_url", "control_token", "synchronous",
               "webhook_worker", "prospects"}


@dataclass
class MockState:
    """Everything one mock instance owns; lives in `app.extensions["mock_outreach"]`."""

    registry: Registry
    clock: Clock
    store: Store
    settings: Settings
    tokens: Tokens
    resources: Resources
    renderer: Renderer
    lister: Lister
    parser: QueryParser
    rng: random.Random
    dataset: str = "demo"
    seed: int = 0
    base_url: str | None = None
    control_token: str | None = None
    dataset_options: dict[str, Any] = field(default_factory=dict)  # e.g. generated size
    extras: dict[str, Any] = field(default_factory=dict)

    def load_dataset(self, dataset: str | None = None, **options: Any) -> dict[str, Any]:
        """Replace all data with a dataset; tokens and recorded state go too."""
        from outreach_fixtures import load

        self.store.clear()
        self.tokens = Tokens(self.store, self.settings)
        self.parser.strict_params = self.settings.strict_params
        if dataset in (None, self.dataset):
            options = {**self.dataset_options, **options}
        return load(self, dataset or self.dataset, **options)


def build_state(config: dict[str, Any]) -> MockState:
    if "prospects" in config:
        return _generated(config)
    registry = load_registry()
    clock = Clock()
    settings = Settings()
    settings.update({k: v for k, v in config.items() if k not in CONFIG_KEYS})
    store = Store(registry, clock, config.get("db", ":memory:"),
                  synchronous=config.get("synchronous", "FULL"))
    stored = store.kv_get("settings")
    if stored:
        settings.update(stored)
    return MockState(
        registry=registry, clock=clock, store=store, settings=settings,
        tokens=Tokens(store, settings), resources=Resources(store, hooks_table()),
        renderer=Renderer(store), lister=Lister(store),
        parser=QueryParser(registry, settings.strict_params),
        rng=random.Random(config.get("seed", 0)), dataset=config.get("dataset", "demo"),
        seed=config.get("seed", 0), base_url=config.get("base_url"),
        control_token=config.get("control_token"),
    )


def _generated(config: dict[str, Any]) -> MockState:
    """Config `prospects: N` means the generated dataset of that size (reset reloads it)."""
    state = build_state({k: v for k, v in config.items() if k != "prospects"})
    state.dataset = "generated"
    state.dataset_options = {"prospects": int(config["prospects"]),
                             "seed": int(config.get("seed", 0))}
    return state


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """A Flask app serving Outreach's API over a fresh (or file-backed) store."""
    config = dict(config or {})
    app = Flask(__name__)
    app.url_map.strict_slashes = False  # like Outreach's Rails routes: /prospects/ == /prospects
    app.json.sort_keys = False  # type: ignore[attr-defined]
    state = build_state(config)
    app.extensions["mock_outreach"] = state
    if state.store.query("SELECT count(*) FROM orgs")[0][0] == 0 and state.dataset != "empty":
        state.load_dataset()
    from .api import api
    from .control import control
    from .dashboard import dashboard
    from .oauth import init_app as init_oauth
    from .openapi import schema
    from .qa import init_app as init_qa
    from .records import records
    from .webhook_control import install as install_webhooks

    app.register_blueprint(api)
    app.register_blueprint(control)
    app.register_blueprint(records)
    app.register_blueprint(dashboard)
    app.register_blueprint(schema)
    install_webhooks(app, state, worker=bool(config.get("webhook_worker", True)))
    init_oauth(app)
    init_qa(app)
    register_error_handlers(app)
    return app


def error_response(error: ApiError) -> Response:
    return Response(dumps(error.document()), status=error.status,
                    mimetype="application/vnd.api+json", headers=error.headers)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(OverflowError)
    def handle_overflow(error: OverflowError) -> Response:
        # Only client-supplied numbers reach SQLite unbounded; beyond 64 bits is bad input.
        return error_response(BadRequest("A number in the request is out of range.",
                                         error_id="numberOutOfRange"))

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Response:
        if error.code == 405:
            return error_response(MethodNotAllowed(
                f"{request.method} is not supported on {request.path}."))
        if error.code == 404:
            return error_response(NotFound(f"No route matches {request.path}.",
                                           error_id="routeNotFound"))
        generic = ApiError(error.description or "Bad request.")
        generic.status, generic.error_id, generic.title = error.code or 400, "badRequest", \
            error.name
        return error_response(generic)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(ApiError("The server encountered an unexpected error."))
