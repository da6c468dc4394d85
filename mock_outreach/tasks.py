"""Task and sequence-state behaviour: completion, rescheduling and advancing sequences."""

from __future__ import annotations

from .behaviours import invalid, now, parse_when
from .resources import Actor, Resources
from .store import Record
from .values import InvalidValue, parse_id
from .writes import Write

ACTIVE, PAUSED, FINISHED = "active", "paused", "finished"
FINISH_ACTIONS = {"finish_no_reply": "no_reply", "finish_replied": "replied"}


def complete(svc: Resources, actor: Actor, task: Record, note: str | None = None,
             completion_action: str | None = None) -> Record:
    """Mark a task complete and, for a sequence task, move its sequence state on."""
    if task.attributes.get("state") == "complete":
        raise invalid("Task has already been completed.")
    stamp = now(svc)
    attrs = {"state": "complete", "completed": True, "completedAt": stamp,
             "stateChangedAt": stamp}
    if note:
        attrs["note"] = note
    links = {"completer": actor.user_id} if actor.user_id else {}
    updated = svc.apply("task", actor, task, attrs, links, action="completed")
    state_id = task.links.get("sequenceState")
    if state_id:
        state = svc.store.get("sequenceState", actor.org_id, state_id)
        if state is not None and state.attributes.get("state") == ACTIVE:
            advance_state(svc, actor, state, completion_action)
    return updated


def advance_state(svc: Resources, actor: Actor, state: Record,
                  completion_action: str | None) -> Record:
    """Move a sequence state to its next step, or finish it when none is left."""
    if completion_action in FINISH_ACTIONS:
        return finish(svc, actor, state, reason=FINISH_ACTIONS[completion_action])
    nxt = next_step(svc, actor, state)
    if nxt is None:
        return finish(svc, actor, state, reason="completed")
    return svc.apply("sequenceState", actor, state, {"stateChangedAt": now(svc)},
                     {"sequenceStep": nxt}, action="advanced")


def next_step(svc: Resources, actor: Actor, state: Record) -> int | None:
    current = svc.store.get("sequenceStep", actor.org_id, state.links.get("sequenceStep") or 0)
    order = (current.attributes.get("order") or 0) if current else -1
    rows = svc.store.query(
        'SELECT id FROM r_sequenceStep WHERE org_id = ? AND "sequence.id" = ? AND "order" > ? '
        'ORDER BY "order", id LIMIT 1',
        (actor.org_id, state.links.get("sequence"), order))
    return rows[0][0] if rows else None


def finish(svc: Resources, actor: Actor, state: Record, reason: str = "manual") -> Record:
    attrs = {"state": FINISHED, "stateChangedAt": now(svc)}
    if reason == "replied":
        attrs["repliedAt"] = now(svc)
    return svc.apply("sequenceState", actor, state, attrs, action="finished")


def derive_subject_links(svc: Resources, actor: Actor, write: Write) -> None:
    """A task's read-only prospect and account links follow its writable `subject`."""
    if "subject" not in write.links:
        return
    kind, subject_id = write.links["subject"] or (None, None)
    prospect = svc.store.get("prospect", actor.org_id, subject_id) if kind == "prospect" else None
    write.links["prospect"] = prospect.id if prospect else None
    links = prospect.links if prospect else {}
    account = subject_id if kind == "account" else links.get("account")
    write.links["account"] = write.links.get("account") or account
    write.links.update(prospectAccount=links.get("account"), prospectOwner=links.get("owner"),
                       prospectStage=links.get("stage"),
                       prospectPhoneNumbers=links.get("phoneNumbers") or [])


def latest_call_of_task(svc: Resources, actor: Actor, task_id: int | None) -> None:
    """A task's `call` is the latest call logged against it (its `calls` link lists them all)."""
    if not task_id or not svc.store.exists("task", actor.org_id, task_id):
        return
    rows = svc.store.query('SELECT max(id) FROM r_call WHERE org_id = ? AND "task.id" = ?',
                           (actor.org_id, task_id))
    svc.store.update("task", actor.org_id, task_id, {}, {"call": rows[0][0]})


class TaskHooks:
    """Tasks start incomplete; actions change state, due date, owner and note."""

    @staticmethod
    def before_create(svc: Resources, actor: Actor, write: Write) -> None:
        attrs = write.attributes
        attrs.setdefault("action", "action_item")
        attrs.update(state="incomplete", completed=False)
        attrs.setdefault("stateChangedAt", attrs.get("createdAt") or now(svc))
        attrs.setdefault("taskType", "manual")
        if actor.user_id:
            write.links.setdefault("owner", actor.user_id)
        derive_subject_links(svc, actor, write)

    @staticmethod
    def before_update(svc: Resources, actor: Actor, record: Record, write: Write) -> None:
        derive_subject_links(svc, actor, write)

    @staticmethod
    def action_markComplete(svc, actor, task, params):
        return complete(svc, actor, task, params.get("completionNote"),
                        params.get("completionAction"))

    @staticmethod
    def action_logMeetInPerson(svc, actor, task, params):
        return complete(svc, actor, task, params.get("completionNote"))

    @staticmethod
    def action_advance(svc, actor, task, params):
        return complete(svc, actor, task)

    @staticmethod
    def action_deliver(svc, actor, task, params):
        return complete(svc, actor, task)

    @staticmethod
    def action_snooze(svc, actor, task, params):
        return TaskHooks._reschedule(svc, actor, task, params)

    @staticmethod
    def action_reschedule(svc, actor, task, params):
        return TaskHooks._reschedule(svc, actor, task, params)

    @staticmethod
    def _reschedule(svc: Resources, actor: Actor, task: Record, params: dict[str, str]) -> Record:
        if task.attributes.get("state") == "complete":
            raise invalid("A completed task cannot be rescheduled.")
        return svc.apply("task", actor, task, {"dueAt": parse_when(params.get("dueAt"), "dueAt")})

    @staticmethod
    def action_reassignOwner(svc, actor, task, params):
        try:
            owner = parse_id(params.get("ownerId") or "")
        except InvalidValue as exc:
            raise invalid("actionParams[ownerId] must be a user id.") from exc
        if not svc.store.exists("user", actor.org_id, owner):
            raise invalid(f"Could not find 'user' with ID '{owner}'.")
        return svc.apply("task", actor, task, {}, {"owner": owner})

    @staticmethod
    def action_updateNote(svc, actor, task, params):
        return svc.apply("task", actor, task, {"note": params.get("note")})

    @staticmethod
    def action_updateOpportunityAssociation(svc, actor, task, params):
        value = params.get("opportunityAssociation")
        allowed = svc.registry["task"].attributes["opportunityAssociation"].enum or ()
        if value not in allowed:
            raise invalid(f"opportunityAssociation must be one of {', '.join(allowed)}.")
        return svc.apply("task", actor, task, {"opportunityAssociation": value})


class SequenceStateHooks:
    """A prospect's enrolment: starts active on the sequence's first step."""

    @staticmethod
    def before_create(svc: Resources, actor: Actor, write: Write) -> None:
        for name in ("prospect", "sequence"):
            if not write.links.get(name):
                raise invalid(f"{name.capitalize()} can't be blank.",
                              f"/data/relationships/{name}")
        stamp = now(svc)
        write.attributes.update(state=ACTIVE, stateChangedAt=stamp, activeAt=stamp)
        rows = svc.store.query(
            'SELECT id FROM r_sequenceStep WHERE org_id = ? AND "sequence.id" = ? '
            'ORDER BY "order", id LIMIT 1', (actor.org_id, write.links["sequence"]))
        if rows:
            write.links["sequenceStep"] = rows[0][0]
        if actor.user_id:
            write.links.setdefault("user", actor.user_id)

    @staticmethod
    def action_pause(svc, actor, state, params):
        if state.attributes.get("state") != ACTIVE:
            raise invalid("Only an active sequence state can be paused.")
        return svc.apply("sequenceState", actor, state,
                         {"state": PAUSED, "stateChangedAt": now(svc), "pauseReason": "manual"})

    @staticmethod
    def action_resume(svc, actor, state, params):
        if state.attributes.get("state") != PAUSED:
            raise invalid("Only a paused sequence state can be resumed.")
        return svc.apply("sequenceState", actor, state,
                         {"state": ACTIVE, "stateChangedAt": now(svc), "pauseReason": None})

    @staticmethod
    def action_finish(svc, actor, state, params):
        if state.attributes.get("state") not in (ACTIVE, PAUSED):
            raise invalid("Only an active or paused sequence state can be finished.")
        return finish(svc, actor, state)
