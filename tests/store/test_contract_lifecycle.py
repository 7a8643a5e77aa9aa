"""The store's lifecycle: integrity checks.

On every backend: SQLite; MongoDB's code on mongomock (a mock of MongoDB,
not a server: it proves the store's code, never what a server does); a real MongoDB when
LRS_TEST_MONGODB_URI is set (tests/store/conftest.py)."""

from __future__ import annotations

from tests.store.contract import prepared


def test_check_finds_a_broken_row(backend):
    backend.store_statements([prepared()])
    assert backend.check() == []
    if hasattr(backend, "conn"):
        backend.conn.execute("UPDATE statements SET body = 'not json'")
    else:
        backend.db.statements.update_many({}, {"$set": {"body": "not json"}})
    assert any("does not parse" in p for p in backend.check())
