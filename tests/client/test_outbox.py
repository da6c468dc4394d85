"""The outbox keeps call logs on disk and hands each to one deliverer at a time."""

import threading

from outreach_client.outbox import Outbox


def test_entries_survive_a_new_process(tmp_path):
    Outbox(tmp_path / "o.sqlite").add("v1", "ava", {"note": "hi"})
    entries = Outbox(tmp_path / "o.sqlite").open_entries("ava")
    assert [(e.vendor_call_id, e.payload, e.state) for e in entries] == [
        ("v1", {"note": "hi"}, "pending")
    ]


def test_same_vendor_call_id_is_stored_once(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite")
    assert outbox.add("v1", "ava", {})
    assert not outbox.add("v1", "ava", {"other": 1})
    assert outbox.counts() == {"pending": 1}


def test_a_claimed_entry_is_not_handed_to_another_deliverer(tmp_path):
    now = [1000.0]
    mine = Outbox(tmp_path / "o.sqlite", clock=lambda: now[0])
    theirs = Outbox(tmp_path / "o.sqlite", clock=lambda: now[0])
    mine.add("v1", "ava", {})
    assert mine.claim("v1") is not None
    assert theirs.claim("v1") is None
    now[0] += mine.lease_seconds + 1  # the first deliverer died: its lease runs out
    assert theirs.claim("v1").attempts == 2


def test_only_one_of_many_threads_claims_an_entry(tmp_path):
    path = tmp_path / "o.sqlite"
    Outbox(path).add("v1", "ava", {})
    outboxes = [Outbox(path) for _ in range(8)]
    wins = []
    threads = [
        threading.Thread(target=lambda o=o: wins.append(o.claim("v1") is not None))
        for o in outboxes
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wins.count(True) == 1


def test_progress_is_recorded_step_by_step(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite")
    outbox.add("v1", "ava", {})
    outbox.claim("v1")
    outbox.mark_sent("v1")
    assert outbox.get("v1").sent
    outbox.mark_call_created("v1", 42)
    assert (outbox.get("v1").state, outbox.get("v1").call_id) == ("completing", 42)
    outbox.mark_done("v1")
    assert outbox.open_entries() == []
    assert outbox.claim("v1") is None


def test_failed_entries_can_be_put_back(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite")
    outbox.add("v1", "ava", {})
    outbox.add("v2", "ava", {})
    outbox.mark_call_created("v2", 7)
    outbox.mark_failed("v1", "422")
    outbox.mark_failed("v2", "404")
    assert outbox.retry_failed() == 2
    assert {e.vendor_call_id: e.state for e in outbox.open_entries()} == {
        "v1": "pending", "v2": "completing",
    }
