"""A loopback webhook receiver that records every delivery, for tests and QA sessions."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event_name(self) -> str:
        return self.json()["meta"]["eventName"]


class Receiver:
    """An HTTP server on 127.0.0.1 answering each path with a chosen status (default 200)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.statuses: dict[str, int] = {}
        self.delays: dict[str, float] = {}
        self._changed = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True, name="webhook-receiver")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver._record(Received(self.path, dict(self.headers.items()), body))
                if delay := receiver.delays.get(self.path):
                    time.sleep(delay)
                status = receiver.statuses.get(self.path, 200)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/redirected")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def _record(self, item: Received) -> None:
        with self._changed:
            self.received.append(item)
            self._changed.notify_all()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def on(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def wait_for(self, count: int, path: str | None = None,
                 timeout: float = 10.0) -> list[Received]:
        """Block until `count` requests arrived (on `path`), or the timeout passes."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                got = self.on(path) if path else list(self.received)
                left = deadline - time.monotonic()
                if len(got) >= count or left <= 0:
                    return got
                self._changed.wait(left)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
