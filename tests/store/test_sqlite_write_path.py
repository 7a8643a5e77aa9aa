"""The SQLite write path: FULL durability with group commit (each write's WAL frames are fsynced
before it returns, after the write lock is released, so writers do not queue behind each other's
fsyncs); checkpoints outside the write lock; the store's "holds 2.0 context" flag."""

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


def test_a_thread_checkpoints_after_writes_outside_the_write_lock(tmp_path, monkeypatch):
    import shutil
    import sqlite3
    import time

    from lrs.auth.credentials import Credential

    monkeypatch.setattr(SQLiteStore, "CHECKPOINT_EVERY", 0.01)
    monkeypatch.setattr(SQLiteStore, "CHECKPOINTER_IDLE", 0.5)
    monkeypatch.setattr(SQLiteStore, "WAL_RESTART_FRAMES", 0)
    store = SQLiteStore(tmp_path / "lrs.sqlite3")
    store.initialise()
    store.add_credential(Credential(key="k", name="n", scopes=("all",), authority={}, secret_hash="h"))
    deadline = time.monotonic() + 30  # a bound for a loaded machine, not a timing
    while time.monotonic() < deadline:  # the database file alone (no WAL) holds the write once it is checkpointed
        shutil.copy(tmp_path / "lrs.sqlite3", tmp_path / "copy.sqlite3")
        copy = sqlite3.connect(tmp_path / "copy.sqlite3")
        try:
            found = copy.execute("SELECT count(*) FROM credentials").fetchone()[0]
        except sqlite3.DatabaseError:  # not even the tables yet, or a copy torn by a checkpoint writing the file
            found = 0
        copy.close()
        if found:
            break
        time.sleep(0.05)
    assert found == 1
    def checkpointing():
        return [t for t in __import__("threading").enumerate() if t.name == "lrs-checkpoints"
                and t.is_alive() and store._checkpointer_pid is not None]

    deadline = time.monotonic() + 30
    while checkpointing() and time.monotonic() < deadline:  # idle: the thread ends, and a later write starts another
        time.sleep(0.05)
    assert not checkpointing()
    store.revoke_credential("k", "2026-01-01T00:00:00Z")
    assert store._checkpointer_pid is not None
    store.close()


def test_statements_copied_in_keep_the_2_0_context_flag_true(tmp_path):
    import uuid

    from lrs.xapi.statements import prepare
    from tests.conftest import statement

    source, target = SQLiteStore(tmp_path / "a.sqlite3"), SQLiteStore(tmp_path / "b.sqlite3")
    for store in (source, target):
        store.initialise()
        assert not store.may_hold_2_0_context()
    body = statement(id=str(uuid.uuid4()), context={"contextAgents": [
        {"objectType": "contextAgent", "agent": {"mbox": "mailto:m@example.org"}}]})
    source.store_statements([prepare(body, authority={"mbox": "mailto:t@example.org"}, authority_key="t",
                                     version="2.0.0", owners=None)])
    assert source.may_hold_2_0_context()
    target.load("statements", list(source.dump("statements")))
    assert target.may_hold_2_0_context()
    source.close()
    target.close()


def test_mmap_setting_reaches_every_connection(tmp_path, monkeypatch):
    """LRS_SQLITE_MMAP is read by the config and set on each connection (0, the default: read() calls)."""
    from lrs.config import Config
    from lrs.store.sqlite import open_sqlite

    url = f"sqlite:///{tmp_path / 'lrs.sqlite3'}"
    monkeypatch.setenv("LRS_SQLITE_MMAP", str(64 * 1024 * 1024))
    mapped = open_sqlite(url, Config.from_env())
    mapped.initialise()
    assert mapped.conn.execute("PRAGMA mmap_size").fetchone()[0] == 64 * 1024 * 1024
    mapped.close()
    monkeypatch.delenv("LRS_SQLITE_MMAP")
    plain = open_sqlite(url, Config.from_env())
    assert plain.conn.execute("PRAGMA mmap_size").fetchone()[0] == 0
    plain.close()


def _prepared(n: int, **overrides):
    import uuid

    from lrs.xapi.statements import prepare
    from tests.conftest import statement

    return [prepare(statement(id=str(uuid.uuid4()), context={"registration": str(uuid.uuid4())},
                              object={"id": f"http://example.org/activities/{uuid.uuid4()}",
                                      "definition": {"name": {"en-US": "new"}}}, **overrides),
                    authority={"mbox": "mailto:t@example.org"}, authority_key="t", version="1.0.3", owners=None,
                    define=True) for _ in range(n)]


def test_a_sequence_number_is_never_given_twice(tmp_path):
    """Statements are numbered after the last number ever given, even when that statement is gone
    (erased): a ``more`` cursor and ``since`` bounds rest on numbers that only grow."""
    store = SQLiteStore(tmp_path / "lrs.sqlite3")
    store.initialise()
    store.store_statements(_prepared(3))
    with store._write() as conn:
        conn.execute("DELETE FROM statements WHERE seq = 3")
    store.store_statements(_prepared(2))
    assert [r[0] for r in store.conn.execute("SELECT seq FROM statements ORDER BY seq")] == [1, 2, 4, 5]
    store.close()


class _CountingConnection:
    """A connection that counts the SQL statements sent to SQLite (an executemany counts once)."""

    def __init__(self, conn):
        self._conn, self.sent = conn, 0

    def execute(self, *args):
        self.sent += 1
        return self._conn.execute(*args)

    def executemany(self, *args):
        self.sent += 1
        return self._conn.executemany(*args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def test_a_batch_is_written_in_as_many_round_trips_whatever_its_size(tmp_path):
    """New statements, each with a new registration, a new activity and its definition: the SQL
    statements sent for a batch do not grow with the number of statements in it."""
    store = SQLiteStore(tmp_path / "lrs.sqlite3")
    store.initialise()
    store.store_statements(_prepared(1))
    sent = {}
    for size in (2, 50):
        counting = _CountingConnection(store.conn)
        store._local.conn = counting
        store.store_statements(_prepared(size))
        store._local.conn = counting._conn
        sent[size] = counting.sent
    assert sent[50] == sent[2]
    assert store.statement_count() == 53
    store.close()


def test_a_single_statement_is_stored_in_few_round_trips(tmp_path):
    """A single POST's SQL is most of its time in SQLite calls (docs/performance.md): what a write reads
    first is one query, and what the write rules need of the stored statements another."""
    from tests.store.contract import prepared

    store = SQLiteStore(tmp_path / "lrs.sqlite3")
    store.initialise()
    store.store_statements([prepared()])  # the terms this statement's twin needs are known now
    asked = []
    store.conn.set_trace_callback(asked.append)
    store.store_statements([prepared()])
    store.conn.set_trace_callback(None)
    reads = [sql for sql in asked if sql.lstrip().upper().startswith("SELECT")]
    assert len(reads) <= 3, reads  # first reads, the stored statements (and an activity definition merged)
    store.close()


def test_the_term_cache_keeps_no_long_terms(tmp_path):
    """Its memory is bounded by count and length: a client sending long unique IRIs cannot grow it."""
    from tests.store.contract import prepared, q

    store = SQLiteStore(tmp_path / "lrs.sqlite3")
    store.initialise()
    short = "http://example.org/activities/short"
    long = "http://example.org/activities/" + "l" * SQLiteStore.LONGEST_REMEMBERED_TERM
    stored = store.store_statements([prepared(object={"id": short}), prepared(object={"id": long})])
    assert f"activity:{short}" in store._terms
    assert f"activity:{long}" not in store._terms
    assert q(store, activity=long) == stored[1:]  # still found: its id is looked up each time
    store.close()
