"""The plugin: live without credentials skips with the reason; a running mock passes by URL."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from outreach_contracts.drift import SUITES, outcomes
from outreach_contracts.targets import LiveCredentials, TargetUnavailable

from mock_outreach.app import create_app
from tests.serving import http_server


def run_contracts(tmp_path: Path, target: str, *args: str,
                  env: dict[str, str] | None = None) -> dict[str, tuple[str, str]]:
    junit = tmp_path / "report.xml"
    subprocess.run([sys.executable, "-m", "pytest", str(SUITES), f"--outreach-target={target}",
                    f"--junitxml={junit}", "-q", *args], env=env, capture_output=True,
                   check=False)
    return {k: (v.status, v.message) for k, v in outcomes(junit).items()}


def test_missing_live_credentials_name_the_variables() -> None:
    with pytest.raises(TargetUnavailable, match="OUTREACH_CLIENT_SECRET, OUTREACH_REFRESH_TOKEN"):
        LiveCredentials.from_env({"OUTREACH_CLIENT_ID": "x"})


@pytest.mark.slow
def test_live_target_without_credentials_skips_every_test_with_the_reason(
        tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    results = run_contracts(tmp_path, "live", env=env)
    assert len(results) > 60
    assert {status for status, _ in results.values()} == {"skipped"}
    assert all("OUTREACH_CLIENT_ID" in message for _, message in results.values())


@pytest.fixture
def running_mock() -> Iterator[str]:
    with http_server(create_app({"dataset": "demo"})) as url:
        yield url


@pytest.mark.slow
def test_contracts_pass_against_a_mock_served_over_http(tmp_path: Path,
                                                       running_mock: str) -> None:
    results = run_contracts(tmp_path, running_mock, "-k", "not conformance")
    failed = {k: v for k, v in results.items() if v[0] not in ("passed", "skipped")}
    assert not failed
    assert sum(1 for status, _ in results.values() if status == "passed") > 60


def test_every_contract_module_declares_the_targets_it_was_validated_on() -> None:
    for path in sorted(SUITES.glob("test_*.py")):
        module = importlib.import_module(f"outreach_contracts.{path.stem}")
        marks = module.pytestmark if isinstance(module.pytestmark, list) else [module.pytestmark]
        assert any(mark.name == "validated" and mark.args for mark in marks), path.name
