"""Drift report: run the suites against two targets and list the tests whose outcome differs."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path

SUITES = Path(__file__).resolve().parent
MISSING = "absent"


@dataclass(frozen=True)
class Outcome:
    """One test's result on one target."""

    status: str  # passed | failed | error | skipped | absent
    message: str = ""


@dataclass(frozen=True)
class Drift:
    """A test whose outcome differs between the two targets."""

    test: str
    a: Outcome
    b: Outcome


def slug(target: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in target).strip("_") or "target"


def run_suites(target: str, junit: Path, pytest_args: list[str]) -> int:
    """Run the contract suites in a subprocess against one target, writing JUnit XML."""
    command = [sys.executable, "-m", "pytest", str(SUITES), f"--outreach-target={target}",
               f"--junitxml={junit}", "-q", "-p", "no:cacheprovider", *pytest_args]
    return subprocess.run(command, check=False, capture_output=True, text=True).returncode


def outcomes(junit: Path) -> dict[str, Outcome]:
    """Each test case of a JUnit XML report and how it ended."""
    results = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        status, message = "passed", ""
        for kind in ("failure", "error", "skipped"):
            element = case.find(kind)
            if element is not None:
                status = {"failure": "failed"}.get(kind, kind)
                message = (element.get("message") or "").splitlines()[0][:200] \
                    if element.get("message") else ""
                break
        results[name] = Outcome(status, message)
    return results


def compare(a: dict[str, Outcome], b: dict[str, Outcome]) -> list[Drift]:
    """Tests whose status differs (a test missing on one side counts as `absent`)."""
    absent = Outcome(MISSING)
    return [Drift(name, a.get(name, absent), b.get(name, absent))
            for name in sorted(set(a) | set(b))
            if a.get(name, absent).status != b.get(name, absent).status]


def markdown(target_a: str, target_b: str, drifts: list[Drift], total: int) -> str:
    lines = [f"# Contract drift: `{target_a}` vs `{target_b}`", "",
             f"{len(drifts)} of {total} tests differ.", ""]
    if drifts:
        lines += [f"| test | {target_a} | {target_b} |", "|---|---|---|"]
        for d in drifts:
            cell_a = d.a.status + (f": {d.a.message}" if d.a.message else "")
            cell_b = d.b.status + (f": {d.b.message}" if d.b.message else "")
            cells = [c.replace("|", "\\|") for c in (d.test, cell_a, cell_b)]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def report(target_a: str, target_b: str, out: Path, pytest_args: list[str]) -> list[Drift]:
    """Run both targets, write `drift.md` and `drift.json` into `out`; the drifting tests."""
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for target in (target_a, target_b):
        junit = out / f"{slug(target)}.xml"
        run_suites(target, junit, pytest_args)
        if not junit.exists():
            raise RuntimeError(f"pytest wrote no report for target {target!r}")
        results.append(outcomes(junit))
    drifts = compare(*results)
    total = len(set(results[0]) | set(results[1]))
    (out / "drift.md").write_text(markdown(target_a, target_b, drifts, total))
    (out / "drift.json").write_text(json.dumps({
        "targets": [target_a, target_b], "total": total,
        "drift": [{"test": d.test, target_a: asdict(d.a), target_b: asdict(d.b)}
                  for d in drifts]}, indent=2))
    return drifts
