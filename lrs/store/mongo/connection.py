"""What every part of the MongoDB store shares: the client and database, whether the deployment
runs transactions, and pymongo, imported here only (SQLite deployments need not install it:
``pip install 'learnfolio[mongo]'``)."""

from __future__ import annotations

import datetime as dt
import threading

try:
    import pymongo
    from bson import Binary
    from pymongo.errors import (
        BulkWriteError,
        ConnectionFailure,
        DuplicateKeyError,
        OperationFailure,
        PyMongoError,
        WTimeoutError,
    )
except ImportError:  # pragma: no cover - only the MongoDB store needs pymongo
    pymongo = Binary = None

    class _Absent(Exception):
        """Without pymongo nothing raises these: the store cannot be opened (open_mongo says why)."""

    BulkWriteError = ConnectionFailure = DuplicateKeyError = OperationFailure = PyMongoError = WTimeoutError = _Absent


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _parse_index_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)


def supports_transactions(client) -> bool:
    """Whether the deployment runs multi-document transactions: a replica set or a sharded cluster."""
    try:
        hello = client.admin.command("hello")
    except NotImplementedError:  # mongomock: no sessions, no transactions
        return False
    except OperationFailure:  # servers before 4.4.2 answer only the older name
        hello = client.admin.command("isMaster")
    return bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"


class MongoConnection:
    """The client, the database, and one writer of statements per process; the parts are mixed into it."""

    def __init__(self, client, database: str = "learnfolio", *, transactions: bool | None = None):
        if pymongo is None:  # pragma: no cover
            raise RuntimeError("the MongoDB store needs pymongo: pip install 'learnfolio[mongo]'")
        self.client = client
        self.db = client[database]
        self._transactions = transactions
        self._thread_lock = threading.Lock()  # one writer per process: others would only conflict

    @property
    def transactional(self) -> bool:
        if self._transactions is None:
            self._transactions = supports_transactions(self.client)
        return self._transactions

    def close(self) -> None:
        self.client.close()

    def ping(self) -> None:
        self.db.counters.find_one({"_id": "statements"})
