"""Token stores keep one pair per rep; the file store writes atomically."""

import json
import os

import pytest
from outreach_client import FileTokenStore, MemoryTokenStore, TokenSet, TokenStore


def _pair(n: int) -> TokenSet:
    return TokenSet(f"a{n}", f"r{n}", expires_at=1000.0 + n, scope=("tasks.all",), created_at=5)


@pytest.fixture(params=["memory", "file"])
def store(request, tmp_path):
    return MemoryTokenStore() if request.param == "memory" else FileTokenStore(tmp_path / "t.json")


def test_stores_satisfy_the_protocol(store):
    assert isinstance(store, TokenStore)


def test_pairs_are_kept_per_rep(store):
    store.set("ava", _pair(1))
    store.set("ben", _pair(2))
    assert store.get("ava") == _pair(1)
    assert store.get("ben") == _pair(2)
    store.delete("ava")
    assert store.get("ava") is None
    assert store.get("ben") == _pair(2)


def test_file_store_survives_a_new_instance(tmp_path):
    FileTokenStore(tmp_path / "t.json").set("ava", _pair(1))
    assert FileTokenStore(tmp_path / "t.json").get("ava") == _pair(1)


def test_file_store_replaces_the_file_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "t.json"
    store = FileTokenStore(path)
    store.set("ava", _pair(1))
    inode = path.stat().st_ino
    store.set("ava", _pair(2))
    assert path.stat().st_ino != inode  # a new file renamed over the old one
    assert json.loads(path.read_text())["ava"]["access_token"] == "a2"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".t.json")] == []


def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "t.json"
    store = FileTokenStore(path)
    store.set("ava", _pair(1))

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.set("ava", _pair(2))
    monkeypatch.undo()
    assert FileTokenStore(path).get("ava") == _pair(1)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".t.json")] == []


def test_token_set_from_response_counts_expiry_from_our_clock():
    body = {"access_token": "a", "refresh_token": "r", "expires_in": 7200,
            "token_type": "bearer", "scope": "tasks.all calls.all", "created_at": 1}
    token = TokenSet.from_response(body, now=500.0)
    assert token.expires_at == 7700.0
    assert token.scope == ("tasks.all", "calls.all")
    assert token.expires_within(120, now=7590.0)
    assert not token.expires_within(120, now=7500.0)
