"""Run a ListQuery in SQL: filters, sort, keyset (cursor) and offset pagination, counting."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .query import Condition, ListQuery, SortKey
from .registry import LINKS, TO_MANY, TO_ONE, ResourceType
from .store import Store, q

COUNT_CAP = 2_000_000
COMPARE = {"gte": ">=", "lte": "<=", "gt": ">", "lt": "<"}


@dataclass
class Page:
    """One page of ids with their cached documents, plus what the links need."""

    rows: list[tuple[int, str | None, str | None]]
    next_cursor: dict[str, Any] | None = None
    prev_cursor: dict[str, Any] | None = None
    count: int | None = None
    count_truncated: bool = False
    offset_links: dict[str, int | None] = field(default_factory=dict)


class Lister:
    """Compiles queries for one store; never sees a request."""

    def __init__(self, store: Store):
        self.store = store
        self.registry = store.registry

    # -- where ------------------------------------------------------------------------------
    def where(self, rtype: ResourceType, org_id: int,
              conditions: list[Condition]) -> tuple[str, list[Any]]:
        parts, params = ["org_id = ?"], [org_id]
        for cond in conditions:
            sql, args = self._condition(rtype, org_id, cond)
            parts.append(sql)
            params.extend(args)
        return " AND ".join(parts), params

    def _condition(self, rtype: ResourceType, org_id: int,
                   cond: Condition) -> tuple[str, list[Any]]:
        name = cond.path[0]
        if len(cond.path) == 1:
            if name == "id":
                return predicate("id", cond)
            attr = rtype.attributes[name]
            if attr.type == "array":
                sql, args = predicate("value", cond)
                return f"EXISTS (SELECT 1 FROM json_each({q(attr.column)}) WHERE {sql})", args
            self.store.ensure_index(rtype, attr.column)
            return predicate(q(attr.column), cond)
        rel = rtype.relationships[name]
        if cond.path[1] == "id":
            return self._relationship_id(rtype, org_id, rel, cond)
        target = self.registry[rel.targets[0]]
        inner = Condition((cond.path[1],), cond.op, cond.values, cond.attribute)
        sql, args = self._condition(target, org_id, inner)
        return (f"{q(rel.column)} IN (SELECT id FROM {target.table} "
                f"WHERE org_id = ? AND {sql})", [org_id, *args])

    def _relationship_id(self, rtype: ResourceType, org_id: int, rel: Any,
                         cond: Condition) -> tuple[str, list[Any]]:
        if rel.kind == TO_ONE:
            return predicate(q(rel.column), cond)
        if rel.kind == TO_MANY:
            sql, args = predicate("value", cond)
            return f"EXISTS (SELECT 1 FROM json_each({q(rel.column)}) WHERE {sql})", args
        target = self.registry.types.get(rel.targets[0]) if rel.kind == LINKS else None
        inverse = target.relationships.get(rtype.name) if target else None
        if target is None or inverse is None or inverse.kind != TO_ONE:
            # Not reachable through a stored link: nothing matches rather than everything.
            return "0", []
        sql, args = predicate("id", cond)
        return (f"id IN (SELECT {q(inverse.column)} FROM {target.table} "
                f"WHERE org_id = ? AND {sql})", [org_id, *args])

    # -- pages ------------------------------------------------------------------------------
    def page(self, rtype: ResourceType, org_id: int, query: ListQuery) -> Page:
        where, params = self.where(rtype, org_id, query.conditions)
        keys = order_keys(query.sort)
        for key in keys[:1]:
            if key.name != "id":
                self.store.ensure_index(rtype, rtype.attributes[key.name].column)
        columns = [sort_column(rtype, k) for k in keys]
        select = f"SELECT id, _doc, _base, {', '.join(columns)} FROM {rtype.table}"
        page = Page(rows=[])
        if query.count:
            page.count, page.count_truncated = self.count(rtype, where, params)
        if query.offset is not None:
            return self._offset_page(query, select, where, params, keys, columns, page)
        cursor = query.after or query.before
        backwards = query.before is not None
        if cursor is not None:
            sql, args = keyset(columns, keys, cursor["v"], reverse=backwards)
            where, params = f"{where} AND ({sql})", [*params, *args]
        order = order_by(columns, keys, reverse=backwards)
        rows = self.store.query(f"{select} WHERE {where} ORDER BY {order} LIMIT ?",
                                [*params, query.size + 1])
        more = len(rows) > query.size
        rows = rows[: query.size]
        if backwards:
            rows.reverse()
        page.rows = [(r[0], r[1], r[2]) for r in rows]
        if rows:
            first, last = self._cursor(query, rows[0]), self._cursor(query, rows[-1])
            if backwards:
                page.next_cursor = last
                page.prev_cursor = first if more else None
            else:
                page.next_cursor = last if more else None
                page.prev_cursor = first if cursor is not None else None
        return page

    def _offset_page(self, query: ListQuery, select: str, where: str, params: list[Any],
                     keys: list[SortKey], columns: list[str], page: Page) -> Page:
        order = order_by(columns, keys)
        offset = query.offset or 0
        rows = self.store.query(f"{select} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                                [*params, query.size + 1, offset])
        page.rows = [(r[0], r[1], r[2]) for r in rows[: query.size]]
        total, _ = self.count_raw(f"{select} WHERE {where}", params)
        last = max(0, (total - 1) // query.size * query.size)
        page.offset_links = {
            "first": 0, "last": last,
            "prev": max(0, offset - query.size) if offset > 0 else None,
            "next": offset + query.size if len(rows) > query.size else None,
        }
        return page

    def _cursor(self, query: ListQuery, row: Any) -> dict[str, Any]:
        return {"t": query.type, "s": query.sort_spec, "v": list(row[3:]), "id": row[0]}

    def count(self, rtype: ResourceType, where: str, params: list[Any]) -> tuple[int, bool]:
        return self.count_raw(f"SELECT 1 FROM {rtype.table} WHERE {where}", params)

    def count_raw(self, sql: str, params: list[Any]) -> tuple[int, bool]:
        rows = self.store.query(f"SELECT count(*) FROM ({sql} LIMIT ?)",
                                [*params, COUNT_CAP + 1])
        total = rows[0][0]
        return min(total, COUNT_CAP), total > COUNT_CAP


def predicate(expr: str, cond: Condition) -> tuple[str, list[Any]]:
    """SQL for one operator applied to one column expression."""
    if cond.op == "in":
        return f"{expr} IN ({', '.join('?' for _ in cond.values)})", list(cond.values)
    if cond.op == "null":
        return f"{expr} IS NULL", []
    if cond.op == "notnull":
        return f"{expr} IS NOT NULL", []
    if cond.op == "range":
        low, high = cond.values
        parts = [p for p, v in ((f"{expr} >= ?", low), (f"{expr} <= ?", high)) if v is not None]
        return (" AND ".join(parts) or f"{expr} IS NOT NULL",
                [v for v in (low, high) if v is not None])
    return f"{expr} {COMPARE[cond.op]} ?", [cond.values[0]]


def order_keys(sort: list[SortKey]) -> list[SortKey]:
    """The sort keys plus the id tie-breaker that makes every order total."""
    keys = list(sort)
    if not any(k.name == "id" for k in keys):
        keys.append(SortKey("id"))
    return keys[: [k.name for k in keys].index("id") + 1]


def sort_column(rtype: ResourceType, key: SortKey) -> str:
    return "id" if key.name == "id" else q(rtype.attributes[key.name].column)


def order_by(columns: list[str], keys: list[SortKey], reverse: bool = False) -> str:
    return ", ".join(f"{c} {'DESC' if k.descending != reverse else 'ASC'}"
                     for c, k in zip(columns, keys, strict=True))


def keyset(columns: list[str], keys: list[SortKey], values: list[Any],
           reverse: bool = False) -> tuple[str, list[Any]]:
    """Rows strictly after `values` in the order (SQLite puts NULLs first ascending)."""
    if len(values) != len(keys):
        return "0", []
    ors, params = [], []
    for i, (col, key) in enumerate(zip(columns, keys, strict=True)):
        ands, args = [], []
        for prev_col, prev_value in zip(columns[:i], values[:i], strict=True):
            ands.append(f"{prev_col} IS NULL" if prev_value is None else f"{prev_col} = ?")
            args.extend([] if prev_value is None else [prev_value])
        descending = key.descending != reverse
        value = values[i]
        if value is None:
            ands.append("0" if descending else f"{col} IS NOT NULL")
        elif descending:
            ands.append(f"({col} < ? OR {col} IS NULL)")
            args.append(value)
        else:
            ands.append(f"{col} > ?")
            args.append(value)
        ors.append("(" + " AND ".join(ands) + ")")
        params.extend(args)
    return " OR ".join(ors), params
