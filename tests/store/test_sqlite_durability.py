"""FULL durability with group commit: each write's WAL frames are fsynced before it returns,
after the write lock is released (so writers do not queue behind each other's fsyncs)."""

from __future__ import annotations

import os

from lrs.store.sqlite import SQLiteStore


def test_full_syncs_the_wal_after_unlocking(tmp_path, monkeypatch):
    store = SQLiteStore(tmp_path / "lrs.sqlite3")
    store.initialise()
    synced = []
    real = os.fdatasync

    def fdatasync(fd):
        synced.append((os.readlink(f"/proc/self/fd/{fd}"), store._writer_lock.thread_lock.locked()))
        real(fd)

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL: the store syncs itself
    store.revoke_credential("nobody", "2026-01-01T00:00:00Z")
    assert synced == [(str(tmp_path / "lrs.sqlite3-wal"), False)]
    store.close()


def test_other_modes_leave_syncing_to_sqlite(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "fdatasync", calls.append)
    for mode, level in (("NORMAL", 1), ("EXTRA", 3)):
        store = SQLiteStore(tmp_path / f"{mode}.sqlite3", synchronous=mode)
        store.initialise()
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == level
        store.revoke_credential("nobody", "2026-01-01T00:00:00Z")
        store.close()
    assert calls == []
