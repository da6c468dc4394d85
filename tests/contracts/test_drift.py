"""The drift report: JUnit parsing, comparison, and the `python -m outreach_contracts` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from outreach_contracts.__main__ import main
from outreach_contracts.drift import Outcome, compare, markdown, outcomes

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="contracts.test_a" name="test_ok"/>
<testcase classname="contracts.test_a" name="test_bad">
  <failure message="assert 1 == 2">x</failure></testcase>
<testcase classname="contracts.test_a" name="test_skip">
  <skipped message="mock only: clock"/></testcase>
</testsuite></testsuites>
"""


def test_junit_outcomes_are_read_with_their_messages(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_text(JUNIT)
    found = outcomes(path)
    assert found["contracts.test_a::test_ok"] == Outcome("passed")
    assert found["contracts.test_a::test_bad"] == Outcome("failed", "assert 1 == 2")
    assert found["contracts.test_a::test_skip"].status == "skipped"


def test_only_tests_with_different_outcomes_are_reported() -> None:
    a = {"t1": Outcome("passed"), "t2": Outcome("passed"), "t3": Outcome("skipped")}
    b = {"t1": Outcome("passed"), "t2": Outcome("failed", "boom")}
    drifts = compare(a, b)
    assert [(d.test, d.a.status, d.b.status) for d in drifts] == [
        ("t2", "passed", "failed"), ("t3", "skipped", "absent")]


def test_markdown_table_escapes_pipes_and_counts() -> None:
    text = markdown("mock", "live", compare({"t|1": Outcome("passed")},
                                            {"t|1": Outcome("failed", "a|b")}), 1)
    assert "1 of 1 tests differ." in text
    assert "| t\\|1 | passed | failed: a\\|b |" in text


@pytest.mark.slow
def test_drift_command_writes_markdown_and_json_listing_the_broken_contract(
        tmp_path: Path) -> None:
    code = main(["drift", "mock", "mock:broken-pagination", "--out", str(tmp_path),
                 "-k", "test_pagination and (exactly_once or first_link)"])
    assert code == 1
    report = json.loads((tmp_path / "drift.json").read_text())
    assert report["total"] == 2
    assert [row["test"] for row in report["drift"]] == [
        "contracts.test_pagination::test_following_next_links_visits_every_record_exactly_once"]
    assert "mock:broken-pagination" in (tmp_path / "drift.md").read_text()
