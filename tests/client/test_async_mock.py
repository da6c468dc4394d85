"""The async client against the mock over loopback HTTP: pages, includes, one refresh."""

import asyncio
import time

from outreach_client import AsyncOutreachClient, MemoryTokenStore, OutreachAuth, Task

AVA = "ava.reed@acme.example"


def _async_client(env, store):
    return AsyncOutreachClient(
        OutreachAuth(env.oauth_app(), store, AVA),
        base_url=env.base_url,
        sleep=lambda seconds: asyncio.sleep(0),
    )


def test_async_list_follows_pages_and_resolves_includes(http_env):
    store = MemoryTokenStore()
    store.set(AVA, http_env.mint(AVA))
    ava = http_env.user_id(AVA)

    async def run():
        async with _async_client(http_env, store) as client:
            paged = client.tasks.list(
                filter={"owner": {"id": ava}}, include="prospect", sort="id", page_size=2
            )
            tasks = await paged.to_list()
            whole = await client.tasks.list(filter={"owner": {"id": ava}}, sort="id").to_list()
            return tasks, whole, client.requests_sent

    tasks, whole, sent = asyncio.run(run())
    assert [t.id for t in tasks] == [t.id for t in whole]
    assert sent >= len(whole) // 2 + 1
    assert all(isinstance(t, Task) for t in tasks)
    assert all(t.prospect is None or t.prospect.id == t.prospect_id for t in tasks)
    assert any(t.prospect is not None for t in tasks)


def test_concurrent_tasks_after_expiry_share_one_refresh(http_env, needs):
    needs("oauth token endpoint")
    store = MemoryTokenStore()
    store.set(AVA, http_env.mint(AVA))
    http_env.ctl("POST", "/clock", json={"advance": 7205})

    async def run():
        async with _async_client(http_env, store) as client:
            users = await asyncio.gather(*(client.users.get(1) for _ in range(10)))
            return users, client.auth.refresh_count

    users, refreshes = asyncio.run(run())
    assert [u.id for u in users] == [1] * 10
    assert refreshes == 1
    assert store.get(AVA).expires_at > time.time() + 7000
