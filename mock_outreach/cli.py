"""The `mock-outreach` command line: serve, seed, export and import."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from typing import Any

from .app import create_app
from .errors import ApiError
from .serving import close, fail, serve_gunicorn, serve_werkzeug
from .tenancy import export_state, import_state

# serve flag -> Settings field (SPEC §3.9: every tunable is also a serve flag or config key)
SETTING_FLAGS = {"access_token_ttl": "access_token_ttl_s", "refresh_token_ttl":
                 "refresh_token_ttl_s", "token_mint_interval": "token_mint_interval_s",
                 "rate_limit": "rate_limit"}


class ProgressBar:
    """A one-line progress bar on stderr, fed by the seeder's (stage, done, total) callback."""

    def __init__(self, stream: Any = None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()

    def __call__(self, stage: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        filled = int(share * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r{stage:<10} [{bar}] {share:4.0%} {done:,}/{total:,} "
                          f"{elapsed:6.1f}s")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="mock-outreach",
                                   description="A local emulator of the Outreach API v2.")
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API, OAuth and the control API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--db", help="SQLite file (default: in memory, or a temporary file "
                                    "when several workers or --prospects need one)")
    serve.add_argument("--dataset", choices=["demo", "empty"])
    serve.add_argument("--prospects", type=int, help="a generated org of N prospects")
    serve.add_argument("--seed", type=int)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    serve.add_argument("--control-token")
    serve.add_argument("--access-token-ttl", type=int, metavar="S")
    serve.add_argument("--refresh-token-ttl", type=int, metavar="S")
    serve.add_argument("--token-mint-interval", type=int, metavar="S")
    serve.add_argument("--rate-limit", type=int, metavar="N")
    serve.add_argument("--strict-params", action="store_true", default=None)
    serve.add_argument("--config", metavar="FILE.json",
                       help="config keys and settings as a JSON object; flags win")
    seed = commands.add_parser("seed", help="load a dataset into a database file")
    seed.add_argument("--db", required=True)
    which = seed.add_mutually_exclusive_group(required=True)
    which.add_argument("--dataset", choices=["demo", "empty"])
    which.add_argument("--prospects", type=int)
    seed.add_argument("--seed", type=int, default=0)
    for name, text in (("export", "write the whole state as JSON"),
                       ("import", "replace the whole state with an export")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--db", required=True)
        sub.add_argument("file", help="JSON file ('-' for stdout / stdin)")
    return root


def serve_config(args: argparse.Namespace) -> dict[str, Any]:
    """The app config: the config file, then flags on top."""
    config: dict[str, Any] = {}
    if args.config:
        try:
            with open(args.config, encoding="utf-8") as handle:
                config = json.load(handle)
        except (OSError, ValueError) as exc:
            fail(f"cannot read config file {args.config}: {exc}")
        if not isinstance(config, dict):
            fail(f"config file {args.config} must hold a JSON object")
    flags = {"db": args.db, "dataset": args.dataset, "prospects": args.prospects,
             "seed": args.seed, "control_token": args.control_token,
             "strict_params": args.strict_params}
    flags.update({field: getattr(args, flag) for flag, field in SETTING_FLAGS.items()})
    config.update({k: v for k, v in flags.items() if v is not None})
    if config.get("prospects") is not None and config.get("dataset"):
        fail("--prospects and --dataset exclude each other")
    return config


def ensure_seeded(config: dict[str, Any]) -> None:
    """Seed a database file once, with a progress bar, before any server opens it."""
    app = open_db(config["db"], config)
    state = app.extensions["mock_outreach"]
    if state.store.query("SELECT count(*) FROM orgs")[0][0] == 0:
        if "prospects" in config:
            state.load_dataset("generated", prospects=config["prospects"],
                               seed=config.get("seed", 0), progress=ProgressBar())
        elif config.get("dataset", "demo") != "empty":
            state.load_dataset(config.get("dataset", "demo"))
    close(app)


def open_db(path: str, config: dict[str, Any] | None = None) -> Any:
    """An app over a database file that loads nothing by itself and delivers no webhooks."""
    config = {k: v for k, v in (config or {}).items() if k not in ("prospects", "dataset")}
    return create_app({**config, "db": path, "dataset": "empty", "webhook_worker": False})


def cmd_serve(args: argparse.Namespace) -> None:
    config = serve_config(args)
    if args.workers < 1:
        fail("--workers must be at least 1")
    if (args.workers > 1 or "prospects" in config) and config.get("db", ":memory:") == ":memory:":
        config["db"] = os.path.join(tempfile.mkdtemp(prefix="mock-outreach-"), "mock.db")
    if config.get("db", ":memory:") != ":memory:":
        ensure_seeded(config)
    if args.workers == 1:
        serve_werkzeug(config, args.host, args.port)
    else:
        serve_gunicorn(config, args.host, args.port, args.workers, args.threads)


def cmd_seed(args: argparse.Namespace) -> None:
    if args.prospects is not None and not 0 <= args.prospects <= 10_000_000:
        fail("--prospects must be from 0 to 10000000")
    app = open_db(args.db, {"seed": args.seed})
    state = app.extensions["mock_outreach"]
    started = time.monotonic()
    if args.prospects is not None:
        summary = state.load_dataset("generated", prospects=args.prospects, seed=args.seed,
                                     progress=ProgressBar())
    else:
        summary = state.load_dataset(args.dataset)
    elapsed = time.monotonic() - started
    close(app)
    summary["seconds"] = round(elapsed, 2)
    if args.prospects:
        summary["prospects_per_s"] = round(args.prospects / elapsed) if elapsed else None
    print(json.dumps(summary))


def cmd_export(args: argparse.Namespace) -> None:
    app = open_db(args.db)
    data = json.dumps(export_state(app.extensions["mock_outreach"].store))
    close(app)
    if args.file == "-":
        sys.stdout.write(data + "\n")
        return
    with open(args.file, "w", encoding="utf-8") as handle:
        handle.write(data)


def cmd_import(args: argparse.Namespace) -> None:
    try:
        if args.file == "-":
            data = json.load(sys.stdin)
        else:
            with open(args.file, encoding="utf-8") as handle:
                data = json.load(handle)
    except (OSError, ValueError) as exc:
        fail(f"cannot read {args.file}: {exc}")
    app = open_db(args.db)
    try:
        import_state(app.extensions["mock_outreach"].store, data)
    except (ApiError, sqlite3.Error) as exc:
        fail(f"{args.file} is not a mock-outreach export: {exc}")
    finally:
        close(app)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    command = {"serve": cmd_serve, "seed": cmd_seed, "export": cmd_export,
               "import": cmd_import}[args.command]
    try:
        command(args)
    except ApiError as exc:  # e.g. a bad setting in the config file
        fail(exc.detail)
    return 0
