"""Orgs, OAuth app registrations and whole-state export / import."""

from __future__ import annotations

import json
import secrets
from typing import Any

from .errors import NotFound, ValidationFailed
from .store import Store, q

EXPORT_VERSION = 1


def create_org(store: Store, name: str, domain: str | None = None) -> int:
    cur = store.execute("INSERT INTO orgs (name, domain, created_at) VALUES (?, ?, ?)",
                        (name, domain, store.clock.now()))
    return int(cur.lastrowid or 0)


def register_app(store: Store, name: str, redirect_uris: list[str], scopes: list[str],
                 client_id: str | None = None, client_secret: str | None = None) -> dict:
    """Register an OAuth app; apps are not tied to an org (any org's user may connect)."""
    if not name or not isinstance(redirect_uris, list) or not redirect_uris:
        raise ValidationFailed("An app needs a name and at least one redirect URI.")
    if not all(isinstance(s, str) for s in [*redirect_uris, *scopes]):
        raise ValidationFailed("Redirect URIs and scopes must be strings.")
    client_id = client_id or secrets.token_urlsafe(24)
    client_secret = client_secret or secrets.token_urlsafe(32)
    if store.query("SELECT 1 FROM apps WHERE client_id = ?", (client_id,)):
        raise ValidationFailed(f"An app with client_id '{client_id}' already exists.")
    store.execute("INSERT INTO apps (client_id, client_secret, name, redirect_uris, scopes, "
                  "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                  (client_id, client_secret, name, json.dumps(redirect_uris), json.dumps(scopes),
                   store.clock.now()))
    return find_app(store, client_id, with_secret=True)


def find_app(store: Store, client_id: str, with_secret: bool = False) -> dict[str, Any]:
    rows = store.query("SELECT id, client_id, client_secret, name, redirect_uris, scopes "
                       "FROM apps WHERE client_id = ?", (client_id,))
    if not rows:
        raise NotFound(f"No app with client_id '{client_id}'.")
    return app_dict(rows[0], with_secret)


def app_dict(row: Any, with_secret: bool = False) -> dict[str, Any]:
    app = {"id": row[0], "client_id": row[1], "name": row[3],
           "redirect_uris": json.loads(row[4]), "scopes": json.loads(row[5])}
    if with_secret:
        app["client_secret"] = row[2]
    return app


def list_apps(store: Store) -> list[dict[str, Any]]:
    rows = store.query("SELECT id, client_id, client_secret, name, redirect_uris, scopes "
                       "FROM apps ORDER BY id")
    return [app_dict(r, with_secret=True) for r in rows]


def list_orgs(store: Store) -> list[dict[str, Any]]:
    rows = store.query("SELECT id, name, domain FROM orgs ORDER BY id")
    return [{"id": r[0], "name": r[1], "domain": r[2]} for r in rows]


def list_users(store: Store, org_id: int | None = None) -> list[dict[str, Any]]:
    sql = 'SELECT id, org_id, email, "firstName", "lastName", name FROM r_user'
    rows = store.query(sql + (" WHERE org_id = ?" if org_id else "") + " ORDER BY id",
                       (org_id,) if org_id else ())
    return [{"id": r[0], "org_id": r[1], "email": r[2], "firstName": r[3], "lastName": r[4],
             "name": r[5]} for r in rows]


def find_user(store: Store, user_id: int | None = None, email: str | None = None) -> dict:
    users = [u for u in list_users(store)
             if (user_id is not None and u["id"] == user_id) or (email and u["email"] == email)]
    if not users:
        raise NotFound(f"No user {'with email ' + email if email else user_id}.")
    return users[0]


def export_state(store: Store) -> dict[str, Any]:
    """Every table's rows (cached renderings excluded), as JSON."""
    tables: dict[str, Any] = {}
    with store.lock:
        names = [r[0] for r in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
        for name in names:
            cur = store.conn.execute(f"SELECT * FROM {q(name)}")
            cols = [d[0] for d in cur.description]
            keep = [i for i, c in enumerate(cols) if c not in ("_doc", "_base")]
            rows = [[row[i] for i in keep] for row in cur]
            if rows:
                tables[name] = {"columns": [cols[i] for i in keep], "rows": rows}
    return {"version": EXPORT_VERSION, "clock": store.clock.now(), "tables": tables}


def import_state(store: Store, state: Any) -> None:
    """Replace everything with an export; all or nothing."""
    if not isinstance(state, dict) or state.get("version") != EXPORT_VERSION or not isinstance(
            state.get("tables"), dict):
        raise ValidationFailed("Not a mock-outreach state export (version 1).")
    with store.transaction() as conn:
        known = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        store.clear()
        for name, table in state["tables"].items():
            if name not in known or not isinstance(table, dict):
                raise ValidationFailed(f"Unknown table '{name}' in the export.")
            cols = ", ".join(q(c) for c in table["columns"])
            marks = ", ".join("?" for _ in table["columns"])
            conn.executemany(f"INSERT INTO {q(name)} ({cols}) VALUES ({marks})", table["rows"])
