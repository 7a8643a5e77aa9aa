"""The credentials part.

On every backend: SQLite; MongoDB's code on mongomock (a mock of MongoDB,
not a server: it proves the store's code, never what a server does); a real MongoDB when
LRS_TEST_MONGODB_URI is set (tests/store/conftest.py)."""

from __future__ import annotations

from lrs.auth.credentials import Credential
from tests.store.contract import AUTHORITY


def test_credentials(backend):
    cred = Credential(key="k1", name="n", scopes=("all",), authority=AUTHORITY, created="2026-01-01",
                      secret_hash="h")
    backend.add_credential(cred)
    assert backend.get_credential("k1").scopes == ("all",)
    backend.touch_credential("k1", "2026-02-02")
    assert backend.get_credential("k1").last_used == "2026-02-02"
    assert [c.key for c in backend.list_credentials()] == ["k1"]
    assert backend.revoke_credential("k1", "2026-03-03") is True
    assert backend.revoke_credential("k1", "2026-03-03") is False
    assert backend.get_credential("k1").revoked == "2026-03-03"
    assert backend.get_credential("nope") is None
