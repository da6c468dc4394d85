"""Reliability bars of SPEC §7: no acknowledged write lost to a killed process or to concurrency."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

STARTUP_LIMIT_S = 120
MEDIA = "application/vnd.api+json"


@contextmanager
def running(db: Path, *args: str, kill: bool = False) -> Iterator[str]:
    """`mock-outreach serve` on a free port; yields its base URL; SIGKILL or SIGTERM after."""
    proc = subprocess.Popen([sys.executable, "-m", "mock_outreach", "serve", "--port", "0",
                             "--db", str(db), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    try:
        base = next((line.split()[3] for line in proc.stdout
                     if line.startswith("mock-outreach serving at ")), None)
        if base is None:
            pytest.fail("serve printed no banner")
        yield base
    finally:
        proc.kill() if kill else proc.terminate()
        proc.wait(timeout=STARTUP_LIMIT_S)
        proc.stdout.close()


def headers(http: httpx.Client) -> dict[str, str]:
    token = http.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"}).json()
    return {"Authorization": f"Bearer {token['access_token']}", "Content-Type": MEDIA}


def log_call(http: httpx.Client, auth: dict[str, str], vendor_id: str) -> int:
    body = {"data": {"type": "call", "attributes": {"direction": "outbound",
                                                    "vendorCallId": vendor_id},
                     "relationships": {"prospect": {"data": {"type": "prospect", "id": 1}}}}}
    reply = http.post("/api/v2/calls", content=json.dumps(body), headers=auth)
    assert reply.status_code == 201, reply.text
    return reply.json()["data"]["id"]


def vendor_ids(http: httpx.Client, auth: dict[str, str]) -> list[str]:
    reply = http.get("/api/v2/calls?filter[prospect][id]=1&page[size]=1000", headers=auth)
    return [c["attributes"]["vendorCallId"] for c in reply.json()["data"]]


@pytest.mark.slow
def test_acknowledged_writes_survive_a_killed_server(tmp_path: Path) -> None:
    db = tmp_path / "mock.db"
    acknowledged = [f"kill-{i}" for i in range(20)]
    with running(db, "--dataset", "demo", kill=True) as base, \
            httpx.Client(base_url=base, timeout=30) as http:
        auth = headers(http)
        for vendor_id in acknowledged:
            log_call(http, auth, vendor_id)
    # SIGKILL above: no shutdown hook and no checkpoint ran.
    with running(db) as base, httpx.Client(base_url=base, timeout=30) as http:
        assert set(acknowledged) <= set(vendor_ids(http, headers(http)))


@pytest.mark.slow
def test_concurrent_writers_on_two_workers_lose_nothing(tmp_path: Path) -> None:
    wanted = [f"worker-{i}" for i in range(160)]
    with running(tmp_path / "mock.db", "--dataset", "demo", "--workers", "2") as base, \
            httpx.Client(base_url=base, timeout=60,
                         limits=httpx.Limits(max_connections=8)) as http:
        auth = headers(http)
        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = list(pool.map(lambda v: log_call(http, auth, v), wanted))
        assert len(set(ids)) == len(wanted), "two calls were given one id"
        stored = vendor_ids(http, auth)
        assert sorted(v for v in stored if v.startswith("worker-")) == sorted(wanted)
