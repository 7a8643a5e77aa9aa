"""Group commit of statement writes in the SQLite store (lrs/store/sqlite/group_commit.py): writers
that arrive together share one transaction and one fsync, each in a savepoint of its own, and each
is answered only once the commit holding its writes is durable."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lrs.errors import Conflict, StoreUnavailable
from lrs.store.sqlite import SQLiteStore
from lrs.store.sqlite.group_commit import GroupCommit
from tests.store.contract import prepared, together


@pytest.fixture
def store(tmp_path):
    store = SQLiteStore(tmp_path / "lrs.sqlite3")
    store.initialise()
    yield store
    store.close()


def recording_groups():
    """The sizes of the groups committed, and a GroupCommit._commit that records them."""
    groups: list[int] = []
    real = GroupCommit._commit

    def commit(self, group, *rest):
        groups.append(len(group))
        real(self, group, *rest)

    return groups, commit


def stored(store, statement_id):
    return store.conn.execute("SELECT count(*) FROM statements WHERE id = ?", (statement_id,)).fetchone()[0]


def test_writers_arriving_together_share_a_commit_and_each_gets_its_own_answer(store, monkeypatch):
    groups, commit = recording_groups()
    monkeypatch.setattr(GroupCommit, "_commit", commit)
    synced = []
    real_sync = store._sync_wal
    monkeypatch.setattr(store, "_sync_wal", lambda: (synced.append(1), real_sync()))
    batches = [[prepared() for _ in range(1 + n % 3)] for n in range(8)]
    lock = store._writer_lock
    lock.acquire(5)
    threading.Timer(0.3, lock.release).start()  # meanwhile the writers queue up
    answers = together(8, lambda n: store.store_statements(batches[n]))
    assert answers == [[p.id for p in batch] for batch in batches]
    assert all(stored(store, p.id) == 1 for batch in batches for p in batch)
    assert sum(groups) == 8 and max(groups) > 1
    assert len(synced) == len(groups) < 8  # one fsync a group
    seqs = [row[0] for row in store.conn.execute("SELECT seq FROM statements ORDER BY seq")]
    assert seqs == list(range(1, 1 + sum(map(len, batches))))
    stamps = [row[0] for row in store.conn.execute("SELECT stored FROM statements ORDER BY seq")]
    assert stamps == sorted(stamps)  # stored never goes backwards in storage order


def test_a_conflict_in_a_group_fails_its_own_writer_only(store, monkeypatch):
    groups, commit = recording_groups()
    monkeypatch.setattr(GroupCommit, "_commit", commit)
    first = prepared()
    store.store_statements([first])
    clash = prepared({**first.statement, "verb": {"id": "http://example.org/other"}})
    batches = [[prepared(), prepared()] for _ in range(5)]
    batches[2] = [prepared(), clash]  # all or nothing: its first statement goes too
    lock = store._writer_lock
    lock.acquire(5)
    threading.Timer(0.3, lock.release).start()

    def write(n):
        try:
            return store.store_statements(batches[n])
        except Conflict as error:
            return error

    answers = together(5, write)
    assert max(groups) > 1
    assert isinstance(answers[2], Conflict)
    assert stored(store, batches[2][0].id) == 0
    for n in (0, 1, 3, 4):
        assert answers[n] == [p.id for p in batches[n]]
        assert all(stored(store, p.id) == 1 for p in batches[n])


def test_a_group_whose_commit_cannot_be_synced_acknowledges_no_writer(store, monkeypatch):
    groups, commit = recording_groups()
    monkeypatch.setattr(GroupCommit, "_commit", commit)

    def no_sync():
        raise OSError("the disk is gone")

    monkeypatch.setattr(store, "_sync_wal", no_sync)
    batches = [[prepared()] for _ in range(4)]
    lock = store._writer_lock
    lock.acquire(5)
    threading.Timer(0.3, lock.release).start()

    def write(n):
        try:
            return store.store_statements(batches[n])
        except StoreUnavailable as error:
            return error

    answers = together(4, write)
    assert max(groups) > 1
    assert all(isinstance(answer, StoreUnavailable) for answer in answers)  # not one is acknowledged


def test_a_writer_error_sqlite_raises_inside_a_group_is_a_503_of_its_own(store, monkeypatch):
    """An OperationalError in one writer's work (SQLite busy, say) that leaves the transaction open is
    rolled back to that writer's savepoint: a 503 for it, the others' work committed."""
    groups, commit = recording_groups()
    monkeypatch.setattr(GroupCommit, "_commit", commit)
    batches = [[prepared()] for _ in range(4)]
    doomed = batches[1][0].id
    real_found = store._found

    def found(conn, statements):
        if statements[0].id == doomed:
            raise sqlite3.OperationalError("database is locked")
        return real_found(conn, statements)

    monkeypatch.setattr(store, "_found", found)
    lock = store._writer_lock
    lock.acquire(5)
    threading.Timer(0.3, lock.release).start()

    def write(n):
        try:
            return store.store_statements(batches[n])
        except StoreUnavailable as error:
            return error

    answers = together(4, write)
    assert max(groups) > 1
    assert isinstance(answers[1], StoreUnavailable)
    assert [answers[n] for n in (0, 2, 3)] == [[batches[n][0].id] for n in (0, 2, 3)]


WRITER = """
import sys, threading, uuid
from lrs.store.sqlite import SQLiteStore
from lrs.store.sqlite.group_commit import GroupCommit
from tests.store.contract import prepared

store = SQLiteStore(sys.argv[1])
out = threading.Lock()  # one line at a time
real = GroupCommit._commit
def commit(self, group, *rest):
    if len(group) > 1:
        with out:
            print("group", len(group), flush=True)
    real(self, group, *rest)
GroupCommit._commit = commit

def write():
    while True:
        batch = [prepared() for _ in range(1 + uuid.uuid4().int % 3)]
        with out:
            print("trying", " ".join(p.id for p in batch), flush=True)
        store.store_statements(batch)
        with out:
            print("acked", " ".join(p.id for p in batch), flush=True)

for _ in range(8):
    threading.Thread(target=write, daemon=True).start()
threading.Event().wait()
"""


def test_sigkill_during_grouped_writes_loses_no_acknowledged_statement(tmp_path):
    """The writing process is killed at random moments while groups commit; afterwards every
    statement it acknowledged is stored, and no batch is half stored."""
    path = tmp_path / "lrs.sqlite3"
    SQLiteStore(path).initialise()
    acked: list[list[str]] = []
    tried: list[list[str]] = []
    groups = 0
    rng = random.Random(18)
    root = Path(__file__).parents[2]
    for _ in range(6):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True,
                                 cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
        lines: list[str] = []
        reader = threading.Thread(target=lambda c=child, got=lines: got.extend(c.stdout), daemon=True)
        reader.start()
        deadline = time.monotonic() + 60
        while sum(line.startswith("acked") for line in list(lines)) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.3))
        child.send_signal(signal.SIGKILL)
        child.wait()
        reader.join(10)
        acked += [line.split()[1:] for line in lines if line.startswith("acked")]
        tried += [line.split()[1:] for line in lines if line.startswith("trying")]
        groups += sum(line.startswith("group") for line in lines)
    assert acked and groups > 0  # the kills came while writers were being grouped
    conn = sqlite3.connect(path)
    present = {row[0] for row in conn.execute("SELECT id FROM statements")}
    missing = [i for batch in acked for i in batch if i not in present]
    assert not missing, (missing[:5], len(missing), len(present))
    assert all(sum(i in present for i in batch) in (0, len(batch)) for batch in tried)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
