"""Conformance: schemathesis fuzzes (and walks) the mock's served OpenAPI with a real token.

No server error, no response outside the served schema, and every 2xx body also valid against
Outreach's own upstream schema for that operation.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from outreach_contracts import upstream
from outreach_contracts.targets import Target
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.validated("mock", "url"),
              pytest.mark.mock_only("fuzzes the mock's served OpenAPI")]
SCHEMA_PATH = "/api/v2/schema/openapi.json"
GINA = "gina.park@globex.example"
FUZZ = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
CONFIG = {"phases": {"coverage": {"enabled": False}}}


def upstream_conformance(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 2xx body must also satisfy Outreach's schema for the same operation."""
    if not 200 <= response.status_code < 300 or not response.content:
        return None
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    problems = upstream.violations(operation, response.status_code, json.loads(response.content))
    if problems:
        raise AssertionError(f"{operation} violates Outreach's schema: {problems[:5]}")
    return True


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, upstream_conformance]


@pytest.fixture(scope="session")
def conformance(outreach_target: Target) -> dict[str, Any]:
    """The loaded schema and a token: a fresh in-process mock, or org 2 of a running one."""
    if not outreach_target.is_mock:
        pytest.skip("mock only: fuzzes the mock's served OpenAPI")
    config = schemathesis.Config.from_dict(CONFIG)
    if outreach_target.kind == "mock":
        from mock_outreach.app import create_app

        app = create_app({"dataset": "demo", "webhook_worker": False})
        token = app.test_client().post("/__mock__/tokens", json={"email": GINA}).get_json()
        schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, app, config=config)
    else:
        token = outreach_target.mint(GINA)
        schema = schemathesis.openapi.from_url(outreach_target.base_url + SCHEMA_PATH,
                                               config=config)
        schema.config.update(base_url=outreach_target.api_url)
    return {"schema": schema, "headers": {"Authorization": f"Bearer {token['access_token']}"},
            "exercised": set()}


def served_operations() -> list[str]:
    """Every operation of the served document, as `"METHOD /path"` labels."""
    from mock_outreach.openapi import build_openapi
    from mock_outreach.registry import load_registry

    paths = build_openapi(load_registry())["paths"]
    return sorted(f"{method.upper()} {path}" for path, ops in paths.items() for method in ops)


@pytest.mark.parametrize("label", served_operations())
def test_fuzzed_requests_get_no_server_error_and_no_schema_violation(
        target: Target, conformance: dict[str, Any], label: str) -> None:
    operation = conformance["schema"].find_operation_by_label(label)
    assert operation is not None, f"{label} is not in the served document"
    conformance["exercised"].add(label)

    @FUZZ
    @given(case=operation.as_strategy())
    def fuzz(case: Any) -> None:
        case.call_and_validate(headers=conformance["headers"], checks=CHECKS)

    fuzz()


def test_fuzzing_exercised_every_served_operation(target: Target,
                                                  conformance: dict[str, Any]) -> None:
    served = {f"{op.method.upper()} {op.path}"
              for op in (r.ok() for r in conformance["schema"].get_all_operations())}
    assert served == set(served_operations())
    assert len(served) == 96
    assert conformance["exercised"] == served, sorted(served - conformance["exercised"])


@pytest.mark.slow
def test_stateful_walks_get_no_server_error_and_no_schema_violation(
        target: Target, conformance: dict[str, Any]) -> None:
    machine = conformance["schema"].as_state_machine()
    headers = conformance["headers"]

    class Walk(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Walk.run(settings=settings(max_examples=25, stateful_step_count=6, deadline=None,
                               derandomize=True, database=None,
                               suppress_health_check=list(HealthCheck)))
