"""One API object per resource type: get, list, create, update, delete and member actions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .jsonapi import Document, Resource, resource_body
from .models import (
    Account,
    Call,
    CallDisposition,
    CallPurpose,
    Model,
    PhoneNumber,
    Prospect,
    Sequence,
    SequenceState,
    SequenceStep,
    Task,
    User,
    to_model,
)
from .pagination import AsyncPaginator, Paginator
from .query import action_params, list_params, read_params

if TYPE_CHECKING:
    from .client import AsyncOutreachClient, OutreachClient

M = TypeVar("M", bound=Model)

# (client attribute, collection path, JSON:API type, model): the 17 types a dialer uses.
RESOURCES: tuple[tuple[str, str, str, type[Model]], ...] = (
    ("users", "users", "user", User),
    ("calls", "calls", "call", Call),
    ("accounts", "accounts", "account", Account),
    ("webhooks", "webhooks", "webhook", Model),
    ("teams", "teams", "team", Model),
    ("prospects", "prospects", "prospect", Prospect),
    ("mailboxes", "mailboxes", "mailbox", Model),
    ("phone_numbers", "phoneNumbers", "phoneNumber", PhoneNumber),
    ("call_dispositions", "callDispositions", "callDisposition", CallDisposition),
    ("call_purposes", "callPurposes", "callPurpose", CallPurpose),
    ("events", "events", "event", Model),
    ("tasks", "tasks", "task", Task),
    ("mailings", "mailings", "mailing", Model),
    ("sequences", "sequences", "sequence", Sequence),
    ("sequence_templates", "sequenceTemplates", "sequenceTemplate", Model),
    ("sequence_steps", "sequenceSteps", "sequenceStep", SequenceStep),
    ("sequence_states", "sequenceStates", "sequenceState", SequenceState),
)

Names = str | Iterable[str] | None
Fields = Mapping[str, str | Iterable[str]] | None


def _convert(res: Resource, doc: Document) -> Model:
    return to_model(res, doc)


def _single(doc: Document | None) -> Any:
    if doc is None or not isinstance(doc.data, Resource):
        return None
    return to_model(doc.data, doc)


class _Base:
    """Paths and bodies shared by the sync and async APIs of one resource type."""

    def __init__(self, client: Any, path: str, type_name: str) -> None:
        self._client = client
        self.path = path
        self.type = type_name

    def _member(self, id: int) -> str:
        return f"/{self.path}/{int(id)}"

    def _body(self, attributes: Any, relationships: Any, id: int | None = None) -> dict:
        return resource_body(self.type, attributes, relationships, id)


class ResourceAPI(_Base, Generic[M]):
    """`client.<type>`: CRUD and actions on one resource type, returning typed models."""

    _client: OutreachClient

    def get(self, id: int, *, include: Names = None, fields: Fields = None) -> M:
        """One resource by id, with `include`d relationships resolved."""
        params = read_params(include=include, fields=fields)
        return _single(self._client.request("GET", self._member(id), params=params))

    def list(
        self,
        *,
        filter: Mapping[str, Any] | None = None,
        sort: Names = None,
        include: Names = None,
        fields: Fields = None,
        page_size: int | None = None,
        new_filter_syntax: bool = False,
        count: bool | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Paginator[M]:
        """Every matching resource, fetched page by page as you iterate."""
        query = list_params(
            filter=filter,
            new_filter_syntax=new_filter_syntax,
            sort=sort,
            include=include,
            fields=fields,
            page_size=page_size,
            count=count,
            extra=params,
        )
        return Paginator(self._client, f"/{self.path}", query, _convert)

    def create(
        self, attributes: Mapping[str, Any] | None = None, *, relationships: Any = None
    ) -> M:
        """Create a resource (201); relationships map names to ids, models or (type, id)."""
        body = self._body(attributes, relationships)
        return _single(self._client.request("POST", f"/{self.path}", body=body))

    def update(
        self, id: int, attributes: Mapping[str, Any] | None = None, *, relationships: Any = None
    ) -> M:
        """Change only the given attributes and relationships."""
        body = self._body(attributes, relationships, id)
        return _single(self._client.request("PATCH", self._member(id), body=body))

    def delete(self, id: int) -> None:
        """Delete a resource (204)."""
        self._client.request("DELETE", self._member(id))

    def action(self, id: int, name: str, **params: Any) -> M | None:
        """Run a member action: `client.tasks.action(1, "markComplete", completionNote="x")`."""
        path = f"{self._member(id)}/actions/{name}"
        return _single(self._client.request("POST", path, params=action_params(params)))


class AsyncResourceAPI(_Base, Generic[M]):
    """Async twin of `ResourceAPI`."""

    _client: AsyncOutreachClient

    async def get(self, id: int, *, include: Names = None, fields: Fields = None) -> M:
        """One resource by id, with `include`d relationships resolved."""
        params = read_params(include=include, fields=fields)
        return _single(await self._client.request("GET", self._member(id), params=params))

    def list(
        self,
        *,
        filter: Mapping[str, Any] | None = None,
        sort: Names = None,
        include: Names = None,
        fields: Fields = None,
        page_size: int | None = None,
        new_filter_syntax: bool = False,
        count: bool | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncPaginator[M]:
        """Every matching resource: `async for item in client.tasks.list(...)`."""
        query = list_params(
            filter=filter,
            new_filter_syntax=new_filter_syntax,
            sort=sort,
            include=include,
            fields=fields,
            page_size=page_size,
            count=count,
            extra=params,
        )
        return AsyncPaginator(self._client, f"/{self.path}", query, _convert)

    async def create(
        self, attributes: Mapping[str, Any] | None = None, *, relationships: Any = None
    ) -> M:
        """Create a resource (201)."""
        body = self._body(attributes, relationships)
        return _single(await self._client.request("POST", f"/{self.path}", body=body))

    async def update(
        self, id: int, attributes: Mapping[str, Any] | None = None, *, relationships: Any = None
    ) -> M:
        """Change only the given attributes and relationships."""
        body = self._body(attributes, relationships, id)
        return _single(await self._client.request("PATCH", self._member(id), body=body))

    async def delete(self, id: int) -> None:
        """Delete a resource (204)."""
        await self._client.request("DELETE", self._member(id))

    async def action(self, id: int, name: str, **params: Any) -> M | None:
        """Run a member action with `actionParams[name]=value` in the query string."""
        path = f"{self._member(id)}/actions/{name}"
        return _single(await self._client.request("POST", path, params=action_params(params)))


def attach_resources(client: Any, api_class: type[_Base]) -> None:
    """Give `client` one attribute per resource type."""
    for attribute, path, type_name, _model in RESOURCES:
        setattr(client, attribute, api_class(client, path, type_name))
