"""Render resources and JSON:API documents; each resource is encoded once and its bytes reused."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from .listing import Page
from .query import ListQuery, encode_cursor
from .registry import OPAQUE, TO_MANY, TO_ONE, Registry, ResourceType
from .store import Record, Store, q


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class Renderer:
    """Turns stored records into resource objects, caching each encoding in its row."""

    def __init__(self, store: Store):
        self.store = store
        self.registry: Registry = store.registry

    def resource(self, rtype: ResourceType, record: Record, base: str) -> dict[str, Any]:
        attributes = {a.name: record.attributes.get(a.name)
                      for a in rtype.attributes.values() if not a.write_only}
        relationships = {}
        for rel in rtype.relationships.values():
            if rel.kind != OPAQUE:
                relationships[rel.name] = self._relationship(rtype, rel, record, base)
        return {"type": rtype.name, "id": record.id, "attributes": attributes,
                "relationships": relationships,
                "links": {"self": f"{base}/{rtype.collection}/{record.id}"}}

    def _relationship(self, rtype: ResourceType, rel: Any, record: Record,
                      base: str) -> dict[str, Any]:
        if rel.kind == TO_ONE:
            value = record.links.get(rel.name)
            if value is None:
                return {"data": None}
            kind, rid = value if rel.polymorphic else (rel.targets[0], value)
            return {"data": {"type": kind, "id": rid}}
        if rel.kind == TO_MANY:
            ids = record.links.get(rel.name) or []
            return {"data": [{"type": rel.targets[0], "id": i} for i in ids]}
        collection = rel.name
        related = f"{base}/{collection}?filter%5B{rtype.name}%5D%5Bid%5D={record.id}"
        return {"links": {"related": related}}

    def encode(self, rtype: ResourceType, record: Record, base: str) -> str:
        return dumps(self.resource(rtype, record, base))

    def docs(self, rtype: ResourceType, org_id: int,
             rows: list[tuple[int, str | None, str | None]], base: str) -> list[str]:
        """Encoded resources for page rows, re-rendering those with no usable cached bytes."""
        stale = [rid for rid, doc, doc_base in rows if doc is None or doc_base != base]
        fresh = {}
        if stale:
            with self.store.transaction():  # one commit for the whole page's cache fill
                for record in self.store.get_many(rtype.name, org_id, stale):
                    fresh[record.id] = self.encode(rtype, record, base)
                    self.store.cache_doc(rtype.name, record.id, fresh[record.id], base)
        return [fresh.get(rid, doc) for rid, doc, _ in rows if rid in fresh or doc is not None]

    def docs_by_id(self, rtype: ResourceType, org_id: int, ids: list[int],
                   base: str) -> dict[int, str]:
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = self.store.query(
            f"SELECT id, _doc, _base FROM {rtype.table} WHERE org_id = ? AND id IN ({marks})",
            [org_id, *ids])
        rows = [(r[0], r[1], r[2]) for r in rows]
        return dict(zip([r[0] for r in rows], self.docs(rtype, org_id, rows, base), strict=True))

    # -- documents --------------------------------------------------------------------------
    def collection(self, rtype: ResourceType, org_id: int, page: Page, query: ListQuery,
                   base: str, self_url: str, args: Any) -> str:
        docs = self.docs(rtype, org_id, page.rows, base)
        parts = ['"data":[' + ",".join(self._shape(rtype.name, d, query) for d in docs) + "]"]
        if query.include:
            ids = [rid for rid, _, _ in page.rows]
            parts.append('"included":' + self._included(rtype, org_id, ids, query, base))
        links = self._links(page, query, self_url, args) if docs else None
        if links:
            parts.append('"links":' + dumps(links))
        if query.count:
            parts.append('"meta":' + dumps({"count": page.count,
                                            "count_truncated": page.count_truncated}))
        return "{" + ",".join(parts) + "}"

    def single(self, rtype: ResourceType, org_id: int, record: Record, base: str) -> str:
        """The document answering a write: rendered fresh (reads fill the cache later)."""
        return '{"data":' + self.encode(rtype, record, base) + "}"

    def read(self, rtype: ResourceType, org_id: int, record_id: int, query: ListQuery,
             base: str) -> str | None:
        """The document for GET by id from the cached bytes, or None when there is no such id."""
        doc = self.docs_by_id(rtype, org_id, [record_id], base).get(record_id)
        if doc is None:
            return None
        parts = ['"data":' + self._shape(rtype.name, doc, query)]
        if query.include:
            parts.append('"included":' + self._included(rtype, org_id, [record_id], query,
                                                         base))
        return "{" + ",".join(parts) + "}"

    def _shape(self, type_name: str, doc: str, query: ListQuery) -> str:
        """Apply sparse fieldsets and requested meta to one encoded resource."""
        wanted = query.fields.get(type_name)
        if wanted is None and not query.meta_flags:
            return doc
        data = json.loads(doc)
        if wanted is not None:
            data["attributes"] = {k: v for k, v in data["attributes"].items() if k in wanted}
            data["relationships"] = {k: v for k, v in data["relationships"].items()
                                     if k in wanted}
        meta = {}
        if "provideAuthorizationMeta" in query.meta_flags:
            meta.update(canRead=True, canWrite=True, canDelete=True)
        if "provideDataConnections" in query.meta_flags:
            meta["dataConnections"] = []
        if meta:
            data["meta"] = meta
        return dumps(data)

    def _included(self, rtype: ResourceType, org_id: int, ids: list[int], query: ListQuery,
                  base: str) -> str:
        """Each related resource once, following linkage stored in columns (no doc parsing)."""
        seen = {(rtype.name, i) for i in ids}
        out: list[str] = []
        for path in query.include:
            level = {rtype.name: ids}
            for name in path:
                wanted: dict[str, set[int]] = {}
                for type_name, type_ids in level.items():
                    for kind, rid in self.linked(self.registry[type_name], org_id, type_ids,
                                                 name):
                        wanted.setdefault(kind, set()).add(rid)
                level = {}
                for kind, kind_ids in wanted.items():
                    if kind not in self.registry:
                        continue
                    found = self.docs_by_id(self.registry[kind], org_id, sorted(kind_ids), base)
                    level[kind] = list(found)
                    for rid, doc in found.items():
                        if (kind, rid) not in seen:
                            seen.add((kind, rid))
                            out.append(self._shape(kind, doc, query))
        return "[" + ",".join(out) + "]"

    def linked(self, rtype: ResourceType, org_id: int, ids: list[int],
               name: str) -> list[tuple[str, int]]:
        """(type, id) of what `name` links to from these records, read from the columns."""
        rel = rtype.relationships.get(name)
        if rel is None or rel.kind not in (TO_ONE, TO_MANY) or not ids:
            return []
        cols = q(rel.column) + (f", {q(rel.type_column)}" if rel.polymorphic else "")
        rows = self.store.query(f"SELECT {cols} FROM {rtype.table} WHERE org_id = ? AND id IN "
                                f"({', '.join('?' for _ in ids)})", [org_id, *ids])
        if rel.kind == TO_MANY:
            return [(rel.targets[0], i) for (value,) in rows if value for i in json.loads(value)]
        if rel.polymorphic:
            return [(kind, rid) for rid, kind in rows if rid is not None]
        return [(rel.targets[0], rid) for (rid,) in rows if rid is not None]

    def _links(self, page: Page, query: ListQuery, self_url: str, args: Any) -> dict[str, str]:
        kept = [(k, v) for k in args for v in args.getlist(k)
                if k not in ("page[after]", "page[before]", "page[offset]")]

        def url(extra: list[tuple[str, str]]) -> str:
            return f"{self_url}?{urlencode(kept + extra)}" if kept or extra else self_url

        if query.offset is not None:
            return {name: url([("page[offset]", str(value))])
                    for name, value in page.offset_links.items() if value is not None}
        links = {"first": url([])}
        if page.prev_cursor:
            links["prev"] = url([("page[before]", encode_cursor(page.prev_cursor))])
        if page.next_cursor:
            links["next"] = url([("page[after]", encode_cursor(page.next_cursor))])
        return links


__all__ = ["Renderer", "dumps"]
