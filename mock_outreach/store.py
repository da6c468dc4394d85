"""The SQLite store: one table per resource type, plus orgs, apps and the mock's own bookkeeping."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .bulk import BulkLoading
from .bulk import quote as q
from .clock import Clock, iso
from .registry import TO_MANY, TO_ONE, Registry, ResourceType
from .values import from_sql, to_sql

AFFINITY = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}
TIMESTAMPS = ("createdAt", "updatedAt")

SERVICE_TABLES = """
CREATE TABLE IF NOT EXISTS orgs (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, domain TEXT, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS apps (
    id INTEGER PRIMARY KEY, client_id TEXT UNIQUE NOT NULL, client_secret TEXT NOT NULL,
    name TEXT NOT NULL, redirect_uris TEXT NOT NULL, scopes TEXT NOT NULL,
    created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class Record:
    """One stored resource: JSON attribute values and relationship linkage."""

    type: str
    id: int
    org_id: int
    attributes: dict[str, Any]
    links: dict[str, Any] = field(default_factory=dict)  # to-one: id | (type, id); to-many: [ids]


class Store(BulkLoading):
    """All persistent state of one mock instance, behind one lock and one connection."""

    def __init__(self, registry: Registry, clock: Clock, path: str = ":memory:",
                 synchronous: str = "FULL"):
        self.registry = registry
        self.clock = clock
        self.path = path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                    timeout=30)
        if path != ":memory:":
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.synchronous = synchronous
        self.conn.execute(f"PRAGMA synchronous={synchronous}")
        self.conn.execute("PRAGMA foreign_keys=OFF")
        self.conn.execute("PRAGMA analysis_limit=1000")  # ANALYZE samples; fast on big tables
        self._depth = 0
        self._indexed: set[tuple[str, str]] = set()
        self._schema_version = -1
        self.create_schema()

    # -- schema -----------------------------------------------------------------------------
    def create_schema(self) -> None:
        with self.transaction():
            for statement in SERVICE_TABLES.split(";"):
                if statement.strip():
                    self.conn.execute(statement)
            for rtype in self.registry:
                self.conn.execute(self._create_table_sql(rtype))
                for sql in self._index_sql(rtype):
                    self.conn.execute(sql)

    def _create_table_sql(self, rtype: ResourceType) -> str:
        cols = ["id INTEGER PRIMARY KEY", "org_id INTEGER NOT NULL", "_doc TEXT", "_base TEXT"]
        for attr in rtype.attributes.values():
            cols.append(f"{q(attr.column)} {AFFINITY.get(attr.type, 'TEXT')}")
        for rel in rtype.relationships.values():
            if rel.kind == TO_ONE:
                cols.append(f"{q(rel.column)} INTEGER")
                if rel.polymorphic:
                    cols.append(f"{q(rel.type_column)} TEXT")
            elif rel.kind == TO_MANY:
                cols.append(f"{q(rel.column)} TEXT")
        return f"CREATE TABLE IF NOT EXISTS {rtype.table} ({', '.join(cols)})"

    def _index_sql(self, rtype: ResourceType) -> Iterator[str]:
        """Indexes built with the table: org scans and id-filterable to-one links (joins,
        includes, per-owner queues); attribute indexes come on first use (`ensure_index`)."""
        yield f"CREATE INDEX IF NOT EXISTS {rtype.table}__org ON {rtype.table} (org_id, id)"
        for rel in rtype.relationships.values():
            if rel.kind == TO_ONE and rel.filter_attrs:
                yield self._column_index_sql(rtype, rel.column)

    def _column_index_sql(self, rtype: ResourceType, column: str) -> str:
        name = f"{rtype.table}__{column.replace('.', '_')}"
        return f"CREATE INDEX IF NOT EXISTS {q(name)} ON {rtype.table} (org_id, {q(column)}, id)"

    def ensure_index(self, rtype: ResourceType, column: str) -> None:
        """Index a filtered or sorted column the first time a query needs it.

        Building ~20 indexes per type up front would dominate seeding a large org; a lazily
        built index serves every later query (and every worker: it lives in the file)."""
        with self.lock:
            version = self.conn.execute("PRAGMA schema_version").fetchone()[0]
            if version != self._schema_version:  # another worker re-seeded: indexes may be gone
                self._indexed.clear()
                self._schema_version = version
            if (rtype.table, column) in self._indexed:
                return
            name = f"{rtype.table}__{column.replace('.', '_')}"
            with self.transaction() as conn:
                conn.execute(self._column_index_sql(rtype, column))
                # Statistics for the new index, so that the planner does not prefer it blindly
                # over a more selective one (e.g. state=incomplete over owner).
                conn.execute(f"ANALYZE {q(name)}")
            self._indexed.add((rtype.table, column))
            self._schema_version = self.conn.execute("PRAGMA schema_version").fetchone()[0]

    # -- transactions -----------------------------------------------------------------------
    @contextmanager
    def transaction(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction (nested uses join the outer one); rolls back on any error.

        `durable=False` is for bookkeeping (journal, rate counters, cached renderings): its
        commit skips the fsync (WAL + synchronous=NORMAL still survives a killed process; the
        next durable commit syncs it too), so that reads do not pay for a disk flush."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            relax = not durable and self.synchronous.upper() in ("FULL", "EXTRA", "2", "3")
            if relax:
                self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0
                if relax:
                    self.conn.execute(f"PRAGMA synchronous={self.synchronous}")

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row | tuple]:
        with self.lock:
            return self.conn.execute(sql, tuple(params)).fetchall()

    def execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        with self.transaction():
            return self.conn.execute(sql, tuple(params))

    # -- resources --------------------------------------------------------------------------
    def _row_values(self, rtype: ResourceType, attrs: dict[str, Any],
                    links: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, value in attrs.items():
            values[rtype.attributes[name].column] = to_sql(rtype.attributes[name], value)
        for name, value in links.items():
            rel = rtype.relationships[name]
            if rel.kind == TO_MANY:
                values[rel.column] = None if value is None else json.dumps(value)
            elif rel.polymorphic:
                values[rel.column] = None if value is None else value[1]
                values[rel.type_column] = None if value is None else value[0]
            else:
                values[rel.column] = value
        return values

    def _stamp(self, rtype: ResourceType, attrs: dict[str, Any], creating: bool) -> None:
        now = iso(self.clock.now())
        if creating and "createdAt" in rtype.attributes:
            attrs.setdefault("createdAt", now)
        if "updatedAt" in rtype.attributes:
            attrs["updatedAt"] = attrs.get("updatedAt") if creating and attrs.get(
                "updatedAt") else now

    def insert(self, type_name: str, org_id: int, attrs: dict[str, Any],
               links: dict[str, Any] | None = None) -> Record:
        rtype = self.registry[type_name]
        attrs = dict(attrs)
        self._stamp(rtype, attrs, creating=True)
        values = self._row_values(rtype, attrs, links or {})
        values["org_id"] = org_id
        cols = ", ".join(q(c) for c in values)
        marks = ", ".join("?" for _ in values)
        with self.transaction() as conn:
            cur = conn.execute(f"INSERT INTO {rtype.table} ({cols}) VALUES ({marks})",
                               tuple(values.values()))
            return self.get(type_name, org_id, cur.lastrowid)  # type: ignore[arg-type,return-value]

    def update(self, type_name: str, org_id: int, record_id: int, attrs: dict[str, Any],
               links: dict[str, Any] | None = None) -> Record:
        rtype = self.registry[type_name]
        attrs = dict(attrs)
        self._stamp(rtype, attrs, creating=False)
        values = self._row_values(rtype, attrs, links or {})
        values["_doc"] = None
        sets = ", ".join(f"{q(c)} = ?" for c in values)
        with self.transaction() as conn:
            conn.execute(f"UPDATE {rtype.table} SET {sets} WHERE id = ? AND org_id = ?",
                         (*values.values(), record_id, org_id))
            return self.get(type_name, org_id, record_id)  # type: ignore[return-value]

    def delete(self, type_name: str, org_id: int, record_id: int) -> None:
        rtype = self.registry[type_name]
        self.execute(f"DELETE FROM {rtype.table} WHERE id = ? AND org_id = ?",
                     (record_id, org_id))

    def get(self, type_name: str, org_id: int, record_id: int) -> Record | None:
        found = self.get_many(type_name, org_id, [record_id])
        return found[0] if found else None

    def get_many(self, type_name: str, org_id: int, ids: Iterable[int]) -> list[Record]:
        rtype = self.registry[type_name]
        ids = list(ids)
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        with self.lock:
            cur = self.conn.execute(
                f"SELECT * FROM {rtype.table} WHERE org_id = ? AND id IN ({marks})",
                (org_id, *ids))
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
        return [self.to_record(rtype, dict(zip(names, row, strict=True))) for row in rows]

    def to_record(self, rtype: ResourceType, row: dict[str, Any]) -> Record:
        attrs = {a.name: from_sql(a, row[a.column]) for a in rtype.attributes.values()}
        links: dict[str, Any] = {}
        for rel in rtype.relationships.values():
            if rel.kind == TO_ONE:
                rid = row[rel.column]
                links[rel.name] = (row[rel.type_column], rid) if rel.polymorphic and rid else rid
            elif rel.kind == TO_MANY:
                links[rel.name] = json.loads(row[rel.column]) if row[rel.column] else []
        return Record(rtype.name, row["id"], row["org_id"], attrs, links)

    def cache_doc(self, type_name: str, record_id: int, doc: str, base: str) -> None:
        rtype = self.registry[type_name]
        with self.transaction(durable=False) as conn:
            conn.execute(f"UPDATE {rtype.table} SET _doc = ?, _base = ? WHERE id = ?",
                         (doc, base, record_id))

    def exists(self, type_name: str, org_id: int, record_id: int) -> bool:
        rtype = self.registry[type_name]
        return bool(self.query(f"SELECT 1 FROM {rtype.table} WHERE org_id = ? AND id = ?",
                               (org_id, record_id)))

    # -- key/value (settings, counters) -----------------------------------------------------
    def kv_get(self, key: str, default: Any = None) -> Any:
        rows = self.query("SELECT value FROM kv WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def kv_set(self, key: str, value: Any) -> None:
        self.execute("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) "
                     "DO UPDATE SET value = excluded.value", (key, json.dumps(value)))

    def clear(self) -> None:
        """Drop every row of every table (reset); the schema stays."""
        with self.transaction() as conn:
            tables = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'")]
            for table in tables:
                conn.execute(f"DELETE FROM {q(table)}")
