"""The embedded default store: one SQLite file in WAL mode, shared by all workers.

Statements are kept as the JSON text they are returned as, beside an index
table of (term, seq) rows built from :func:`lrs.xapi.indexing.index_keys`, so
every query filter is an index range scan in storage order. Terms are interned
(an integer per distinct key) to keep the index small.

One module per part of the contract (:mod:`lrs.store.contract`), each a mixin on the
connection machinery they share (:mod:`.connection`): :mod:`.statements` and
:mod:`.queries`, :mod:`.documents`, :mod:`.people`, :mod:`.items`, :mod:`.credentials`, :mod:`.record_rows`,
:mod:`.erasure`, :mod:`.copying`; the tables and their upgrades in :mod:`.schema`.
"""

from __future__ import annotations

from lrs.hookspecs import hookimpl
from lrs.store.base import Store
from lrs.store.sqlite.connection import _now  # noqa: F401 - as when the store was one module
from lrs.store.sqlite.copying import SQLiteCopying
from lrs.store.sqlite.credentials import SQLiteCredentials
from lrs.store.sqlite.documents import SQLiteDocuments
from lrs.store.sqlite.erasure import SQLiteErasure
from lrs.store.sqlite.items import SQLiteItems
from lrs.store.sqlite.people import SQLitePeople
from lrs.store.sqlite.record_rows import SQLiteRecordRows
from lrs.store.sqlite.schema import SCHEMA, SCHEMA_VERSION, SQLiteSchema
from lrs.store.sqlite.statements import SQLiteStatements
from lrs.xapi.formats import needs_downgrade  # noqa: F401 - as when the store was one module
from lrs.xapi.jsontext import dumps  # noqa: F401 - as when the store was one module
from lrs.xapi.statements import same_statement  # noqa: F401 - as when the store was one module

__all__ = ["SCHEMA", "SCHEMA_VERSION", "SQLiteStore", "open_sqlite", "register_stores"]


class SQLiteStore(SQLiteStatements, SQLiteDocuments, SQLitePeople, SQLiteItems, SQLiteCredentials, SQLiteRecordRows,
                  SQLiteErasure, SQLiteCopying, SQLiteSchema, Store):
    """The storage contract on one SQLite file."""


def open_sqlite(url: str, config=None) -> SQLiteStore:
    """``sqlite:///absolute/path.sqlite3``, ``sqlite:///relative/path`` or ``sqlite://:memory:``."""
    path = url.split("://", 1)[1]  # sqlite:///abs/file → /abs/file; sqlite://rel/file → rel/file
    synchronous = getattr(config, "sqlite_synchronous", "FULL")
    if synchronous not in ("FULL", "NORMAL", "EXTRA"):
        raise ValueError(f"LRS_SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA, not {synchronous!r}")
    return SQLiteStore(path, synchronous=synchronous, mmap_bytes=getattr(config, "sqlite_mmap_bytes", 0))


@hookimpl
def register_stores():
    from lrs.plugins import StoreBackend

    return [StoreBackend(name="sqlite", factory=open_sqlite)]
