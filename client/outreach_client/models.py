"""Typed models of the resources a dialer reads, with included resources resolved."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, Self

from .jsonapi import Document, Resource


def attr(key: str | None = None, *, kind: str | None = None) -> Any:
    """An attribute field; `key` defaults to the camelCase of the field name."""
    return field(default=None, metadata={"attr": key, "kind": kind})


def rel(key: str | None = None, *, many: bool = False) -> Any:
    """A relationship resolved from `included` (None, or [], when it was not included)."""
    return field(
        default_factory=list if many else lambda: None,
        metadata={"rel": key, "many": many},
        repr=False,
    )


def rel_id(key: str) -> Any:
    """The id of a to-one relationship, whether or not it was included."""
    return field(default=None, metadata={"rel_id": key})


def _camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _convert(value: Any, kind: str | None) -> Any:
    if value is None or kind is None:
        return value
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    return value


@dataclass(kw_only=True)
class Model:
    """Any Outreach resource; subclasses add typed attributes and resolved relationships."""

    type: str = ""
    id: int
    attributes: dict[str, Any] = field(default_factory=dict, repr=False)
    relationships: dict[str, Any] = field(default_factory=dict, repr=False)
    links: dict[str, Any] = field(default_factory=dict, repr=False)
    meta: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_resource(cls, res: Resource, doc: Document | None = None, depth: int = 2) -> Self:
        """Build from a resource object; resolve relationships from `doc.included` to `depth`."""
        values: dict[str, Any] = {}
        for spec in fields(cls):
            meta = spec.metadata
            if "attr" in meta:
                value = res.attributes.get(meta["attr"] or _camel(spec.name))
                values[spec.name] = _convert(value, meta["kind"])
            elif "rel_id" in meta:
                values[spec.name] = res.related_id(meta["rel_id"])
            elif "rel" in meta and doc is not None and depth > 0:
                values[spec.name] = _resolve(res, meta, spec.name, doc, depth - 1)
        return cls(
            type=res.type,
            id=res.id,
            attributes=res.attributes,
            relationships=res.relationships,
            links=res.links,
            meta=res.meta,
            **values,
        )

    def related_id(self, name: str) -> int | None:
        """The id of any to-one relationship by its JSON:API name."""
        return Resource(self.type, self.id, relationships=self.relationships).related_id(name)


def _resolve(res: Resource, meta: Any, name: str, doc: Document, depth: int) -> Any:
    linkage = res.linkage(meta["rel"] or _camel(name))
    if meta["many"]:
        found = [doc.lookup(item) for item in linkage or []]
        return [to_model(item, doc, depth) for item in found if item is not None]
    target = doc.lookup(linkage)
    return to_model(target, doc, depth) if target is not None else None


def to_model(res: Resource, doc: Document | None = None, depth: int = 2) -> Model:
    """The typed model for a resource (plain `Model` for types without one)."""
    return MODELS.get(res.type, Model).from_resource(res, doc, depth)


@dataclass(kw_only=True)
class User(Model):
    """An Outreach user: a rep who owns tasks and makes calls."""

    email: str | None = attr()
    first_name: str | None = attr()
    last_name: str | None = attr()
    name: str | None = attr()
    title: str | None = attr()
    phone_number: str | None = attr()
    locked: bool | None = attr()


@dataclass(kw_only=True)
class Account(Model):
    """A company prospects belong to."""

    name: str | None = attr()
    domain: str | None = attr()
    website_url: str | None = attr()
    industry: str | None = attr()
    locality: str | None = attr()
    number_of_employees: int | None = attr()
    named: bool | None = attr()
    owner_id: int | None = rel_id("owner")


@dataclass(kw_only=True)
class PhoneNumber(Model):
    """A prospect's phone number resource; calls link to it."""

    number: str | None = attr()
    raw_number: str | None = attr()
    phone_type: str | None = attr()
    country_code: str | None = attr()
    extension: str | None = attr()
    order: int | None = attr()
    status: str | None = attr()
    prospect_id: int | None = rel_id("prospect")


@dataclass(kw_only=True)
class Prospect(Model):
    """A person a rep calls: names, job, phones, emails, company."""

    first_name: str | None = attr()
    last_name: str | None = attr()
    name: str | None = attr()
    title: str | None = attr()
    company: str | None = attr()
    emails: list[str] | None = attr()
    mobile_phones: list[str] | None = attr()
    work_phones: list[str] | None = attr()
    home_phones: list[str] | None = attr()
    other_phones: list[str] | None = attr()
    voip_phones: list[str] | None = attr()
    time_zone: str | None = attr()
    call_opted_out: bool | None = attr()
    account_id: int | None = rel_id("account")
    owner_id: int | None = rel_id("owner")
    account: Account | None = rel()
    phone_numbers: list[PhoneNumber] = rel("phoneNumbers", many=True)

    @property
    def phones(self) -> list[str]:
        """Every phone number string, mobile first."""
        groups = (self.mobile_phones, self.work_phones, self.home_phones, self.voip_phones)
        return [number for group in (*groups, self.other_phones) for number in group or []]


@dataclass(kw_only=True)
class Sequence(Model):
    """An automated series of steps prospects are enrolled in."""

    name: str | None = attr()
    description: str | None = attr()
    enabled: bool | None = attr()
    locked: bool | None = attr()
    sequence_type: str | None = attr()
    sequence_step_count: int | None = attr()


@dataclass(kw_only=True)
class SequenceStep(Model):
    """One step of a sequence (a call step for a dialer)."""

    step_type: str | None = attr()
    order: int | None = attr()
    display_name: str | None = attr()
    interval: int | None = attr()
    task_note: str | None = attr()
    sequence_id: int | None = rel_id("sequence")
    call_purpose_id: int | None = rel_id("callPurpose")


@dataclass(kw_only=True)
class SequenceState(Model):
    """A prospect's enrollment in a sequence, and where it stands."""

    state: str | None = attr()
    state_changed_at: datetime | None = attr(kind="datetime")
    call_completed_at: datetime | None = attr(kind="datetime")
    prospect_id: int | None = rel_id("prospect")
    sequence_id: int | None = rel_id("sequence")
    sequence_step_id: int | None = rel_id("sequenceStep")


@dataclass(kw_only=True)
class CallDisposition(Model):
    """What happened on a call (e.g. "Meeting Scheduled")."""

    name: str | None = attr()
    outcome: str | None = attr()
    order: int | None = attr()


@dataclass(kw_only=True)
class CallPurpose(Model):
    """Why a call was made (e.g. "Initial Contact")."""

    name: str | None = attr()
    order: int | None = attr()


@dataclass(kw_only=True)
class Task(Model):
    """A to-do for a rep; `action == "call"` ones fill the dialer's queue."""

    action: str | None = attr()
    state: str | None = attr()
    task_type: str | None = attr()
    completed: bool | None = attr()
    note: str | None = attr()
    due_at: datetime | None = attr(kind="datetime")
    completed_at: datetime | None = attr(kind="datetime")
    owner_id: int | None = rel_id("owner")
    prospect_id: int | None = rel_id("prospect")
    account_id: int | None = rel_id("account")
    sequence_id: int | None = rel_id("sequence")
    sequence_step_id: int | None = rel_id("sequenceStep")
    sequence_state_id: int | None = rel_id("sequenceState")
    prospect: Prospect | None = rel()
    account: Account | None = rel()
    sequence: Sequence | None = rel()
    sequence_step: SequenceStep | None = rel()
    sequence_state: SequenceState | None = rel()


@dataclass(kw_only=True)
class Call(Model):
    """A logged call."""

    direction: str | None = attr()
    outcome: str | None = attr()
    note: str | None = attr()
    from_: str | None = attr("from")
    to: str | None = attr()
    recording_url: str | None = attr()
    external_vendor: str | None = attr()
    vendor_call_id: str | None = attr()
    dialed_at: datetime | None = attr(kind="datetime")
    answered_at: datetime | None = attr(kind="datetime")
    completed_at: datetime | None = attr(kind="datetime")
    prospect_id: int | None = rel_id("prospect")
    user_id: int | None = rel_id("user")
    task_id: int | None = rel_id("task")
    call_disposition_id: int | None = rel_id("callDisposition")
    call_purpose_id: int | None = rel_id("callPurpose")


MODELS: dict[str, type[Model]] = {
    "user": User,
    "account": Account,
    "phoneNumber": PhoneNumber,
    "prospect": Prospect,
    "sequence": Sequence,
    "sequenceStep": SequenceStep,
    "sequenceState": SequenceState,
    "callDisposition": CallDisposition,
    "callPurpose": CallPurpose,
    "task": Task,
    "call": Call,
}
