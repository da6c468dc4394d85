"""Scopes: `<collection>.<read|write|delete|all>`, not additive; refusals are 403 documents."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from outreach_contracts.factories import WRITE_HEADERS, body
from outreach_contracts.support import assert_error
from outreach_contracts.targets import DEMO_REP, Target

pytestmark = [pytest.mark.validated("mock", "url"),
              pytest.mark.mock_only("mints tokens with chosen scopes")]

Scoped = Callable[..., httpx.Client]


@pytest.fixture
def scoped(target: Target) -> Iterator[Scoped]:
    """A client whose token carries exactly the given scopes."""
    opened: list[httpx.Client] = []

    def make(*scopes: str) -> httpx.Client:
        http = target.http(target.mint(DEMO_REP, scopes=list(scopes))["access_token"])
        opened.append(http)
        return http

    yield make
    for http in opened:
        http.close()


def test_read_without_read_scope_is_403_unauthorized_oauth_scope(scoped: Scoped) -> None:
    error = assert_error(scoped("tasks.read").get("/prospects"), 403, "unauthorizedOauthScope")
    assert error["title"] == "Unauthorized OAuth Scope"
    assert "prospects.read" in error["detail"]


def test_write_scope_does_not_grant_read(scoped: Scoped) -> None:
    assert_error(scoped("prospects.write").get("/prospects"), 403, "unauthorizedOauthScope")


def test_read_scope_does_not_grant_write(scoped: Scoped) -> None:
    response = scoped("accounts.read").post("/accounts", json=body("account", {"name": "No"}),
                                            headers=WRITE_HEADERS)
    assert_error(response, 403, "unauthorizedOauthScope")


def test_write_scope_does_not_grant_delete(scoped: Scoped) -> None:
    assert_error(scoped("calls.write", "calls.read").delete("/calls/1"), 403,
                 "unauthorizedOauthScope")


def test_read_scope_lets_the_collection_be_listed(scoped: Scoped) -> None:
    assert scoped("prospects.read").get("/prospects").status_code == 200


def test_all_scope_grants_read_write_and_delete(scoped: Scoped) -> None:
    http = scoped("accounts.all")
    assert http.get("/accounts").status_code == 200
    created = http.post("/accounts", json=body("account", {"name": "Scope Co"}),
                        headers=WRITE_HEADERS)
    assert created.status_code == 201
    assert http.delete(f"/accounts/{created.json()['data']['id']}").status_code == 204


def test_member_action_needs_the_write_scope(scoped: Scoped) -> None:
    response = scoped("tasks.read").post("/tasks/1/actions/markComplete")
    assert_error(response, 403, "unauthorizedOauthScope")


def test_scope_of_another_collection_does_not_help(scoped: Scoped) -> None:
    assert_error(scoped("accounts.all", "tasks.all").get("/calls"), 403,
                 "unauthorizedOauthScope")
