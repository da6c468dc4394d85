"""Per-type side effects Outreach documents: derived names, phone sync, sequence actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from .clock import canonical, iso
from .errors import ValidationFailed
from .resources import Actor, Change, Resources
from .store import Record
from .writes import Write

PHONE_FIELDS = {"workPhones": "work", "mobilePhones": "mobile", "homePhones": "home",
                "otherPhones": "other", "voipPhones": "voip"}
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
WEBHOOK_ACTIONS = {
    "*": {"*", "created", "updated", "destroyed"},
    "account": {"*", "created", "updated", "destroyed"},
    "call": {"*", "created", "updated", "destroyed"},
    "emailAddress": {"*", "created", "updated", "destroyed"},
    "opportunity": {"*", "created", "updated", "destroyed"},
    "opportunityProspectRole": {"*", "created", "updated", "destroyed"},
    "prospect": {"*", "created", "updated", "destroyed"},
    "sequence": {"*", "created", "updated", "destroyed"},
    "mailing": {"*", "created", "updated", "destroyed", "bounced", "delivered", "opened",
                "replied"},
    "sequenceState": {"*", "created", "updated", "destroyed", "advanced", "finished"},
    "task": {"*", "created", "updated", "destroyed", "completed"},
    "import": {"*", "created", "finished"},
    "kaiaRecording": {"*", "created"},
    "user": {"*", "created", "updated"},
}


def now(svc: Resources) -> str:
    return iso(svc.store.clock.now())


def invalid(detail: str, pointer: str | None = None) -> ValidationFailed:
    return ValidationFailed(detail, pointer=pointer)


def full_name(write: Write, record: Record | None) -> None:
    """`name` is derived from first and last name (read-only upstream)."""
    if not {"firstName", "lastName"} & set(write.attributes):
        return
    old = record.attributes if record else {}
    first = write.attributes.get("firstName", old.get("firstName")) or ""
    last = write.attributes.get("lastName", old.get("lastName")) or ""
    write.attributes["name"] = f"{first} {last}".strip() or None


class UserHooks:
    """A user's `name` derives from first and last name."""

    @staticmethod
    def before_create(svc: Resources, actor: Actor, write: Write) -> None:
        full_name(write, None)

    @staticmethod
    def before_update(svc: Resources, actor: Actor, record: Record, write: Write) -> None:
        full_name(write, record)


def keeps_parent_in_step(link: str, sync: Callable[[Resources, Actor, int | None], None]) -> type:
    """Hooks for a child type whose parent (through `link`) derives something from its children:
    after any write or delete, the parent it has (and the one it had) is brought up to date."""

    class Hooks:
        @staticmethod
        def after_write(svc: Resources, actor: Actor, record: Record, write: Write,
                        before: Record | None) -> None:
            parents = {record.links.get(link), before.links.get(link) if before else None}
            for parent in parents - {None}:
                sync(svc, actor, parent)

        @staticmethod
        def after_delete(svc: Resources, actor: Actor, record: Record) -> None:
            sync(svc, actor, record.links.get(link))

    return Hooks


class ProspectHooks(UserHooks):
    """Names derive from first/last; phone arrays and phoneNumber records stay in step."""

    @staticmethod
    def after_write(svc: Resources, actor: Actor, record: Record, write: Write,
                    before: Record | None) -> Record | None:
        if not set(PHONE_FIELDS) & set(write.attributes):
            return None
        wanted = [(kind, number) for field, kind in PHONE_FIELDS.items()
                  for number in (record.attributes.get(field) or [])]
        existing = svc.store.get_many("phoneNumber", actor.org_id,
                                      record.links.get("phoneNumbers") or [])
        keep = []
        for phone in existing:
            key = (phone.attributes.get("phoneType"), phone.attributes.get("number"))
            if key in wanted:
                wanted.remove(key)
                keep.append(phone.id)
            else:
                svc.store.delete("phoneNumber", actor.org_id, phone.id)
        for order, (kind, number) in enumerate(wanted, start=len(keep)):
            phone = svc.store.insert("phoneNumber", actor.org_id,
                                     {"phoneType": kind, "number": number, "rawNumber": number,
                                      "order": order}, {"prospect": record.id})
            keep.append(phone.id)
        return svc.store.update("prospect", actor.org_id, record.id, {},
                                {"phoneNumbers": keep})


def sync_phones_from_numbers(svc: Resources, actor: Actor, prospect_id: int | None) -> None:
    """Rebuild a prospect's phone arrays from its phoneNumber records."""
    if prospect_id is None or not svc.store.exists("prospect", actor.org_id, prospect_id):
        return
    rows = svc.store.query('SELECT id FROM r_phoneNumber WHERE org_id = ? AND "prospect.id" = ? '
                           'ORDER BY "order", id', (actor.org_id, prospect_id))
    phones = svc.store.get_many("phoneNumber", actor.org_id, [r[0] for r in rows])
    phones.sort(key=lambda p: (p.attributes.get("order") or 0, p.id))
    arrays: dict[str, list[str]] = {field: [] for field in PHONE_FIELDS}
    by_kind = {kind: field for field, kind in PHONE_FIELDS.items()}
    for phone in phones:
        field = by_kind.get(phone.attributes.get("phoneType") or "", "otherPhones")
        if phone.attributes.get("number"):
            arrays[field].append(phone.attributes["number"])
    svc.store.update("prospect", actor.org_id, prospect_id, dict(arrays),
                     {"phoneNumbers": [p.id for p in phones]})


PhoneNumberHooks = keeps_parent_in_step("prospect", sync_phones_from_numbers)


class WebhookHooks:
    """Outreach requires https; http is accepted on loopback so that local receivers work."""

    @staticmethod
    def before_create(svc: Resources, actor: Actor, write: Write) -> None:
        write.attributes.setdefault("resource", "*")
        write.attributes.setdefault("action", "*")
        write.attributes.setdefault("active", True)
        write.attributes.setdefault("payloadVersion", 1)
        if not write.attributes.get("url"):
            raise invalid("Url can't be blank.", "/data/attributes/url")
        WebhookHooks.check(write.attributes)

    @staticmethod
    def before_update(svc: Resources, actor: Actor, record: Record, write: Write) -> None:
        WebhookHooks.check({**record.attributes, **write.attributes})
        write.attributes["disabledUntil"] = None
        if write.attributes.get("active") is True:  # re-enabling clears an automatic disable
            write.attributes.update(disabledReason=None, disabledSince=None)

    @staticmethod
    def check(attrs: dict[str, Any]) -> None:
        url = urlparse(attrs.get("url") or "")
        loopback = url.scheme == "http" and (url.hostname or "") in LOOPBACK_HOSTS
        if not (url.scheme == "https" and url.hostname) and not loopback:
            raise invalid("Url must be a valid HTTPS URL.", "/data/attributes/url")
        actions = WEBHOOK_ACTIONS.get(attrs.get("resource") or "")
        if actions is None:
            raise invalid(f"Resource '{attrs.get('resource')}' does not send webhooks.",
                          "/data/attributes/resource")
        if attrs.get("action") not in actions:
            raise invalid(f"Action '{attrs.get('action')}' is not available for "
                          f"'{attrs.get('resource')}'.", "/data/attributes/action")
        if attrs.get("payloadVersion") not in (1, 2):
            raise invalid("Payload version must be 1 or 2.", "/data/attributes/payloadVersion")


MAILING_EVENTS = {"bounced": "bouncedAt", "delivered": "deliveredAt", "opened": "openedAt",
                  "replied": "repliedAt"}


class MailingHooks:
    """A mailing written as bounced / delivered / opened / replied is stamped and emits that
    event (the API has no PATCH for mailings, so this happens when one is created)."""

    @staticmethod
    def before_create(svc: Resources, actor: Actor, write: Write) -> None:
        state = write.attributes.get("state")
        if state:
            write.attributes.setdefault("stateChangedAt", now(svc))
        if state in MAILING_EVENTS:
            write.attributes.setdefault(MAILING_EVENTS[state], now(svc))
            write.followups.append(state)


def toggle(enabled: bool):
    """An activate / deactivate action for sequences and sequence templates."""

    def action(svc: Resources, actor: Actor, record: Record, params: dict[str, str]) -> Record:
        stamp = now(svc) if enabled else record.attributes.get("enabledAt")
        return svc.apply(record.type, actor, record, {"enabled": enabled, "enabledAt": stamp})

    return action


class SequenceHooks:
    action_activate = staticmethod(toggle(True))
    action_deactivate = staticmethod(toggle(False))


SequenceTemplateHooks = SequenceHooks


def hooks_table() -> dict[str, Any]:
    """The per-type hook objects, keyed by JSON:API type."""
    from .tasks import SequenceStateHooks, TaskHooks, latest_call_of_task

    return {
        "user": UserHooks, "prospect": ProspectHooks, "phoneNumber": PhoneNumberHooks,
        "webhook": WebhookHooks, "sequence": SequenceHooks,
        "sequenceTemplate": SequenceTemplateHooks, "task": TaskHooks,
        "sequenceState": SequenceStateHooks, "mailing": MailingHooks,
        "call": keeps_parent_in_step("task", latest_call_of_task),
    }


def parse_when(value: str | None, name: str) -> str:
    if not value:
        raise invalid(f"actionParams[{name}] is required.")
    try:
        return canonical(value)
    except (ValueError, OverflowError, OSError) as exc:
        raise invalid(f"actionParams[{name}] must be an ISO-8601 date-time.") from exc


__all__ = ["Change", "hooks_table", "parse_when"]
