"""Dialer operations against the real mock: the call queue, logging, the durable outbox."""

from datetime import UTC, datetime, timedelta

import httpx
from outreach_client.dialer import CallLog, Dialer
from outreach_client.outbox import Outbox

AVA = "ava.reed@acme.example"


class DropAfterSend(httpx.BaseTransport):
    """The real mock handles the request, then the connection drops before the reply arrives."""

    def __init__(self, inner: httpx.BaseTransport, method: str, path: str, times: int = 1):
        self.inner, self.method, self.path, self.times = inner, method, path, times

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.times and request.method == self.method and request.url.path == self.path:
            self.times -= 1
            response.read()
            raise httpx.RemoteProtocolError("connection dropped after the request was processed")
        return response


class Down(httpx.BaseTransport):
    """The network is down: nothing reaches the mock."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")


def _dialer(env, tmp_path, **client_kwargs):
    return Dialer(env.client(**client_kwargs), Outbox(tmp_path / "outbox.sqlite"), rep=AVA)


def _first_call(env, tmp_path):
    """The rep's user id and the first item of their call queue."""
    ava = env.user_id(AVA)
    return ava, _dialer(env, tmp_path).load_call_queue(ava)[0]


def _calls_with(client, task_id, vendor_call_id):
    calls = client.calls.list(filter={"task": {"id": task_id}})
    return [call for call in calls if call.vendor_call_id == vendor_call_id]


def test_call_queue_spans_pages_and_resolves_includes(env, tmp_path):
    dialer = _dialer(env, tmp_path)
    ava = env.user_id(AVA)
    before = dialer.client.requests_sent
    queue = dialer.load_call_queue(ava, page_size=2)
    assert dialer.client.requests_sent - before > 1  # several pages were followed
    assert [item.task.id for item in queue] == [
        item.task.id for item in dialer.load_call_queue(ava, page_size=1000)
    ]
    assert queue
    for item in queue:
        assert (item.task.action, item.task.state, item.task.owner_id) == (
            "call",
            "incomplete",
            ava,
        )
        assert item.task.due_at <= datetime.now(UTC)
        assert item.prospect is not None and item.prospect.id == item.task.prospect_id
        assert item.prospect.phones
        if item.task.sequence_id is not None:
            assert item.sequence.id == item.task.sequence_id
            assert item.step.id == item.task.sequence_step_id
            assert item.state.id == item.task.sequence_state_id


def test_queue_leaves_out_tasks_due_later(env, tmp_path):
    dialer = _dialer(env, tmp_path)
    ava = env.user_id(AVA)
    now_queue = dialer.load_call_queue(ava)
    past_queue = dialer.load_call_queue(ava, now=datetime.now(UTC) - timedelta(days=365))
    assert len(past_queue) < len(now_queue)


def test_refresh_task_rereads_one_task_with_includes(env, tmp_path):
    dialer = _dialer(env, tmp_path)
    item = dialer.load_call_queue(env.user_id(AVA))[0]
    fresh = dialer.refresh_task(item.task.id)
    assert fresh.task.id == item.task.id
    assert fresh.prospect.id == item.prospect.id


def test_log_call_creates_the_call_and_completes_the_task(env, tmp_path):
    dialer = _dialer(env, tmp_path)
    ava = env.user_id(AVA)
    item = dialer.load_call_queue(ava)[0]
    disposition = dialer.call_dispositions()[0]
    log = CallLog.for_item(
        item,
        ava,
        outcome="Answered",
        note="Booked a demo",
        to_number=item.prospect.phones[0],
        dialed_at=datetime.now(UTC),
        call_disposition_id=disposition.id,
        external_vendor="DemoDialer",
    )
    result = dialer.log_call(log)
    assert result.status == "delivered"
    call = dialer.client.calls.get(result.call_id)
    assert (call.vendor_call_id, call.task_id, call.user_id) == (
        log.vendor_call_id,
        item.task.id,
        ava,
    )
    assert call.call_disposition_id == disposition.id
    assert dialer.client.tasks.get(item.task.id).state == "complete"
    assert item.task.id not in [i.task.id for i in dialer.load_call_queue(ava)]
    assert dialer.outbox.counts() == {"done": 1}


def test_already_complete_task_counts_as_done(env, tmp_path):
    dialer = _dialer(env, tmp_path)
    ava = env.user_id(AVA)
    item = dialer.load_call_queue(ava)[0]
    dialer.client.tasks.action(item.task.id, "markComplete")
    result = dialer.log_call(CallLog.for_item(item, ava, outcome="Not Answered"))
    assert result.status == "delivered"
    assert len(_calls_with(dialer.client, item.task.id, result.vendor_call_id)) == 1


def test_dropped_reply_to_call_post_does_not_duplicate_the_call(wsgi_env, tmp_path):
    ava, item = _first_call(wsgi_env, tmp_path)
    flaky = DropAfterSend(wsgi_env.transport, "POST", "/api/v2/calls")
    dialer = _dialer(wsgi_env, tmp_path, transport=flaky)
    log = CallLog.for_item(item, ava, outcome="Answered")
    assert dialer.log_call(log).status == "queued"  # the POST is not blindly resent
    assert len(_calls_with(dialer.client, item.task.id, log.vendor_call_id)) == 1
    result = dialer.flush()[0]
    assert result.status == "delivered"
    assert len(_calls_with(dialer.client, item.task.id, log.vendor_call_id)) == 1
    assert dialer.client.tasks.get(item.task.id).state == "complete"


def test_dropped_reply_to_mark_complete_is_not_sent_twice(wsgi_env, tmp_path):
    ava, item = _first_call(wsgi_env, tmp_path)
    action = f"/api/v2/tasks/{item.task.id}/actions/markComplete"
    flaky = DropAfterSend(wsgi_env.transport, "POST", action)
    dialer = _dialer(wsgi_env, tmp_path, transport=flaky)
    log = CallLog.for_item(item, ava, outcome="Answered")
    assert dialer.log_call(log).status == "queued"
    assert dialer.outbox.get(log.vendor_call_id).state == "completing"
    assert dialer.flush()[0].status == "delivered"
    assert len(_calls_with(dialer.client, item.task.id, log.vendor_call_id)) == 1


def test_log_kept_during_an_outage_is_delivered_once_by_a_later_process(wsgi_env, tmp_path):
    ava, item = _first_call(wsgi_env, tmp_path)
    log = CallLog.for_item(item, ava, outcome="Answered")
    first = Dialer(wsgi_env.client(transport=Down()), str(tmp_path / "outbox.sqlite"), rep=AVA)
    assert first.log_call(log).status == "queued"
    assert first.outbox.counts() == {"pending": 1}

    later = Dialer(wsgi_env.client(), str(tmp_path / "outbox.sqlite"), rep=AVA)
    assert [r.status for r in later.flush()] == ["delivered"]
    assert later.flush() == []
    assert len(_calls_with(later.client, item.task.id, log.vendor_call_id)) == 1
    assert later.client.tasks.get(item.task.id).state == "complete"


def test_same_log_twice_is_stored_once(env, tmp_path):
    dialer = _dialer(env, tmp_path)
    ava = env.user_id(AVA)
    item = dialer.load_call_queue(ava)[0]
    log = CallLog.for_item(item, ava, outcome="Answered")
    assert dialer.log_call(log).status == "delivered"
    assert dialer.log_call(log).status == "done"
    assert len(_calls_with(dialer.client, item.task.id, log.vendor_call_id)) == 1


def test_refused_log_is_kept_as_failed_not_retried_forever(env, tmp_path):
    dialer = _dialer(env, tmp_path)
    ava = env.user_id(AVA)
    item = dialer.load_call_queue(ava)[0]
    result = dialer.log_call(CallLog.for_item(item, ava, outcome="Maybe"))
    assert result.status == "failed"
    assert "validationError" in result.error
    assert dialer.outbox.counts() == {"failed": 1}
    assert dialer.client.tasks.get(item.task.id).state == "incomplete"


def test_call_without_task_is_deduplicated_by_user_and_prospect(wsgi_env, tmp_path):
    ava, item = _first_call(wsgi_env, tmp_path)
    flaky = DropAfterSend(wsgi_env.transport, "POST", "/api/v2/calls")
    dialer = _dialer(wsgi_env, tmp_path, transport=flaky)
    log = CallLog(user_id=ava, prospect_id=item.prospect.id, outcome="Answered")
    assert dialer.log_call(log).status == "queued"
    assert dialer.flush()[0].status == "delivered"
    calls = dialer.client.calls.list(
        filter={"user": {"id": ava}, "prospect": {"id": log.prospect_id}}
    )
    assert [c.vendor_call_id for c in calls].count(log.vendor_call_id) == 1
