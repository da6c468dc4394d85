"""Token expiry, refresh and reconnect against the real mock's OAuth, clock and throttle."""

import threading

import pytest
from outreach_client import MemoryTokenStore, RateLimitError, ReconnectRequired
from outreach_client.dialer import CallLog, Dialer

AVA = "ava.reed@acme.example"
TWO_HOURS = 7200 + 5


def _expire_all(env):
    """Server-side expiry of every access token: the mock's clock jumps past 2 h."""
    env.ctl("POST", "/clock", json={"advance": TWO_HOURS})


def test_access_token_expiring_mid_queue_is_refreshed_once(env, needs, tmp_path):
    needs("oauth token endpoint")
    client = env.client()
    ava = env.user_id(AVA)
    tasks = iter(client.tasks.list(filter={"owner": {"id": ava}}, page_size=2))
    seen = [next(tasks).id]
    _expire_all(env)  # between two pages
    seen += [task.id for task in tasks]
    assert client.auth.refresh_count == 1
    assert seen == [task.id for task in client.tasks.list(filter={"owner": {"id": ava}})]


def test_expiry_during_call_logging_creates_no_duplicate(env, needs, tmp_path):
    needs("oauth token endpoint")
    dialer = Dialer(env.client(), str(tmp_path / "outbox.sqlite"), rep=AVA)
    ava = env.user_id(AVA)
    item = dialer.load_call_queue(ava)[0]
    _expire_all(env)
    result = dialer.log_call(CallLog.for_item(item, ava, outcome="Answered"))
    assert result.status == "delivered"
    assert dialer.client.auth.refresh_count == 1
    calls = dialer.client.calls.list(filter={"task": {"id": item.task.id}})
    assert [c.vendor_call_id for c in calls].count(result.vendor_call_id) == 1


def test_parallel_workers_of_one_rep_share_one_refresh(env, needs):
    needs("oauth token endpoint", "journal")
    store = MemoryTokenStore()
    clients = [env.client(store=store, connect=(i == 0)) for i in range(6)]
    _expire_all(env)
    errors = []

    def work(client):
        try:
            list(client.users.list(page_size=1))
        except Exception as exc:  # pragma: no cover - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(client.auth.refresh_count for client in clients) == 1
    token_posts = env.ctl("GET", "/journal", params={"path": "/oauth/token"})["entries"]
    assert [entry["status"] for entry in token_posts] == [200]


def test_uncoalesced_second_refresh_meets_the_mint_throttle(env, needs):
    """The control experiment: two stores for one rep refresh separately; the mock says 429."""
    needs("oauth token endpoint")
    first = env.client()
    env.ctl("POST", "/clock", json={"advance": 61})
    second = env.client()
    _expire_all(env)
    list(first.users.list(page_size=1))
    with pytest.raises(RateLimitError) as caught:
        list(second.users.list(page_size=1))
    assert "Retry later" in str(caught.value)


def test_revoked_grant_requires_reconnect_and_the_call_log_survives(env, needs, tmp_path):
    needs("oauth token endpoint", "token revoke control")
    dialer = Dialer(env.client(), str(tmp_path / "outbox.sqlite"), rep=AVA)
    ava = env.user_id(AVA)
    item = dialer.load_call_queue(ava)[0]
    env.ctl("POST", "/tokens/revoke", json={"user_id": ava})
    log = CallLog.for_item(item, ava, outcome="Answered")
    result = dialer.log_call(log)
    assert result.status == "queued"
    assert "ReconnectRequired" in result.error
    with pytest.raises(ReconnectRequired):
        dialer.client.tasks.get(item.task.id)

    env.ctl("POST", "/clock", json={"advance": 61})
    dialer.client.auth.store.set(AVA, env.mint(AVA))  # the rep connected again
    assert [r.status for r in dialer.flush()] == ["delivered"]
    calls = dialer.client.calls.list(filter={"task": {"id": item.task.id}})
    assert [c.vendor_call_id for c in calls].count(log.vendor_call_id) == 1
    assert dialer.client.tasks.get(item.task.id).state == "complete"


def test_expire_control_makes_the_client_refresh(env, needs):
    needs("oauth token endpoint", "token expire control")
    client = env.client()
    env.ctl("POST", "/tokens/expire", json={"user_id": env.user_id(AVA)})
    assert list(client.users.list(page_size=1))
    assert client.auth.refresh_count == 1
