"""The QA dashboard at /__mock__/ui: its guard, and its buttons driven in a real Chromium."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from flask import Flask

from mock_outreach.app import create_app

AVA = "ava.reed@acme.example"
MEDIA = "application/vnd.api+json"
browser = pytest.mark.browser


def mint(app: Flask, email: str = AVA) -> dict[str, Any]:
    reply = app.test_client().post("/__mock__/tokens", json={"email": email})
    assert reply.status_code == 201, reply.get_data(as_text=True)
    return reply.get_json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_id(app: Flask, kind: str = "access") -> int:
    """The listing id of the newest token of that kind."""
    tokens = app.test_client().get("/__mock__/tokens").get_json()["tokens"]
    return max(t["id"] for t in tokens if t["kind"] == kind)


def open_dashboard(live: Any, chromium_page: Callable[..., Any]) -> Any:
    tab = chromium_page(f"{live.url}/__mock__/ui")
    tab.page.wait_for_selector("body[data-ready=true]")
    return tab


# -- the guard (no browser) ---------------------------------------------------------------------
def test_non_loopback_request_to_dashboard_is_refused() -> None:
    client = create_app({"webhook_worker": False}).test_client()
    reply = client.get("/__mock__/ui", environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert reply.status_code == 403
    assert reply.get_json()["errors"][0]["id"] == "controlLoopbackOnly"


def test_loopback_page_carries_no_control_token_and_forbids_framing() -> None:
    reply = create_app({"webhook_worker": False}).test_client().get("/__mock__/ui")
    assert reply.status_code == 200
    assert 'name="control-token"' not in reply.get_data(as_text=True)
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in reply.headers["Content-Security-Policy"]


def test_control_token_is_required_and_rendered_only_for_its_bearer() -> None:
    client = create_app({"webhook_worker": False, "control_token": "qa-secret"}).test_client()
    refused = client.get("/__mock__/ui")
    assert refused.status_code == 403
    assert "qa-secret" not in refused.get_data(as_text=True)
    page = client.get("/__mock__/ui", headers=bearer("qa-secret"))
    assert page.status_code == 200
    assert '<meta name="control-token" content="qa-secret">' in page.get_data(as_text=True)


def test_assets_need_no_token_under_a_control_token_but_stay_loopback_only_without() -> None:
    guarded = create_app({"webhook_worker": False, "control_token": "qa-secret"}).test_client()
    with guarded.get("/__mock__/ui/static/dashboard.js") as asset:
        assert asset.status_code == 200
    open_app = create_app({"webhook_worker": False}).test_client()
    remote = {"REMOTE_ADDR": "10.0.0.5"}
    assert open_app.get("/__mock__/ui/static/dashboard.css", environ_base=remote).status_code \
        == 403


# -- in Chromium --------------------------------------------------------------------------------
@browser
def test_dashboard_loads_every_section_without_console_errors(live_mock, chromium_page) -> None:
    live = live_mock()
    tab = open_dashboard(live, chromium_page)
    page = tab.page
    assert page.inner_text("#health-status") == "ok"
    assert page.locator("#type-counts .chip").count() == len(live.state.registry.types)
    assert page.locator("#org-picker option").count() == 2
    assert tab.errors == []


@browser
def test_expire_now_button_makes_that_token_get_401(live_mock, chromium_page) -> None:
    live = live_mock()
    pair = mint(live.app)
    target = token_id(live.app)
    other = mint(live.app, "ben.cole@acme.example")
    assert httpx.get(f"{live.url}/api/v2", headers=bearer(pair["access_token"])).status_code \
        == 200
    page = open_dashboard(live, chromium_page).page
    row = f'#tokens-table tr[data-token-id="{target}"]'
    page.locator(row).get_by_role("button", name="Expire now").click()
    page.wait_for_selector(f'{row}[data-state="expired"]')
    assert httpx.get(f"{live.url}/api/v2", headers=bearer(pair["access_token"])).status_code \
        == 401
    assert httpx.get(f"{live.url}/api/v2", headers=bearer(other["access_token"])).status_code \
        == 200


@browser
def test_revoke_button_stops_the_refresh_token_too(live_mock, chromium_page) -> None:
    live = live_mock()
    pair = mint(live.app)
    page = open_dashboard(live, chromium_page).page
    row = f'#tokens-table tr[data-token-id="{token_id(live.app)}"]'
    page.locator(row).get_by_role("button", name="Revoke").click()
    page.wait_for_selector(f'{row}[data-state="revoked"]')
    assert httpx.get(f"{live.url}/api/v2", headers=bearer(pair["access_token"])).status_code \
        == 401
    refresh = httpx.post(f"{live.url}/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": pair["refresh_token"],
        "client_id": "demo-dialer", "client_secret": "demo-dialer-secret"})
    assert refresh.status_code in (400, 401)


@browser
def test_mint_form_lists_a_new_token_that_works(live_mock, chromium_page) -> None:
    live = live_mock()
    page = open_dashboard(live, chromium_page).page
    page.fill("#mint-email", "cara.diaz@acme.example")
    page.click("#mint-form button[type=submit]")
    page.wait_for_selector('#tokens-table tr[data-state="active"]')
    access = page.input_value("#minted-access")
    me = httpx.get(f"{live.url}/api/v2", headers=bearer(access))
    assert me.json()["meta"]["user"]["email"] == "cara.diaz@acme.example"


@browser
def test_fault_added_in_the_form_fails_the_next_matching_call(live_mock, chromium_page) -> None:
    live = live_mock()
    headers = bearer(mint(live.app)["access_token"])
    page = open_dashboard(live, chromium_page).page
    page.select_option("#fault-method", "GET")
    page.fill("#fault-path", "/api/v2/prospects*")
    page.select_option("#fault-action", "status")
    page.fill("#fault-status", "503")
    page.fill("#fault-times", "1")
    page.click("#fault-add")
    page.wait_for_selector("#faults-table tr[data-fault-id]")
    failed = httpx.get(f"{live.url}/api/v2/prospects", headers=headers)
    assert failed.status_code == 503
    assert failed.json()["errors"][0]["detail"] == "Injected fault: HTTP 503."
    assert httpx.get(f"{live.url}/api/v2/prospects", headers=headers).status_code == 200
    assert httpx.get(f"{live.url}/api/v2/tasks", headers=headers).status_code == 200


@browser
def test_journal_shows_a_request_made_just_before_and_filters_by_status(
        live_mock, chromium_page) -> None:
    live = live_mock()
    headers = bearer(mint(live.app)["access_token"])
    assert httpx.get(f"{live.url}/api/v2/accounts", headers=headers).status_code == 200
    assert httpx.get(f"{live.url}/api/v2/nothing", headers=headers).status_code == 404
    page = open_dashboard(live, chromium_page).page
    assert page.locator('#journal-table tr[data-path="/api/v2/accounts"]').count() == 1
    page.fill("#journal-status", "404")
    page.click("#journal-filter")
    page.wait_for_selector('#journal-table tr[data-path="/api/v2/accounts"]', state="detached")
    statuses = page.locator("#journal-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.status)")
    assert statuses == ["404"]


@browser
def test_clock_advance_button_moves_the_mock_clock(live_mock, chromium_page) -> None:
    live = live_mock()
    client = live.app.test_client()
    client.post("/__mock__/clock", json={"freeze": True})
    before = client.get("/__mock__/clock").get_json()["epoch"]
    page = open_dashboard(live, chromium_page).page
    shown = page.inner_text("#clock-now")
    page.fill("#clock-advance-seconds", "86400")
    page.click("#clock-advance")
    page.wait_for_function("shown => document.getElementById('clock-now').textContent !== shown",
                           arg=shown)
    assert client.get("/__mock__/clock").get_json()["epoch"] == before + 86400


@browser
def test_data_section_lists_records_and_opens_their_raw_json(live_mock, chromium_page) -> None:
    live = live_mock()
    page = open_dashboard(live, chromium_page).page
    page.click('#type-counts .chip[data-type="prospect"]')
    page.wait_for_selector("#records-table tbody tr")
    assert page.locator("#records-table tbody tr").count() == 36
    page.locator("#records-table a.json-link").first.click()
    page.wait_for_selector("#viewer[open]")
    shown = json.loads(page.inner_text("#viewer-body"))
    assert shown["data"]["type"] == "prospect"


@browser
def test_redeliver_button_queues_a_copy_of_the_delivery(live_mock, chromium_page) -> None:
    live = live_mock()
    client = live.app.test_client()
    headers = {**bearer(mint(live.app)["access_token"]), "Content-Type": MEDIA}
    hook = {"data": {"type": "webhook", "attributes": {"url": "http://127.0.0.1:9/hook"}}}
    assert client.post("/api/v2/webhooks", headers=headers, json=hook).status_code == 201
    prospect = {"data": {"type": "prospect", "attributes": {"firstName": "Nora"}}}
    assert client.post("/api/v2/prospects", headers=headers, json=prospect).status_code == 201
    original = client.get("/__mock__/webhooks/deliveries").get_json()["deliveries"][0]
    page = open_dashboard(live, chromium_page).page
    row = f'#deliveries-table tr[data-delivery-id="{original["id"]}"]'
    page.locator(row).get_by_role("button", name="Redeliver").click()
    page.wait_for_selector("#deliveries-table tbody tr:nth-child(2)")
    newest = client.get("/__mock__/webhooks/deliveries").get_json()["deliveries"][0]
    assert newest["redelivery_of"] == original["id"]


@browser
def test_page_under_a_control_token_sends_it_on_every_call(live_mock, chromium_page) -> None:
    live = live_mock({"control_token": "qa-secret"})
    tab = chromium_page("about:blank")
    # Only the page request itself carries the header; the page must pass it on.
    tab.page.route("**/__mock__/ui", lambda route: route.continue_(
        headers={**route.request.headers, **bearer("qa-secret")}))
    tab.page.goto(f"{live.url}/__mock__/ui")
    tab.page.wait_for_selector("body[data-ready=true]")
    assert tab.page.inner_text("#health-status") == "ok"
    assert tab.errors == []


@browser
def test_fault_delete_button_removes_the_rule(live_mock, chromium_page) -> None:
    live = live_mock()
    client = live.app.test_client()
    fault = client.post("/__mock__/faults", json={"action": "status", "status": 500}).get_json()
    page = open_dashboard(live, chromium_page).page
    row = f'#faults-table tr[data-fault-id="{fault["id"]}"]'
    page.locator(row).get_by_role("button", name="Delete").click()
    page.wait_for_selector(row, state="detached")
    assert client.get("/__mock__/faults").get_json()["faults"] == []


@browser
def test_reset_button_after_confirmation_forgets_tokens(live_mock, chromium_page) -> None:
    live = live_mock()
    pair = mint(live.app)
    page = open_dashboard(live, chromium_page).page
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#reset")
    page.wait_for_selector("#tokens-table td.empty")
    assert httpx.get(f"{live.url}/api/v2", headers=bearer(pair["access_token"])).status_code \
        == 401
