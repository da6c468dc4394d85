"""Load generators: wrk when installed (or installable), else threads with keep-alive sockets."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass
class Result:
    """Throughput and latency of one endpoint under load."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx responses and socket errors


@dataclass
class Target:
    name: str
    method: str
    path: str  # path and query, as sent
    headers: dict[str, str]
    body: str | None = None


def find_wrk(install: bool) -> str | None:
    """wrk on PATH, or installed from Debian when allowed and possible."""
    if shutil.which("wrk") or not install:
        return shutil.which("wrk")
    if shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, check=False)
    return shutil.which("wrk")


def lua_script(target: Target) -> str:
    lines = [f"wrk.method = {lua_string(target.method)}"]
    lines += [f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in target.headers.items()]
    if target.body is not None:
        lines.append(f"wrk.body = {lua_string(target.body)}")
    return "\n".join(lines) + "\n"


def lua_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def run_wrk(wrk: str, base: str, target: Target, seconds: float, connections: int) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(target))
    try:
        out = subprocess.run([wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                              "--latency", "-s", script.name, base + target.path],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    return parse_wrk(out)


def parse_wrk(out: str) -> Result:
    def latency(pct: str) -> float:
        found = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        return float(found.group(1)) * UNITS[found.group(2)] if found else float("nan")

    total = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(x) for x in socket.groups()) if socket else 0
    return Result(float(rps.group(1)) if rps else 0.0, latency("50"), latency("99"),
                  int(total.group(1)) if total else 0, errors)


def run_python(base: str, target: Target, seconds: float, connections: int) -> Result:
    """One thread per connection, each looping on a keep-alive connection until time is up."""
    parts = urlsplit(base)
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    deadline = time.perf_counter() + seconds

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        body = target.body.encode() if target.body is not None else None
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn.request(target.method, target.path, body=body, headers=target.headers)
                reply = conn.getresponse()
                reply.read()
                if reply.status >= 300:
                    errors[n] += 1
            except (OSError, http.client.HTTPException):
                errors[n] += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            latencies[n].append((time.perf_counter() - started) * 1000)
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    merged = sorted(x for per in latencies for x in per)
    if not merged:
        return Result(0.0, float("nan"), float("nan"), 0, sum(errors))
    p99 = merged[min(len(merged) - 1, int(len(merged) * 0.99))]
    return Result(len(merged) / elapsed, statistics.median(merged), p99, len(merged),
                  sum(errors))
