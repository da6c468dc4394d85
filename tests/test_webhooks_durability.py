"""The outbox survives a killed process, and workers sharing one database never double-send."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from mock_outreach.app import create_app
from mock_outreach.receiver import Receiver
from mock_outreach.webhook_control import stop_worker
from mock_outreach.webhooks import list_deliveries

MEDIA = "application/vnd.api+json"
SECRET = "durable-secret"

# Run in a child process: make changes with the worker off, say so, then wait to be killed.
WRITER = """
import json, sys, time
from mock_outreach.app import create_app
db, url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = create_app({"db": db, "webhook_worker": False}).test_client()
token = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"})
headers = {"Authorization": "Bearer " + token.get_json()["access_token"],
           "Content-Type": "application/vnd.api+json"}
hook = {"url": url, "resource": "prospect", "action": "created", "secret": sys.argv[4]}
client.post("/api/v2/webhooks", headers=headers,
            data=json.dumps({"data": {"type": "webhook", "attributes": hook}}))
for n in range(count):
    client.post("/api/v2/prospects", headers=headers, data=json.dumps(
        {"data": {"type": "prospect", "attributes": {"firstName": f"P{n}"}}}))
print("ready", flush=True)
time.sleep(600)
"""

# Run in a child process: open the same database with the delivery worker on.
WORKER = """
import sys, time
from mock_outreach.app import create_app
app = create_app({"db": sys.argv[1]})
print("ready", flush=True)
time.sleep(600)
"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        proc.kill()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


def spawn(started: list[subprocess.Popen[str]], script: str, *args: Any) -> subprocess.Popen[str]:
    """Start a child and wait until it says it is ready."""
    proc = subprocess.Popen([sys.executable, "-c", script, *map(str, args)],
                            stdout=subprocess.PIPE, text=True)
    started.append(proc)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def outbox(db: Path) -> list[dict[str, Any]]:
    app = create_app({"db": str(db), "webhook_worker": False})
    return list_deliveries(app.extensions["mock_outreach"].store, limit=1000)


def wait_until_settled(db: Path, expected: int, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Poll the outbox (with a deadline) until `expected` rows are delivered."""
    app = create_app({"db": str(db), "webhook_worker": False})
    store = app.extensions["mock_outreach"].store
    deadline = time.monotonic() + timeout
    while True:
        rows = list_deliveries(store, limit=1000)
        if sum(r["status"] == "delivered" for r in rows) >= expected or \
                time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def enqueue(db: Path, url: str, count: int) -> None:
    """Subscribe and create `count` prospects with no worker running."""
    app = create_app({"db": str(db), "webhook_worker": False})
    client = app.test_client()
    token = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"})
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}",
               "Content-Type": MEDIA}
    hook = {"url": url, "resource": "prospect", "action": "created", "secret": SECRET}
    client.post("/api/v2/webhooks", headers=headers,
                data=json.dumps({"data": {"type": "webhook", "attributes": hook}}))
    for n in range(count):
        client.post("/api/v2/prospects", headers=headers, data=json.dumps(
            {"data": {"type": "prospect", "attributes": {"firstName": f"P{n}"}}}))


def assert_each_once(receiver: Receiver, count: int) -> None:
    ids = Counter(r.json()["data"]["id"] for r in receiver.received)
    assert len(ids) == count and set(ids.values()) == {1}
    for item in receiver.received:
        expected = hmac.new(SECRET.encode(), item.body, hashlib.sha256).hexdigest()
        assert item.headers["Outreach-Webhook-Signature"] == expected


def test_pending_deliveries_arrive_after_a_killed_server_restarts(tmp_path, receiver,
                                                                  children):
    db = tmp_path / "mock.db"
    writer = spawn(children, WRITER, db, receiver.url(), 5, SECRET)
    writer.kill()
    writer.wait(timeout=10)
    pending = outbox(db)
    assert [r["status"] for r in pending] == ["pending"] * 5 and receiver.received == []
    spawn(children, WORKER, db)
    receiver.wait_for(5, timeout=30)
    rows = wait_until_settled(db, 5)
    assert [r["status"] for r in rows] == ["delivered"] * 5
    assert_each_once(receiver, 5)


def test_worker_processes_sharing_a_database_deliver_each_event_once(tmp_path, receiver,
                                                                     children):
    db = tmp_path / "mock.db"
    enqueue(db, receiver.url(), 30)
    for _ in range(3):
        spawn(children, WORKER, db)
    rows = wait_until_settled(db, 30)
    assert [r["status"] for r in rows] == ["delivered"] * 30
    assert all(r["attempt_count"] == 1 and len(r["attempts"]) == 1 for r in rows)
    assert_each_once(receiver, 30)


def test_worker_threads_of_several_apps_on_one_file_deliver_each_event_once(tmp_path,
                                                                            receiver):
    db = tmp_path / "mock.db"
    enqueue(db, receiver.url(), 40)
    apps: list[Flask] = [create_app({"db": str(db)}) for _ in range(4)]
    try:
        rows = wait_until_settled(db, 40)
    finally:
        for app in apps:
            stop_worker(app)
    assert [r["status"] for r in rows] == ["delivered"] * 40
    assert_each_once(receiver, 40)


def test_concurrent_sync_passes_on_one_app_deliver_each_event_once(receiver):
    import threading

    from mock_outreach.webhook_worker import deliver_due

    app = create_app({"webhook_worker": False})
    client = app.test_client()
    token = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"})
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}",
               "Content-Type": MEDIA}
    hook = {"url": receiver.url(), "resource": "prospect", "secret": SECRET}
    client.post("/api/v2/webhooks", headers=headers,
                data=json.dumps({"data": {"type": "webhook", "attributes": hook}}))
    for n in range(30):
        client.post("/api/v2/prospects", headers=headers, data=json.dumps(
            {"data": {"type": "prospect", "attributes": {"firstName": f"P{n}"}}}))
    state = app.extensions["mock_outreach"]
    handled: list[int] = []
    threads = [threading.Thread(target=lambda: handled.append(deliver_due(state)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(handled) == 30
    assert_each_once(receiver, 30)
