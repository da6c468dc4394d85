"""Auto-pagination: iterate a collection by following `links.next` until it is absent."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .jsonapi import Document, Resource

if TYPE_CHECKING:
    from .client import AsyncOutreachClient, OutreachClient

T = TypeVar("T")
Convert = Callable[[Resource, Document], T]


def _next_link(doc: Document | None, seen: set[str]) -> str | None:
    """The next page's URL, or None at the end (or if the server loops)."""
    if doc is None or not doc.data:
        return None
    link = doc.links.get("next")
    if isinstance(link, dict):
        link = link.get("href")
    if not link or link in seen:
        return None
    seen.add(link)
    return link


def _items(doc: Document | None) -> list[Resource]:
    if doc is None or doc.data is None:
        return []
    return doc.data if isinstance(doc.data, list) else [doc.data]


class Paginator(Generic[T]):
    """Iterates every resource of a listing; `pages()` yields whole documents."""

    def __init__(self, client: OutreachClient, path: str, params: Any, convert: Convert) -> None:
        self._client = client
        self._path = path
        self._params = params
        self._convert = convert

    def pages(self) -> Iterator[Document]:
        """Each page's document, requested lazily."""
        seen: set[str] = set()
        doc = self._client.request("GET", self._path, params=self._params)
        while doc is not None:
            yield doc
            link = _next_link(doc, seen)
            doc = self._client.request("GET", link) if link else None

    def __iter__(self) -> Iterator[T]:
        for doc in self.pages():
            for res in _items(doc):
                yield self._convert(res, doc)


class AsyncPaginator(Generic[T]):
    """Async twin of `Paginator`: `async for item in client.tasks.list(...)`."""

    def __init__(
        self, client: AsyncOutreachClient, path: str, params: Any, convert: Convert
    ) -> None:
        self._client = client
        self._path = path
        self._params = params
        self._convert = convert

    async def pages(self) -> AsyncIterator[Document]:
        """Each page's document, requested lazily."""
        seen: set[str] = set()
        doc = await self._client.request("GET", self._path, params=self._params)
        while doc is not None:
            yield doc
            link = _next_link(doc, seen)
            doc = await self._client.request("GET", link) if link else None

    async def __aiter__(self) -> AsyncIterator[T]:
        async for doc in self.pages():
            for res in _items(doc):
                yield self._convert(res, doc)

    async def to_list(self) -> list[T]:
        """Every item of every page."""
        return [item async for item in self]
