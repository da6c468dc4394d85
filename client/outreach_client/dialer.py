"""Dialer operations: the just-in-time call queue and call logging through the durable outbox.

Exactly once without idempotency keys: every call log carries a unique `vendorCallId` and is
stored before anything is sent. A POST /calls is marked "sent" on disk before it leaves; when a
sent log is delivered again (the connection dropped, the process died), the calls of its task
are looked up first (`filter[task][id]`, or `filter[user][id]` + `filter[prospect][id]` when
there is no task: the only call filters Outreach allows, since `vendorCallId` is not filterable)
and matched on `vendorCallId` client-side. The task is read before `markComplete` is sent, so an
already complete task counts as done.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ReconnectRequired,
    ServerError,
)
from .models import Account, Sequence, SequenceState, SequenceStep, Task
from .outbox import Outbox
from .query import format_value

if TYPE_CHECKING:
    from .client import OutreachClient
    from .models import Prospect

QUEUE_INCLUDES = ("prospect", "account", "sequence", "sequenceStep", "sequenceState")
# Errors after which a log stays queued: the same request can succeed later.
TRANSIENT = (
    APIConnectionError,
    RateLimitError,
    ServerError,
    ReconnectRequired,
    AuthenticationError,
    PermissionDeniedError,
)


@dataclass
class CallQueueItem:
    """One call to make: the task and everything the rep sees while dialing."""

    task: Task
    prospect: Prospect | None
    account: Account | None
    sequence: Sequence | None
    step: SequenceStep | None
    state: SequenceState | None

    @classmethod
    def from_task(cls, task: Task) -> CallQueueItem:
        """Unpack a task read with `QUEUE_INCLUDES`."""
        account = task.account or (task.prospect.account if task.prospect else None)
        return cls(
            task, task.prospect, account, task.sequence, task.sequence_step, task.sequence_state
        )


@dataclass
class CallLog:
    """What the dialer records about one call; `vendor_call_id` makes delivery exactly once."""

    user_id: int
    prospect_id: int | None = None
    task_id: int | None = None
    direction: str = "outbound"
    outcome: str | None = None
    note: str | None = None
    dialed_at: datetime | None = None
    answered_at: datetime | None = None
    completed_at: datetime | None = None
    from_number: str | None = None
    to_number: str | None = None
    recording_url: str | None = None
    external_vendor: str | None = None
    vendor_call_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    call_disposition_id: int | None = None
    call_purpose_id: int | None = None
    phone_number_id: int | None = None
    sequence_id: int | None = None
    sequence_step_id: int | None = None
    sequence_state_id: int | None = None
    completion_note: str | None = None

    @classmethod
    def for_item(cls, item: CallQueueItem, user_id: int, **values: Any) -> CallLog:
        """A log for a queue item, linking its task, prospect and sequence."""
        task = item.task
        links = {
            "prospect_id": task.prospect_id,
            "task_id": task.id,
            "sequence_id": task.sequence_id,
            "sequence_step_id": task.sequence_step_id,
            "sequence_state_id": task.sequence_state_id,
        }
        return cls(user_id=user_id, **(links | values))

    def attributes(self) -> dict[str, Any]:
        """The call's attributes in Outreach's names (None left out)."""
        names = {
            "direction": self.direction,
            "outcome": self.outcome,
            "note": self.note,
            "dialedAt": self.dialed_at,
            "answeredAt": self.answered_at,
            "completedAt": self.completed_at,
            "from": self.from_number,
            "to": self.to_number,
            "recordingUrl": self.recording_url,
            "externalVendor": self.external_vendor,
            "vendorCallId": self.vendor_call_id,
        }
        return {k: _jsonable(v) for k, v in names.items() if v is not None}

    def relationships(self) -> dict[str, int]:
        """The call's relationships (None left out)."""
        names = {
            "prospect": self.prospect_id,
            "user": self.user_id,
            "task": self.task_id,
            "callDisposition": self.call_disposition_id,
            "callPurpose": self.call_purpose_id,
            "phoneNumber": self.phone_number_id,
            "sequence": self.sequence_id,
            "sequenceStep": self.sequence_step_id,
            "sequenceState": self.sequence_state_id,
        }
        return {k: v for k, v in names.items() if v is not None}

    def to_json(self) -> dict[str, Any]:
        """For the outbox."""
        return {k: _jsonable(v) for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CallLog:
        """Inverse of `to_json`."""
        times = ("dialed_at", "answered_at", "completed_at")
        return cls(
            **{k: datetime.fromisoformat(v) if k in times and v else v for k, v in data.items()}
        )


def _jsonable(value: Any) -> Any:
    return format_value(value) if isinstance(value, datetime) else value


@dataclass
class LogResult:
    """What became of one call log: "delivered", "queued" (kept for later) or "failed"."""

    vendor_call_id: str
    status: str
    call_id: int | None = None
    error: str | None = None
    exception: Exception | None = field(default=None, repr=False, compare=False)


class Dialer:
    """The canonical dialer flow for one rep on top of an `OutreachClient`."""

    def __init__(self, client: OutreachClient, outbox: Outbox | str, rep: str = "") -> None:
        self.client = client
        self.outbox = outbox if isinstance(outbox, Outbox) else Outbox(outbox)
        self.rep = rep or getattr(client.auth, "rep", "") or "default"

    def load_call_queue(
        self, rep_user_id: int, now: datetime | None = None, page_size: int = 100
    ) -> list[CallQueueItem]:
        """The rep's incomplete call tasks due by `now`, all pages, includes resolved."""
        now = now or datetime.now(UTC)
        tasks = self.client.tasks.list(
            filter={"owner": {"id": rep_user_id}, "state": "incomplete", "dueAt": (None, now)},
            include=QUEUE_INCLUDES,
            sort="dueAt",
            page_size=page_size,
        )
        # `action` is not filterable upstream, so calls are picked out here.
        return [CallQueueItem.from_task(task) for task in tasks if task.action == "call"]

    def refresh_task(self, task_id: int) -> CallQueueItem:
        """Re-read one task at dial time so that the rep sees fresh data."""
        return CallQueueItem.from_task(self.client.tasks.get(task_id, include=QUEUE_INCLUDES))

    def call_dispositions(self) -> list[Any]:
        """Every call disposition, in their order."""
        return list(self.client.call_dispositions.list(sort="order"))

    def call_purposes(self) -> list[Any]:
        """Every call purpose, in their order."""
        return list(self.client.call_purposes.list(sort="order"))

    def log_call(self, log: CallLog) -> LogResult:
        """Store the log on disk, then try to deliver it now (create call, complete task)."""
        self.outbox.add(log.vendor_call_id, self.rep, log.to_json())
        return self.deliver(log.vendor_call_id)

    def flush(self) -> list[LogResult]:
        """Try each of this rep's queued logs once, oldest first (all wait for a reconnect)."""
        results = []
        for entry in self.outbox.open_entries(self.rep):
            result = self.deliver(entry.vendor_call_id)
            results.append(result)
            if isinstance(result.exception, ReconnectRequired | APIConnectionError):
                break
        return results

    def deliver(self, vendor_call_id: str) -> LogResult:
        """Take one log from the outbox and push it as far as it goes."""
        entry = self.outbox.claim(vendor_call_id)
        if entry is None:
            current = self.outbox.get(vendor_call_id)
            status = current.state if current else "unknown"
            return LogResult(vendor_call_id, status, current.call_id if current else None)
        log = CallLog.from_json(entry.payload)
        call_id = entry.call_id
        try:
            if entry.state == "pending":
                call_id = self._create_call(log, entry.sent)
                self.outbox.mark_call_created(vendor_call_id, call_id)
            note = self._complete_task(log)
        except TRANSIENT as exc:
            self.outbox.release(vendor_call_id, repr(exc))
            return LogResult(vendor_call_id, "queued", call_id, repr(exc), exc)
        except APIError as exc:
            self.outbox.mark_failed(vendor_call_id, repr(exc))
            return LogResult(vendor_call_id, "failed", call_id, repr(exc), exc)
        except BaseException:
            self.outbox.release(vendor_call_id, "interrupted")
            raise
        self.outbox.mark_done(vendor_call_id, note)
        return LogResult(vendor_call_id, "delivered", call_id)

    def _create_call(self, log: CallLog, maybe_sent: bool) -> int:
        """POST /calls, unless an earlier attempt already created it."""
        if maybe_sent:
            existing = self._find_call(log)
            if existing is not None:
                return existing
        self.outbox.mark_sent(log.vendor_call_id)
        call = self.client.calls.create(log.attributes(), relationships=log.relationships())
        return call.id

    def _find_call(self, log: CallLog) -> int | None:
        """The id of a call already carrying this log's vendorCallId, if any."""
        if log.task_id is not None:
            filters: dict[str, Any] = {"task": {"id": log.task_id}}
        else:
            filters = {"user": {"id": log.user_id}}
            if log.prospect_id is not None:
                filters["prospect"] = {"id": log.prospect_id}
        for call in self.client.calls.list(filter=filters, page_size=100):
            if call.vendor_call_id == log.vendor_call_id:
                return call.id
        return None

    def _complete_task(self, log: CallLog) -> str | None:
        """markComplete the log's task unless it is already complete; a note when skipped."""
        if log.task_id is None:
            return None
        try:
            task = self.client.tasks.get(log.task_id)
        except NotFoundError:
            return "task no longer exists"
        if task.state == "complete":
            return None
        params = {"completionNote": log.completion_note} if log.completion_note else {}
        try:
            self.client.tasks.action(log.task_id, "markComplete", **params)
        except APIError as exc:
            if isinstance(exc, TRANSIENT) or self.client.tasks.get(log.task_id).state != "complete":
                raise
        return None
