"""The MongoDB store: many stateless LRS processes on one replica set or a sharded cluster.

Statements are kept as the JSON text they are returned as beside a ``terms`` array of
:func:`lrs.xapi.indexing.index_keys` under a multikey index ``(terms, seq)``, so every
query filter is one index range in sequence order, as in SQLite (:mod:`.statements`
says how batches are written and ordered).

One module per part of the contract (:mod:`lrs.store.contract`), each a mixin on what they
share (:mod:`.connection`, where pymongo is imported: SQLite deployments need not install it,
``pip install 'learnfolio[mongo]'``): :mod:`.statements` and :mod:`.queries`, :mod:`.documents`,
:mod:`.people`, :mod:`.items`, :mod:`.credentials`, :mod:`.record_rows`, :mod:`.erasure`, :mod:`.copying`; the indexes
and their upgrades in :mod:`.schema`.
"""

from __future__ import annotations

import functools

from lrs.errors import StoreUnavailable
from lrs.hookspecs import hookimpl
from lrs.store.base import Store
from lrs.store.mongo.connection import (
    ConnectionFailure,
    OperationFailure,
    WTimeoutError,
    pymongo,
    supports_transactions,
)
from lrs.store.mongo.copying import MongoCopying
from lrs.store.mongo.credentials import MongoCredentials
from lrs.store.mongo.documents import MongoDocuments
from lrs.store.mongo.erasure import MongoErasure
from lrs.store.mongo.items import MongoItems
from lrs.store.mongo.people import MongoPeople
from lrs.store.mongo.record_rows import MongoRecordRows
from lrs.store.mongo.schema import INDEXES, SCHEMA_VERSION, MongoSchema
from lrs.store.mongo.statements import CHUNK_BYTES, LEASE_SECONDS, MongoStatements, statement_owner

__all__ = ["CHUNK_BYTES", "INDEXES", "LEASE_SECONDS", "SCHEMA_VERSION", "MongoStore", "open_mongo", "pymongo",
           "register_stores", "statement_owner", "supports_transactions"]


class MongoStore(MongoStatements, MongoDocuments, MongoPeople, MongoItems, MongoCredentials, MongoRecordRows,
                 MongoErasure, MongoCopying, MongoSchema, Store):
    """The storage contract on pymongo. ``transactions=None`` asks the server once."""


def _unavailable(method):
    """Connection faults, timeouts and exhausted transaction retries become 503 (retry later)."""

    @functools.wraps(method)
    def guarded(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (ConnectionFailure, WTimeoutError) as error:
            raise StoreUnavailable(f"the store could not be reached ({error}); try again") from error
        except OperationFailure as error:
            if error.has_error_label("TransientTransactionError") or error.code in (50, 112, 262):
                raise StoreUnavailable(f"the store is busy ({error}); try again") from error
            raise

    return guarded


for _name in sorted(Store.__abstractmethods__ - {"dump", "close"} | {"consistent_through"}):
    setattr(MongoStore, _name, _unavailable(getattr(MongoStore, _name)))


def open_mongo(url: str, config=None) -> MongoStore:
    """``mongodb://host1,host2,host3/learnfolio?replicaSet=rs0`` (or ``mongodb+srv://``).

    Writes default to write concern ``majority`` and reads to read concern ``majority``
    from the primary, so a statement acknowledged by one LRS process is seen by every
    other; options in the URL (``w=``, ``readConcernLevel=``) take precedence.
    """
    if pymongo is None:
        raise RuntimeError("LRS_STORE is a MongoDB URL but pymongo is not installed: "
                           "pip install 'learnfolio[mongo]'")
    from pymongo import uri_parser

    parsed = uri_parser.parse_uri(url)
    given = {k.lower() for k in parsed["options"]}
    defaults = {"w": "majority", "readConcernLevel": "majority", "retryWrites": True,
                "readPreference": "primary", "appname": "learnfolio"}
    options = {k: v for k, v in defaults.items() if k.lower() not in given}
    client = pymongo.MongoClient(url, **options)
    return MongoStore(client, parsed["database"] or "learnfolio")


@hookimpl
def register_stores():
    from lrs.plugins import StoreBackend

    return [StoreBackend(name="mongodb", factory=open_mongo)]
