"""The storage contract runs against every backend available here, part by part
(test_contract_<part>.py; what they share is in tests/store/contract.py).

SQLite always. MongoDB's query translation against mongomock always (its
non-transactional path: mongomock has no sessions; a mock, so it shows the store's
code at work, never what a MongoDB server does); a real MongoDB server too when
LRS_TEST_MONGODB_URI points at one (each test gets a database of its own, dropped after).
"""

from __future__ import annotations

import os
import uuid

import pytest

from lrs.store.sqlite import SQLiteStore

MONGODB_URI = os.environ.get("LRS_TEST_MONGODB_URI")
BACKENDS = ["sqlite", "mongomock"] + (["mongodb"] if MONGODB_URI else [])


def open_backend(name: str, tmp_path):
    if name == "sqlite":
        return SQLiteStore(tmp_path / "contract.sqlite3")
    if name == "mongomock":
        import mongomock

        from lrs.store.mongo import MongoStore

        return MongoStore(mongomock.MongoClient(), "contract", transactions=False)
    from lrs.store.mongo import open_mongo

    store = open_mongo(MONGODB_URI)
    return type(store)(store.client, f"lrs_test_{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    store = open_backend(request.param, tmp_path)
    store.initialise()
    yield store
    if request.param == "mongodb":
        store.client.drop_database(store.db.name)
    store.close()


#: where real concurrency exists: races run only on these (mongomock has none: a race on it would prove nothing)
REAL = ["sqlite"] + (["mongodb"] if MONGODB_URI else [])


@pytest.fixture(params=REAL)
def real_backend(request, tmp_path):
    store = open_backend(request.param, tmp_path)
    store.initialise()
    yield store
    if request.param == "mongodb":
        store.client.drop_database(store.db.name)
    store.close()
