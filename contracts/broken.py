"""Mocks broken on purpose in one behaviour, to prove that the matching contract fails.

Selected with `--outreach-target mock:<name>`; never meant for anything but that proof.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

Wsgi = Callable[..., Iterable[bytes]]


class ResponseRewriter:
    """WSGI middleware that buffers each response and lets `rewrite` change status and body."""

    def __init__(self, app: Wsgi) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers)
            return lambda chunk: None

        chunks = self.app(environ, capture)
        try:
            raw = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        status, raw = self.rewrite(environ, captured["status"], raw)
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(raw))))
        start_response(status, headers)
        return [raw]

    def rewrite(self, environ: dict[str, Any], status: str, raw: bytes) -> tuple[str, bytes]:
        return status, raw


class RepeatingPagination(ResponseRewriter):
    """Each page after the first starts again with the last record of the previous page."""

    def __init__(self, app: Wsgi) -> None:
        super().__init__(app)
        self.last_seen: dict[str, Any] = {}

    def rewrite(self, environ: dict[str, Any], status: str, raw: bytes) -> tuple[str, bytes]:
        if environ["REQUEST_METHOD"] != "GET" or not status.startswith("200"):
            return status, raw
        args = parse_qsl(environ.get("QUERY_STRING", ""))
        key = environ["PATH_INFO"] + str(sorted(a for a in args if not a[0].startswith("page[")))
        doc = json.loads(raw)
        if not isinstance(doc.get("data"), list) or not doc["data"]:
            return status, raw
        previous = self.last_seen.get(key)
        self.last_seen[key] = doc["data"][-1]
        if previous is not None and any(name == "page[after]" for name, _ in args):
            doc["data"] = [previous, *doc["data"][:-1]]
        return status, json.dumps(doc).encode()


class StatuslessUnauthorized(ResponseRewriter):
    """Refused tokens are answered 200 with the error body, as a careless gateway might."""

    def rewrite(self, environ: dict[str, Any], status: str, raw: bytes) -> tuple[str, bytes]:
        return ("200 OK" if status.startswith("401") else status), raw


BROKEN: dict[str, type[ResponseRewriter]] = {
    "broken-pagination": RepeatingPagination,
    "broken-401": StatuslessUnauthorized,
}
