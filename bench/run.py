"""Benchmark: the mock against a bare Flask app serving the same bytes, at several org sizes."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import gunicorn
import httpx
from load import Result, Target, find_wrk, run_python, run_wrk

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
AVA = "ava.reed@acme.example"
MEDIA = "application/vnd.api+json"
# gunicorn >= 25 opens a control socket at one fixed path; two servers would share it
NO_CONTROL_SOCKET = ["--no-control-socket"] if gunicorn.version_info >= (25,) else []


@dataclass
class Server:
    """A gunicorn process serving one app on a free loopback port."""

    process: subprocess.Popen
    base: str
    startup_s: float


@dataclass
class SizeRun:
    size: int
    seed_s: float
    mock_startup_s: float = 0.0
    bare_startup_s: float = 0.0
    mock: dict[str, Result] = field(default_factory=dict)
    bare: dict[str, Result] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(app: str, args: argparse.Namespace, log: Path) -> Server:
    """gunicorn with the bench's worker and thread count; startup = spawn to first 200."""
    port = free_port()
    started = time.perf_counter()
    with log.open("a") as err:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(args.workers), "--threads", str(args.threads),
             "-k", "gthread", "-b", f"127.0.0.1:{port}", "--pythonpath", str(HERE),
             "--log-level", "warning", "--timeout", "300", *NO_CONTROL_SOCKET, app],
            stdout=err, stderr=err)
    base = f"http://127.0.0.1:{port}"
    while True:
        if process.poll() is not None:
            raise SystemExit(f"server exited; see {log}")
        try:
            if httpx.get(base + "/__mock__/health", timeout=5).status_code == 200:
                return Server(process, base, time.perf_counter() - started)
        except httpx.HTTPError:
            time.sleep(0.05)


def stop(server: Server) -> None:
    server.process.terminate()
    server.process.wait(timeout=60)


def seed(db: Path, size: int) -> float:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    out = subprocess.run([sys.executable, "-m", "mock_outreach", "seed", "--db", str(db),
                          "--prospects", str(size)], capture_output=True, text=True, check=True)
    return float(json.loads(out.stdout)["seconds"])


def targets(base: str, size: int) -> list[Target]:
    """The dialer's hot requests, with a token and ids looked up through the control API."""
    token = httpx.post(base + "/__mock__/tokens", json={"email": AVA}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    ava = next(u["id"] for u in httpx.get(base + "/__mock__/users").json()["users"]
               if u["email"] == AVA)
    prospect = max(1, size // 2)
    call = {"data": {"type": "call", "attributes": {
        "direction": "outbound", "outcome": "Answered", "note": "Benchmark call",
        "from": "+14155550100", "to": "+14155550199"},
        "relationships": {"prospect": {"data": {"type": "prospect", "id": prospect}},
                          "user": {"data": {"type": "user", "id": ava}}}}}
    return [
        Target("page of 50 prospects", "GET", "/api/v2/prospects?page%5Bsize%5D=50", auth),
        Target("rep's call tasks + include", "GET",
               f"/api/v2/tasks?filter%5Bowner%5D%5Bid%5D={ava}&filter%5Bstate%5D=incomplete"
               "&include=prospect,account", auth),
        Target("prospect by id", "GET", f"/api/v2/prospects/{prospect}", auth),
        Target("POST /calls", "POST", "/api/v2/calls", {**auth, "Content-Type": MEDIA},
               json.dumps(call)),
    ]


def capture(base: str, wanted: list[Target], path: Path) -> None:
    """Warm the mock (lazy indexes, cached renderings), then record one answer per target."""
    captured = {"GET /__mock__/health": [200, "application/json", '{"status":"ok"}']}
    with httpx.Client(base_url=base, timeout=300) as http:
        for target in wanted:
            for _ in range(3 if target.method == "GET" else 1):
                reply = http.request(target.method, target.path, headers=target.headers,
                                     content=target.body)
                if reply.status_code >= 300:
                    raise SystemExit(f"{target.name}: {reply.status_code} {reply.text[:300]}")
            captured[f"{target.method} {target.path}"] = [
                reply.status_code, reply.headers["content-type"], reply.text]
    path.write_text(json.dumps(captured))


def drive(base: str, wanted: list[Target], args: argparse.Namespace,
          wrk: str | None) -> dict[str, Result]:
    results = {}
    for target in wanted:
        if wrk:
            results[target.name] = run_wrk(wrk, base, target, args.duration, args.connections)
        else:
            results[target.name] = run_python(base, target, args.duration, args.connections)
    return results


def bench_size(size: int, args: argparse.Namespace, work: Path, wrk: str | None) -> SizeRun:
    db = work / f"org-{size}.db"
    print(f"seeding {size:,} prospects ...", file=sys.stderr, flush=True)
    run = SizeRun(size, seed(db, size))
    config = {"db": str(db), "rate_limit": 10**9, "webhook_worker": False}
    mock = start(f"mock_outreach.app:create_app({config!r})", args, work / "mock.log")
    run.mock_startup_s = mock.startup_s
    try:
        wanted = targets(mock.base, size)
        capture(mock.base, wanted, work / f"captured-{size}.json")
        print(f"driving the mock ({size:,}) ...", file=sys.stderr, flush=True)
        run.mock = drive(mock.base, wanted, args, wrk)
    finally:
        stop(mock)
    bare = start(f"bare:create_bare({str(work / f'captured-{size}.json')!r})", args,
                 work / "bare.log")
    run.bare_startup_s = bare.startup_s
    try:
        print(f"driving the bare app ({size:,}) ...", file=sys.stderr, flush=True)
        run.bare = drive(bare.base, wanted, args, wrk)
    finally:
        stop(bare)
    return run


def report(runs: list[SizeRun], args: argparse.Namespace, loader: str) -> None:
    print(f"\nload: {loader}, {args.connections} connections, {args.duration:g} s per row; "
          f"gunicorn {args.workers} worker(s) x {args.threads} threads for both apps\n")
    head = (f"{'org':>9}  {'request':<28} {'mock req/s':>10} {'p50 ms':>7} {'p99 ms':>7}  "
            f"{'bare req/s':>10} {'p50 ms':>7} {'p99 ms':>7}  {'ratio':>6} {'errors':>6}")
    print(head)
    print("-" * len(head))
    for run in runs:
        for name, mock in run.mock.items():
            bare = run.bare[name]
            ratio = mock.rps / bare.rps if bare.rps else float("nan")
            print(f"{run.size:>9,}  {name:<28} {mock.rps:>10.0f} {mock.p50_ms:>7.2f} "
                  f"{mock.p99_ms:>7.2f}  {bare.rps:>10.0f} {bare.p50_ms:>7.2f} "
                  f"{bare.p99_ms:>7.2f}  {ratio:>6.0%} {mock.errors + bare.errors:>6}")
    print()
    for run in runs:
        print(f"{run.size:>9,} prospects: seeded in {run.seed_s:.1f} s "
              f"({run.size / run.seed_s:,.0f} prospects/s); startup mock {run.mock_startup_s:.2f}"
              f" s, bare {run.bare_startup_s:.2f} s")
    if len(runs) > 1:
        page = "page of 50 prospects"
        small, large = runs[0].mock[page], runs[-1].mock[page]
        print(f"page cost at {runs[-1].size:,} vs {runs[0].size:,}: "
              f"{small.rps / large.rps:.2f}x (target <= 1.3x)")


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--sizes", default="10000,1000000",
                         help="comma-separated org sizes in prospects")
    options.add_argument("--quick", action="store_true", help="10k prospects only, 5 s per row")
    options.add_argument("--duration", type=float, default=10.0, help="seconds per row")
    options.add_argument("--connections", type=int, default=8)
    options.add_argument("--workers", type=int, default=1)
    options.add_argument("--threads", type=int, default=4)
    options.add_argument("--python-load", action="store_true", help="never use wrk")
    options.add_argument("--keep", action="store_true", help="keep the databases and logs")
    args = options.parse_args(argv)
    sizes = [10_000] if args.quick else [int(s) for s in args.sizes.split(",") if s]
    if args.quick:
        args.duration = min(args.duration, 5.0)
    wrk = None if args.python_load else find_wrk(install=True)
    work = Path(tempfile.mkdtemp(prefix="mock-outreach-bench-"))
    runs = [bench_size(size, args, work, wrk) for size in sizes]
    report(runs, args, "wrk" if wrk else "python threads (keep-alive)")
    if args.keep:
        print(f"\nkept: {work}")
    else:
        for path in work.iterdir():
            path.unlink()
        os.rmdir(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
