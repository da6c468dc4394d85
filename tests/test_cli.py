"""The `mock-outreach` CLI as a user runs it: serve, seed, export and import in subprocesses."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from mock_outreach.app import create_app
from mock_outreach.cli import parser, serve_config

AVA = "ava.reed@acme.example"
STARTUP_LIMIT_S = 120  # a generous ceiling so that a hung server fails the test, not CI


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mock_outreach", *args], capture_output=True,
                          text=True, timeout=STARTUP_LIMIT_S)


@contextmanager
def serving(*args: str, log: Path) -> Iterator[dict[str, str]]:
    """Run `serve` on a free port; yield the banner's fields once it is listening."""
    with log.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "mock_outreach", "serve", "--port", "0",
                                 *args], stdout=subprocess.PIPE, stderr=err, text=True)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True)
    reader.start()
    banner: dict[str, str] = {}
    try:
        while "authorize" not in banner and "no OAuth app" not in banner.get("note", ""):
            try:
                line = lines.get(timeout=STARTUP_LIMIT_S).strip()
            except queue.Empty:
                pytest.fail(f"serve printed no banner; stderr: {log.read_text()[-2000:]}")
            if line.startswith("mock-outreach serving at "):
                banner["base"] = line.split()[3]
            elif ": " in line:
                key, value = line.split(": ", 1)
                banner[key] = value
            else:
                banner["note"] = line
        yield banner
    finally:
        proc.terminate()
        proc.wait(timeout=STARTUP_LIMIT_S)
        reader.join(timeout=STARTUP_LIMIT_S)
        proc.stdout.close()


def token(http: httpx.Client, email: str = AVA) -> dict[str, str]:
    reply = http.post("/__mock__/tokens", json={"email": email})
    assert reply.status_code == 201, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def test_serve_prints_the_demo_app_and_serves_its_data(tmp_path: Path) -> None:
    with serving("--dataset", "demo", log=tmp_path / "err.log") as banner, \
            httpx.Client(base_url=banner["base"]) as http:
        assert http.get("/__mock__/health").json()["status"] == "ok"
        assert banner["client_id"] == "demo-dialer"
        assert banner["client_secret"] == "demo-dialer-secret"
        link = urlparse(banner["authorize"])
        params = parse_qs(link.query)
        assert link.path == "/oauth/authorize"
        assert params["redirect_uri"] == ["http://localhost:8080/callback"]
        assert params["response_type"] == ["code"] and params["state"][0]
        assert "prospects.all" in params["scope"][0].split(" ")
        reply = http.get("/api/v2/prospects", headers=token(http))
        assert reply.status_code == 200
        assert len(reply.json()["data"]) == 36


@pytest.mark.slow
def test_serve_with_two_workers_shares_one_database_file(tmp_path: Path) -> None:
    db = tmp_path / "mock.db"
    with serving("--workers", "2", "--threads", "2", "--db", str(db),
                 log=tmp_path / "err.log") as banner, \
            httpx.Client(base_url=banner["base"]) as http:
        headers = {**token(http), "Content-Type": "application/vnd.api+json"}
        created = []
        for n in range(6):
            body = {"data": {"type": "call", "attributes": {"direction": "outbound",
                                                              "note": f"call {n}"}}}
            reply = http.post("/api/v2/calls", json=body, headers=headers)
            assert reply.status_code == 201, reply.text
            created.append(reply.json()["data"]["id"])
        # Each read may land on either worker; every write is visible to both.
        for call_id in created * 2:
            assert http.get(f"/api/v2/calls/{call_id}", headers=headers).status_code == 200
    assert db.exists()


def test_serve_with_generated_prospects_serves_that_org(tmp_path: Path) -> None:
    with serving("--prospects", "120", "--seed", "4", "--db", str(tmp_path / "g.db"),
                 log=tmp_path / "err.log") as banner, \
            httpx.Client(base_url=banner["base"]) as http:
        reply = http.get("/api/v2/prospects?count=true&page[size]=1", headers=token(http))
        assert reply.json()["meta"]["count"] == 120
    assert "100%" in (tmp_path / "err.log").read_text()


def test_serve_flags_and_config_file_become_settings(tmp_path: Path) -> None:
    config_file = tmp_path / "mock.json"
    config_file.write_text(json.dumps({"rate_limit": 7, "access_token_ttl_s": 90,
                                       "dataset": "empty"}))
    args = parser().parse_args(["serve", "--config", str(config_file), "--access-token-ttl",
                                "60", "--refresh-token-ttl", "600", "--token-mint-interval",
                                "0", "--strict-params"])
    config = serve_config(args)
    settings = create_app({**config, "webhook_worker": False}).extensions[
        "mock_outreach"].settings
    assert (settings.rate_limit, settings.access_token_ttl_s) == (7, 60)
    assert (settings.refresh_token_ttl_s, settings.token_mint_interval_s) == (600, 0)
    assert settings.strict_params is True


def test_serve_rejects_an_unknown_setting_in_the_config_file(tmp_path: Path) -> None:
    config_file = tmp_path / "mock.json"
    config_file.write_text(json.dumps({"no_such_setting": 1}))
    result = cli("serve", "--port", "0", "--config", str(config_file))
    assert result.returncode == 2
    assert "Unknown setting 'no_such_setting'" in result.stderr
    assert "Traceback" not in result.stderr


def tables(path: Path) -> dict:
    return json.loads(path.read_text())["tables"]


def test_seed_export_import_round_trip_keeps_every_row(tmp_path: Path) -> None:
    seeded = cli("seed", "--db", str(tmp_path / "a.db"), "--prospects", "300", "--seed", "9")
    assert seeded.returncode == 0, seeded.stderr
    assert json.loads(seeded.stdout)["prospects"] == 300
    assert "100%" in seeded.stderr  # the progress bar reached the end
    assert cli("export", "--db", str(tmp_path / "a.db"), str(tmp_path / "a.json")).returncode == 0
    imported = cli("import", "--db", str(tmp_path / "b.db"), str(tmp_path / "a.json"))
    assert imported.returncode == 0, imported.stderr
    assert cli("export", "--db", str(tmp_path / "b.db"), str(tmp_path / "b.json")).returncode == 0
    original, copy = tables(tmp_path / "a.json"), tables(tmp_path / "b.json")
    assert len(original["r_prospect"]["rows"]) == 300
    assert copy == original


def test_seed_demo_dataset_makes_the_demo_reps(tmp_path: Path) -> None:
    assert cli("seed", "--db", str(tmp_path / "d.db"), "--dataset", "demo").returncode == 0
    exported = cli("export", "--db", str(tmp_path / "d.db"), "-")
    users = json.loads(exported.stdout)["tables"]["r_user"]
    column = users["columns"].index("email")
    emails = {row[column] for row in users["rows"]}
    assert {AVA, "ben.cole@acme.example", "cara.diaz@acme.example"} <= emails

def test_import_of_a_file_that_is_not_an_export_fails_clearly(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text(json.dumps({"hello": "world"}))
    result = cli("import", "--db", str(tmp_path / "x.db"), str(bogus))
    assert result.returncode == 2
    assert "not a mock-outreach export" in result.stderr
    assert "Traceback" not in result.stderr


def test_seed_requires_a_dataset_or_a_size(tmp_path: Path) -> None:
    result = cli("seed", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert "--dataset" in result.stderr
