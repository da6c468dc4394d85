"""The contracts can fail: against a mock broken in one behaviour, the matching contract fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from outreach_contracts.drift import outcomes, run_suites
from outreach_contracts.plugin import in_process_target

PAGING = "contracts.test_pagination::test_following_next_links_visits_every_record_exactly_once"
GARBLED = "contracts.test_tokens::test_garbled_token_is_401"


def run(tmp_path: Path, target: str, keyword: str) -> dict[str, str]:
    junit = tmp_path / "report.xml"
    run_suites(target, junit, ["-k", keyword])
    return {name: outcome.status for name, outcome in outcomes(junit).items()}


@pytest.mark.slow
def test_pagination_contract_fails_when_pages_repeat_a_record(tmp_path: Path) -> None:
    keyword = "test_following_next_links_visits_every_record_exactly_once"
    assert run(tmp_path, "mock", keyword) == {PAGING: "passed"}
    assert run(tmp_path, "mock:broken-pagination", keyword) == {PAGING: "failed"}


@pytest.mark.slow
def test_token_contracts_fail_when_a_refused_token_is_not_401(tmp_path: Path) -> None:
    results = run(tmp_path, "mock:broken-401", "test_tokens and garbled")
    assert results[GARBLED] == "failed"
    assert set(results.values()) == {"failed"}


def test_unknown_broken_variant_is_a_usage_error() -> None:
    with pytest.raises(pytest.UsageError, match="broken-401"):
        in_process_target("mock:broken-everything")
