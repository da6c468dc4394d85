"""Drives Outreach's authorization-code flow over HTTP: the sign-in form, the code, the token."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import httpx

from .targets import Target


class FormReader(HTMLParser):
    """What a browser sees of a page's first form: action, method, inputs, buttons, options."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method = "get"
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, list[str]] = {}  # button name -> the values it can submit
        self.button_ids: dict[str, str] = {}  # button id -> its value
        self.options: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action = named.get("action", "")
            self.method = named.get("method", "get").lower()
        elif tag == "input" and named.get("name"):
            self.fields[named["name"]] = named.get("value", "")
        elif tag == "button" and named.get("name"):
            self.buttons.setdefault(named["name"], []).append(named.get("value", ""))
            if named.get("id"):
                self.button_ids[named["id"]] = named.get("value", "")
        elif tag == "option":
            self.options.append(named.get("value", ""))


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


def authorize_url(client_id: str, redirect_uri: str, scopes: list[str], state: str) -> str:
    query = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code",
             "scope": " ".join(scopes), "state": state}
    return f"/oauth/authorize?{urlencode(query)}"


def sign_in(target: Target, url: str, email: str, decision: str = "allow") -> httpx.Response:
    """Open the consent page, fill the form as a rep and press Allow or Deny."""
    with target.http(api=False) as http:
        page = http.get(url)
        assert page.status_code == 200, page.text[:300]
        assert page.headers["content-type"].startswith("text/html")
        form = read_form(page.text)
        assert form.action is not None, "the sign-in page has no form"
        assert decision in form.buttons.get("decision", []), form.buttons
        fields = {**form.fields, "email": email, "password": "contract", "decision": decision}
        return http.post(form.action, data=fields)


def callback_params(response: httpx.Response) -> dict[str, str]:
    """The query of the redirect back to the app."""
    assert response.status_code in (302, 303), f"{response.status_code} {response.text[:300]}"
    return dict(httpx.URL(response.headers["location"]).params)


def token_request(target: Target, **form: str) -> httpx.Response:
    """POST /oauth/token with the app's client credentials and the given grant."""
    client_id, secret, redirect = target.app_credentials()
    body: dict[str, Any] = {"client_id": client_id, "client_secret": secret,
                            "redirect_uri": redirect, **form}
    with target.http(api=False) as http:
        return http.post("/oauth/token", data=body)


def free_mint_slot(target: Target) -> None:
    """Outreach mints one token per rep and app per minute; on the mock, let a minute pass."""
    if target.is_mock:
        target.control("POST", "/clock", json={"advance": 61})
