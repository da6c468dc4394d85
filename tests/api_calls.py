"""A JSON:API request from a test client that must succeed; the parsed `data`, or None."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient


def send(client: FlaskClient, headers: dict[str, str], method: str, path: str,
         data: dict[str, Any] | None = None) -> Any:
    reply = client.open(path, method=method, headers=headers,
                        data=json.dumps({"data": data}) if data is not None else None)
    assert reply.status_code < 300, reply.get_data(as_text=True)
    return reply.get_json()["data"] if reply.status_code != 204 else None
