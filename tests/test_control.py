"""The core control API: health, reset, seed, state export/import, clock, tenancy and tokens."""

from __future__ import annotations

from datetime import UTC, datetime

from mock_outreach.app import create_app


def test_health_reports_ok_and_the_dataset(client):
    body = client.get("/__mock__/health").get_json()
    assert body["status"] == "ok" and body["dataset"] == "demo" and body["orgs"] == 2


def test_reset_restores_the_dataset_and_drops_tokens(client, auth, write_headers):
    client.delete("/api/v2/prospects/1", headers=auth)
    assert client.get("/api/v2/prospects/1", headers=auth).status_code == 404
    assert client.post("/__mock__/reset").status_code == 200
    assert client.get("/api/v2/prospects/1", headers=auth).status_code == 401
    fresh = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"})
    headers = {"Authorization": f"Bearer {fresh.get_json()['access_token']}"}
    assert client.get("/api/v2/prospects/1", headers=headers).status_code == 200


def test_seed_with_a_prospect_count_builds_that_many(client):
    reply = client.post("/__mock__/seed", json={"prospects": 120, "seed": 7})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    users = client.get("/__mock__/users").get_json()["users"]
    token = client.post("/__mock__/tokens", json={"user_id": users[0]["id"]}).get_json()
    body = client.get("/api/v2/prospects?count=true&page[size]=1",
                      headers={"Authorization": f"Bearer {token['access_token']}"}).get_json()
    assert body["meta"]["count"] == 120


def test_seed_rejects_bad_input_with_422(client):
    for payload in ({"prospects": -1}, {"prospects": "many"}, {"dataset": "nope"},
                    {"prospects": 5, "seed": "x"}):
        assert client.post("/__mock__/seed", json=payload).status_code == 422


def test_state_export_then_import_round_trips(client, auth, write_headers):
    exported = client.get("/__mock__/state").get_json()
    client.delete("/api/v2/prospects/1", headers=auth)
    assert client.put("/__mock__/state", json=exported).status_code == 200
    assert client.get("/api/v2/prospects/1", headers=auth).status_code == 200
    other = create_app({"dataset": "empty", "webhook_worker": False}).test_client()
    assert other.put("/__mock__/state", json=exported).status_code == 200
    assert other.get("/__mock__/health").get_json()["orgs"] == 2


def test_state_import_of_garbage_is_422_and_changes_nothing(client, auth):
    for payload in ({"version": 9}, {"version": 1, "tables": {"nope": {}}},
                    {"version": 1, "tables": {"orgs": {"columns": ["bogus"], "rows": [[1]]}}}):
        assert client.put("/__mock__/state", json=payload).status_code == 422
    assert client.get("/api/v2/prospects/1", headers=auth).status_code == 200


def test_clock_can_be_frozen_set_and_advanced(client):
    frozen = client.post("/__mock__/clock", json={"set": "2031-01-01T00:00:00Z",
                                                  "freeze": True}).get_json()
    assert frozen["frozen"] is True and frozen["now"] == "2031-01-01T00:00:00.000Z"
    advanced = client.post("/__mock__/clock", json={"advance": 90}).get_json()
    assert advanced["now"] == "2031-01-01T00:01:30.000Z"
    assert client.post("/__mock__/clock", json={"advance": "soon"}).status_code == 422
    running = client.post("/__mock__/clock", json={"freeze": False}).get_json()
    assert running["frozen"] is False
    assert datetime.fromisoformat(running["now"].replace("Z", "+00:00")).year == 2031


def test_orgs_users_and_apps_are_listed(client):
    orgs = client.get("/__mock__/orgs").get_json()["orgs"]
    assert [o["name"] for o in orgs] == ["Acme Telecom", "Globex"]
    users = client.get(f"/__mock__/users?org={orgs[1]['id']}").get_json()["users"]
    assert [u["email"] for u in users] == ["gina.park@globex.example"]
    apps = client.get("/__mock__/apps").get_json()["apps"]
    assert apps[0]["client_id"] == "demo-dialer"


def test_registered_app_can_be_used_to_mint_tokens_with_its_scopes(client):
    reply = client.post("/__mock__/apps", json={"name": "QA tool", "redirect_uris": [
        "http://localhost:9/cb"], "scopes": ["prospects.read"]})
    assert reply.status_code == 201
    app = reply.get_json()
    token = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example",
                                                  "client_id": app["client_id"]}).get_json()
    assert token["scope"] == "prospects.read"
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/v2/prospects", headers=headers).status_code == 200
    assert client.get("/api/v2/tasks", headers=headers).status_code == 403
    assert client.post("/__mock__/apps", json={"name": ""}).status_code == 422


def test_minted_token_body_matches_the_oauth_token_response(client):
    body = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"}).get_json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope",
                         "created_at"}
    assert body["expires_in"] == 7200 and body["access_token"].count(".") == 2
    assert abs(body["created_at"] - datetime.now(UTC).timestamp()) < 60


def test_token_listing_shows_prefixes_never_whole_tokens(client):
    body = client.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"}).get_json()
    listing = client.get("/__mock__/tokens").get_data(as_text=True)
    assert body["access_token"] not in listing and body["refresh_token"] not in listing
    assert body["access_token"][:8] in listing


def test_minting_for_an_unknown_user_is_404(client):
    reply = client.post("/__mock__/tokens", json={"email": "nobody@nowhere.example"})
    assert reply.status_code == 404


def test_who_am_i_describes_the_token(client, auth):
    meta = client.get("/api/v2", headers=auth).get_json()["meta"]
    assert meta["user"]["email"] == "ava.reed@acme.example" and meta["user"]["id"] == 1
    assert meta["org"]["name"] == "Acme Telecom"
    assert meta["application"]["clientId"] == "demo-dialer"
    assert "prospects.all" in meta["scopes"] and meta["expiresAt"].endswith("Z")


def test_tokens_in_an_imported_state_keep_working(client, auth):
    exported = client.get("/__mock__/state").get_json()
    other = create_app({"dataset": "empty", "webhook_worker": False}).test_client()
    assert other.put("/__mock__/state", json=exported).status_code == 200
    assert other.get("/api/v2/prospects/1", headers=auth).status_code == 200


def test_clock_changes_reach_every_app_on_the_same_database(tmp_path):
    db = str(tmp_path / "shared.db")
    first = create_app({"db": db, "webhook_worker": False}).test_client()
    second = create_app({"db": db, "webhook_worker": False}).test_client()
    first.post("/__mock__/clock", json={"set": "2033-03-03T03:03:03Z", "freeze": True})
    assert second.get("/__mock__/clock").get_json()["now"] == "2033-03-03T03:03:03.000Z"
    token = second.post("/__mock__/tokens", json={"email": "ava.reed@acme.example"}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert first.get("/api/v2/users/1", headers=headers).status_code == 200
    first.post("/__mock__/clock", json={"advance": 7200})
    assert second.get("/api/v2/users/1", headers=headers).status_code == 401


def test_numbers_beyond_64_bits_in_control_requests_are_400_not_500(client):
    huge = "99999999999999999999999"
    for path in (f"/__mock__/users?org={huge}", f"/__mock__/journal?user_id={huge}",
                 f"/__mock__/webhooks/deliveries?webhook_id={huge}",
                 f"/__mock__/webhooks/deliveries/{huge}"):
        reply = client.get(path)
        assert reply.status_code == 400, path
        assert reply.get_json()["errors"][0]["id"] == "numberOutOfRange"
    for path, body in (("/__mock__/tokens/expire", {"user_id": 10**30}),
                       ("/__mock__/tokens/revoke", {"token_id": 10**30})):
        assert client.post(path, json=body).status_code == 400, path


def test_an_index_dropped_by_another_workers_reseed_is_rebuilt(tmp_path):
    db = str(tmp_path / "shared.db")
    first = create_app({"db": db, "webhook_worker": False})
    second = create_app({"db": db, "webhook_worker": False}).test_client()
    client = first.test_client()

    def query_title() -> None:
        token = client.post("/__mock__/tokens", json={"user_id": 1}).get_json()
        reply = client.get("/api/v2/prospects?filter[title]=__notnull__",
                           headers={"Authorization": f"Bearer {token['access_token']}"})
        assert reply.status_code == 200

    def has_title_index() -> bool:
        store = first.extensions["mock_outreach"].store
        return bool(store.query("SELECT 1 FROM sqlite_master WHERE name = 'r_prospect__title'"))

    query_title()
    assert has_title_index()
    assert second.post("/__mock__/seed", json={"prospects": 50}).status_code == 200
    assert not has_title_index()
    query_title()
    assert has_title_index()
