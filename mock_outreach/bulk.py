"""Seeding at size: raw row inserts and a bulk-load mode without per-row indexes or fsyncs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any


def quote(name: str) -> str:
    """Quote an SQL identifier (attribute names include SQL keywords such as `from`)."""
    return '"' + name.replace('"', '""') + '"'


class BulkLoading:
    """Mixed into Store: what `fixtures.generate` needs to load a million prospects quickly."""

    def insert_rows(self, type_name: str, columns: list[str],
                    rows: Iterable[tuple[Any, ...]]) -> int:
        """Insert raw column tuples (SQL values, ids included) in one transaction; seeding only."""
        table = self.registry[type_name].table
        sql = (f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "
               f"VALUES ({', '.join('?' for _ in columns)})")
        with self.transaction() as conn:
            return conn.executemany(sql, rows).rowcount

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Seeding mode: secondary indexes dropped and rebuilt once, no fsync until the end."""
        with self.lock:
            names = [r[0] for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'r\\_%' "
                "ESCAPE '\\' AND sql IS NOT NULL")]
            self.conn.execute("PRAGMA synchronous=OFF")
            try:
                with self.transaction() as conn:
                    for name in names:
                        conn.execute(f"DROP INDEX IF EXISTS {quote(name)}")
                self._indexed.clear()
                yield
            finally:
                self.conn.execute("PRAGMA cache_size=-262144")
                with self.transaction() as conn:
                    for rtype in self.registry:
                        for sql in self._index_sql(rtype):
                            conn.execute(sql)
                    conn.execute("ANALYZE")
                self.conn.execute("PRAGMA cache_size=-2000")
                self.conn.execute(f"PRAGMA synchronous={self.synchronous}")

