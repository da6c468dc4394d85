"""Per-request overhead of outreach_client against raw httpx on the same loopback mock server."""

from __future__ import annotations

import argparse
import logging
import statistics
import threading
import time
from collections.abc import Callable

import httpx
from outreach_client import MemoryTokenStore, OAuthApp, OutreachAuth, OutreachClient, TokenSet
from werkzeug.serving import make_server

from mock_outreach.app import create_app

EMAIL = "ava.reed@acme.example"


def serve() -> tuple[str, Callable[[], None]]:
    """The demo mock on a loopback port; returns its URL and a stop function."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, create_app({"dataset": "demo"}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


Call = Callable[[], object]


def timed_pair(raw: Call, client: Call, n: int) -> tuple[float, float]:
    """Median seconds per call of each, sampled alternately so that server drift cancels out."""
    for _ in range(min(20, n)):
        raw()
        client()
    samples: tuple[list[float], list[float]] = ([], [])
    for i in range(2 * n):
        fn, bucket = (raw, samples[0]) if i % 2 == 0 else (client, samples[1])
        start = time.perf_counter()
        fn()
        bucket.append(time.perf_counter() - start)
    return statistics.median(samples[0]), statistics.median(samples[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=300, help="requests per variant")
    args = parser.parse_args()
    base, stop = serve()
    try:
        token = httpx.post(f"{base}/__mock__/tokens", json={"email": EMAIL}).json()
        store = MemoryTokenStore()
        store.set(EMAIL, TokenSet.from_response(token, time.time()))
        app = OAuthApp(
            "demo-dialer", "demo-dialer-secret", "http://localhost:8080/callback", base_url=base
        )
        client = OutreachClient(OutreachAuth(app, store, EMAIL), base_url=base)
        raw = httpx.Client(
            headers={
                "Authorization": f"Bearer {token['access_token']}",
                "Accept": "application/vnd.api+json",
            }
        )
        prospect_id = next(iter(client.prospects.list(page_size=1))).id
        url = f"{base}/api/v2/prospects/{prospect_id}"
        variants = {
            "get by id": (lambda: raw.get(url).json(), lambda: client.prospects.get(prospect_id)),
            "list page of 50": (
                lambda: raw.get(f"{base}/api/v2/prospects", params={"page[size]": 50}).json(),
                lambda: client.request("GET", "/prospects", params={"page[size]": 50}),
            ),
        }
        for name, (raw_call, client_call) in variants.items():
            raw_s, client_s = timed_pair(raw_call, client_call, args.n)
            print(
                f"{name:16} raw httpx {raw_s * 1e3:7.3f} ms  outreach_client "
                f"{client_s * 1e3:7.3f} ms  overhead {(client_s - raw_s) * 1e6:7.1f} us  "
                f"ratio {client_s / raw_s:5.2f}"
            )
    finally:
        stop()


if __name__ == "__main__":
    main()
