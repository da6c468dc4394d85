"""No call log is lost or duplicated while the mock injects faults (SPEC §7 reliability)."""

from datetime import UTC, datetime, timedelta

import pytest
from outreach_client.dialer import CallLog, Dialer

AVA = "ava.reed@acme.example"
CALLS = 200
FAULTS = [
    {
        "method": "POST",
        "path": "/api/v2/calls",
        "action": "status",
        "status": 503,
        "probability": 0.1,
        "seed": 1,
    },
    {
        "method": "POST",
        "path": "/api/v2/calls",
        "action": "drop_connection",
        "probability": 0.05,
        "seed": 2,
    },
    {
        "method": "POST",
        "path": "/api/v2/tasks/*/actions/markComplete",
        "action": "drop_connection",
        "probability": 0.05,
        "seed": 3,
    },
    {
        "method": "POST",
        "path": "/api/v2/tasks/*/actions/markComplete",
        "action": "status",
        "status": 500,
        "probability": 0.05,
        "seed": 4,
    },
    {
        "method": "GET",
        "path": "/api/v2/*",
        "action": "status",
        "status": 503,
        "probability": 0.05,
        "seed": 5,
    },
    {"method": "GET", "path": "/api/v2/*", "action": "rate_limit", "probability": 0.03, "seed": 6},
    {"path": "/api/v2/*", "action": "expire_token", "probability": 0.02, "seed": 7},
]


def _make_call_tasks(client, owner_id, n):
    prospects = [p.id for p in client.prospects.list(page_size=50)]
    due = datetime.now(UTC) - timedelta(hours=1)
    tasks = []
    for i in range(n):
        prospect_id = prospects[i % len(prospects)]
        task = client.tasks.create(
            {"action": "call", "dueAt": due, "note": f"fault drill {i}"},
            relationships={"owner": owner_id, "subject": ("prospect", prospect_id)},
        )
        tasks.append((task.id, prospect_id))
    return tasks


@pytest.mark.slow
def test_two_hundred_call_logs_survive_injected_faults(http_env, needs, tmp_path):
    needs("oauth token endpoint", "fault rules")
    env = http_env
    dialer = Dialer(env.client(), str(tmp_path / "outbox.sqlite"), rep=AVA)
    client = dialer.client
    ava = env.user_id(AVA)
    tasks = _make_call_tasks(client, ava, CALLS)
    calls_before = {call.id for call in client.calls.list(page_size=1000)}
    for rule in FAULTS:
        env.ctl("POST", "/faults", json=rule)

    logs = [CallLog(user_id=ava, prospect_id=p, task_id=t, outcome="Answered") for t, p in tasks]
    first = [dialer.log_call(log).status for log in logs]
    rounds = 0
    while dialer.outbox.open_entries(AVA) and rounds < 100:
        env.ctl("POST", "/clock", json={"advance": 61})  # lets the 1/min mint throttle pass
        dialer.flush()
        rounds += 1
    fired = sum(rule["fired"] for rule in env.ctl("GET", "/faults")["faults"])
    env.ctl("DELETE", "/faults")

    assert "queued" in first and fired > 20  # the faults did bite...
    assert client.auth.refresh_count > 1  # ...expiring tokens too
    assert dialer.outbox.counts() == {"done": CALLS}
    new_calls = [c for c in client.calls.list(page_size=1000) if c.id not in calls_before]
    assert len(new_calls) == CALLS
    assert sorted(c.vendor_call_id for c in new_calls) == sorted(log.vendor_call_id for log in logs)
    states = {client.tasks.get(task_id).state for task_id, _ in tasks}
    assert states == {"complete"}
