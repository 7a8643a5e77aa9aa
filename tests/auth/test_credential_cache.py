"""Credential reads are reused (at most CREDENTIAL_CACHE_SECONDS), but a revocation or deletion
by any process (another worker, `lrs credentials revoke`) counts at the next request."""

from __future__ import annotations

import time

from lrs.store.sqlite import SQLiteStore
from tests.conftest import XAPIClient, add_credential

XAPI = "/xapi/statements"


def test_revocation_by_another_process_counts_at_once(client, store):
    assert client.get(XAPI).status_code == 200
    elsewhere = SQLiteStore(store.path)  # another process's view of the same file
    assert elsewhere.revoke_credential("tool", "2026-01-01T00:00:00Z")
    elsewhere.close()
    assert client.get(XAPI).status_code == 401


def test_reads_are_reused_for_a_bounded_time(client, store, monkeypatch):
    monkeypatch.setattr(SQLiteStore, "CREDENTIAL_CACHE_SECONDS", 0.2)
    assert client.get(XAPI).status_code == 200  # the first use also records last_used (read again after)
    reads = []
    real = SQLiteStore._credential
    monkeypatch.setattr(SQLiteStore, "_credential", staticmethod(lambda row: reads.append(row) or real(row)))
    for _ in range(3):
        assert client.get(XAPI).status_code == 200
    assert len(reads) == 1
    time.sleep(0.25)
    assert client.get(XAPI).status_code == 200
    assert len(reads) == 2


def test_a_wrong_secret_is_refused_though_the_key_is_cached(app, store, client):
    assert client.get(XAPI).status_code == 200
    wrong = app.test_client().get(XAPI, headers={"X-Experience-API-Version": "1.0.3",
                                                 "Authorization": "Basic dG9vbDpub3Bl"})  # tool:nope
    assert wrong.status_code == 401


def test_revocation_in_this_process_counts_at_once(app, store):
    other = XAPIClient(app.test_client(), add_credential(store, key="other", secret="first"))
    assert other.get(XAPI).status_code == 200
    store.revoke_credential("other", "2026-01-01T00:00:00Z")
    assert other.get(XAPI).status_code == 401
