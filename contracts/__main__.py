"""`python -m outreach_contracts drift A B`: which contract results differ between two targets."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .drift import report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outreach_contracts")
    commands = parser.add_subparsers(dest="command", required=True)
    drift = commands.add_parser("drift", help="run the suites against two targets and compare")
    drift.add_argument("a", help="first target: mock, http://HOST:PORT or live")
    drift.add_argument("b", help="second target")
    drift.add_argument("--out", type=Path, default=Path("drift-report"),
                       help="directory for drift.md, drift.json and the JUnit XML files")
    drift.add_argument("-k", dest="keyword", help="only the tests matching this expression")
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    extra = argv[split + 1:]  # after `--`: passed to pytest as is
    if args.keyword:
        extra += ["-k", args.keyword]
    drifts = report(args.a, args.b, args.out, extra)
    print(f"{len(drifts)} tests differ; see {args.out / 'drift.md'}")
    return 1 if drifts else 0


if __name__ == "__main__":
    sys.exit(main())
