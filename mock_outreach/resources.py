"""Generic create / update / delete / action on any registered type, with per-type hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import BadRequest, NotFound
from .registry import Registry, ResourceType
from .store import Record, Store
from .writes import Write


@dataclass(frozen=True)
class Actor:
    """Who is acting: the org whose data is touched and the user behind the token."""

    org_id: int
    user_id: int | None = None


@dataclass
class Change:
    """One thing that happened to a resource; webhooks and events listen for these."""

    type: str
    action: str  # created | updated | destroyed | completed | advanced | finished | ...
    record: Record
    changed: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    previous: Record | None = None  # the record before an update, for changed linkage


Listener = Callable[[Change], None]


class Resources:
    """The model layer: every write goes through here, so side effects happen in one place."""

    def __init__(self, store: Store, hooks: dict[str, Any]):
        self.store = store
        self.registry: Registry = store.registry
        self.hooks = hooks
        self.listeners: list[Listener] = []

    def hook(self, rtype: ResourceType, name: str) -> Callable[..., Any] | None:
        return getattr(self.hooks.get(rtype.name), name, None)

    def find(self, rtype: ResourceType, actor: Actor, record_id: int) -> Record:
        record = self.store.get(rtype.name, actor.org_id, record_id)
        if record is None:
            raise NotFound(f"Could not find '{rtype.name}' with ID '{record_id}'.")
        return record

    def create(self, rtype: ResourceType, actor: Actor, write: Write) -> Record:
        with self.store.transaction():
            self._stamp_people(rtype, actor, write, creating=True)
            if hook := self.hook(rtype, "before_create"):
                hook(self, actor, write)
            record = self.store.insert(rtype.name, actor.org_id, write.attributes, write.links)
            if hook := self.hook(rtype, "after_write"):
                record = hook(self, actor, record, write, None) or record
            changed = self._changed(record, write)
            for action in ("created", *write.followups):
                self.emit(Change(rtype.name, action, record, changed=changed))
            return record

    def update(self, rtype: ResourceType, actor: Actor, record: Record, write: Write) -> Record:
        with self.store.transaction():
            self._stamp_people(rtype, actor, write, creating=False)
            if hook := self.hook(rtype, "before_update"):
                hook(self, actor, record, write)
            updated = self.store.update(rtype.name, actor.org_id, record.id, write.attributes,
                                        write.links)
            if hook := self.hook(rtype, "after_write"):
                updated = hook(self, actor, updated, write, record) or updated
            changed = {k: v for k, v in self._changed(updated, write).items()
                       if record.attributes.get(k) != v or k == "updatedAt"}
            before = {k: record.attributes.get(k) for k in changed}
            for action in ("updated", *write.followups):
                self.emit(Change(rtype.name, action, updated, changed=changed, before=before,
                                 previous=record))
            return updated

    def delete(self, rtype: ResourceType, actor: Actor, record: Record) -> None:
        with self.store.transaction():
            if hook := self.hook(rtype, "before_delete"):
                hook(self, actor, record)
            self.store.delete(rtype.name, actor.org_id, record.id)
            if hook := self.hook(rtype, "after_delete"):
                hook(self, actor, record)
            self.emit(Change(rtype.name, "destroyed", record, changed=dict(record.attributes)))

    def action(self, rtype: ResourceType, actor: Actor, record: Record, name: str,
               params: dict[str, str]) -> Record:
        allowed = rtype.actions[name]
        unknown = set(params) - set(allowed)
        if unknown:
            raise BadRequest(f"Unacceptable action parameter(s) for {name}: "
                             f"{', '.join(sorted(unknown))}.", parameter="actionParams",
                             error_id="actionParams.unknown")
        handler = getattr(self.hooks.get(rtype.name), f"action_{name}", None)
        with self.store.transaction():
            if handler is None:
                # Actions with no state the API exposes are recorded as having happened.
                self.store.execute(
                    "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                    "SET value = excluded.value",
                    (f"action:{rtype.name}:{record.id}:{name}", '"performed"'))
                return record
            return handler(self, actor, record, params)

    def _stamp_people(self, rtype: ResourceType, actor: Actor, write: Write,
                      creating: bool) -> None:
        """Fill the read-only creator / updater links from the acting user."""
        if actor.user_id is None:
            return
        for name in ("creator", "updater"):
            rel = rtype.relationships.get(name)
            if rel is None or "user" not in rel.targets or (name == "creator" and not creating):
                continue
            write.links.setdefault(name, ("user", actor.user_id) if rel.polymorphic
                                   else actor.user_id)

    def _changed(self, record: Record, write: Write) -> dict[str, Any]:
        names = set(write.attributes) | {"createdAt", "updatedAt"}
        return {k: v for k, v in record.attributes.items() if k in names and v is not None}

    def emit(self, change: Change) -> None:
        for listener in self.listeners:
            listener(change)

    def apply(self, type_name: str, actor: Actor, record: Record, attributes: dict[str, Any],
              links: dict[str, Any] | None = None, action: str | None = None) -> Record:
        """An internal update (side effect of an action); emits `updated` and the action."""
        rtype = self.registry[type_name]
        updated = self.store.update(type_name, actor.org_id, record.id, attributes, links or {})
        changed = {k: updated.attributes.get(k) for k in [*attributes, "updatedAt"]
                   if k in updated.attributes}
        before = {k: record.attributes.get(k) for k in changed}
        self.emit(Change(rtype.name, "updated", updated, changed=changed, before=before,
                         previous=record))
        if action:
            self.emit(Change(rtype.name, action, updated, changed=changed, before=before,
                             previous=record))
        return updated
