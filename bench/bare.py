"""The ceiling: a bare Flask app answering captured mock responses byte for byte."""

from __future__ import annotations

import json

from flask import Flask, Response, request


def create_bare(captured_path: str) -> Flask:
    """Serve `{"METHOD full_path": [status, content_type, body]}` from a dict, nothing else."""
    with open(captured_path, encoding="utf-8") as handle:
        captured = {key: (status, mimetype, body.encode())
                    for key, (status, mimetype, body) in json.load(handle).items()}
    app = Flask(__name__)

    @app.route("/<path:path>", methods=["GET", "POST"])
    def answer(path: str) -> Response:
        key = f"{request.method} {request.full_path.rstrip('?')}"
        status, mimetype, body = captured.get(key, (404, "text/plain", b"not captured"))
        request.get_data()  # read the body, as the mock does
        return Response(body, status=status, content_type=mimetype)

    return app
