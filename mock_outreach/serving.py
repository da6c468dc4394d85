"""Run the mock under a WSGI server: werkzeug (threaded) for one worker, gunicorn for several."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Flask

from .app import create_app
from .tenancy import list_apps

Banner = Callable[[str], None]


def authorize_url(base: str, app: dict[str, Any]) -> str:
    """A ready sign-in link for an OAuth app: its first redirect URI and all its scopes."""
    query = urlencode({"client_id": app["client_id"], "redirect_uri": app["redirect_uris"][0],
                       "response_type": "code", "scope": " ".join(app["scopes"]),
                       "state": secrets.token_urlsafe(12)})
    return f"{base}/oauth/authorize?{query}"


def banner_lines(base: str, apps: list[dict[str, Any]], workers: int, db: str) -> list[str]:
    lines = [f"mock-outreach serving at {base}  (API {base}/api/v2, control {base}/__mock__)",
             f"database: {db}  workers: {workers}"]
    if not apps:
        return [*lines, "no OAuth app registered (POST /__mock__/apps to add one)"]
    app = apps[0]
    return [*lines, f"client_id: {app['client_id']}",
            f"client_secret: {app.get('client_secret', '')}",
            f"authorize: {authorize_url(base, app)}"]


def print_banner(base: str, app: Flask | None, config: dict[str, Any], workers: int) -> None:
    if app is not None:
        apps = list_apps(app.extensions["mock_outreach"].store)
    else:
        probe = create_app({**config, "dataset": "empty", "webhook_worker": False})
        apps = list_apps(probe.extensions["mock_outreach"].store)
        close(probe)
    for line in banner_lines(base, apps, workers, config.get("db", ":memory:")):
        print(line, flush=True)


def close(app: Flask) -> None:
    """Release an app's database connection (before forking workers)."""
    app.extensions["mock_outreach"].store.conn.close()


def serve_werkzeug(config: dict[str, Any], host: str, port: int) -> None:
    """One process, one thread per request, one shared store."""
    from werkzeug.serving import make_server

    app = create_app(config)
    server = make_server(host, port, app, threaded=True)
    print_banner(f"http://{host_for_url(host)}:{server.server_port}", app, config, 1)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def serve_gunicorn(config: dict[str, Any], host: str, port: int, workers: int,
                   threads: int = 4, quiet: bool = False) -> None:
    """Gunicorn in-process: N forked workers, each with its own connection to one file."""
    from gunicorn.app.base import BaseApplication

    def when_ready(server: Any) -> None:
        bound = server.LISTENERS[0].sock.getsockname()[1]
        print_banner(f"http://{host_for_url(host)}:{bound}", None, config, workers)

    class Server(BaseApplication):
        def load_config(self) -> None:
            options = {"bind": f"{host_for_url(host)}:{port}", "workers": workers,
                       "threads": threads, "worker_class": "gthread" if threads > 1 else "sync",
                       "when_ready": when_ready, "accesslog": None,
                       "loglevel": "warning" if quiet else "info", "timeout": 120,
                       "preload_app": False, "control_socket_disable": True}
            for key, value in options.items():
                if key in self.cfg.settings:  # control_socket_disable is gunicorn >= 25
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            return create_app(config)

    Server().run()


def host_for_url(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def fail(message: str) -> None:
    print(f"mock-outreach: {message}", file=sys.stderr)
    raise SystemExit(2)
