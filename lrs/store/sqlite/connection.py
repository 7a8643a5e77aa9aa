"""What every part of the SQLite store shares: connections (one per thread), the write lock and
write transactions, durable commits and checkpoints, and the interned index terms.

Writes take SQLite's write lock (BEGIN IMMEDIATE) before ``stored`` is stamped, so ``stored``
never goes backwards in sequence order and ``since``/``until`` can be turned into sequence bounds.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import sqlite3
import threading
import time
from pathlib import Path

from lrs.auth.credentials import Credential
from lrs.errors import StoreUnavailable
from lrs.files import create_private, open_private


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class SQLiteConnection:
    """One SQLite file in WAL mode, shared by all workers; the parts of the store are mixed into it."""

    def __init__(self, path: str | Path, *, synchronous: str = "FULL", busy_timeout_ms: int = 15000,
                 mmap_bytes: int = 0):
        self.path = str(path)
        self.synchronous = synchronous
        #: how much of the file reads see through a memory map instead of read() calls (LRS_SQLITE_MMAP)
        self.mmap_bytes = max(0, int(mmap_bytes))
        # FULL: each commit is on disk before it is acknowledged. SQLite would fsync the WAL
        # inside the commit, while this process holds the one write lock, so writers would
        # queue behind each other's fsyncs (≈ 2–5 ms each: at most a few hundred commits/s).
        # Instead the commit writes its WAL frames (synchronous=NORMAL), releases the lock,
        # and then fsyncs the WAL before returning: the next writer works meanwhile, and
        # concurrent fsyncs of the one file are merged by the file system (group commit).
        # Nothing is acknowledged before its frames are synced; NORMAL itself syncs the WAL
        # before every checkpoint and the database after it, so frames a checkpoint moved
        # into the database are durable too.
        self.sync_wal_after_commit = synchronous == "FULL" and self.path != ":memory:"
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._terms: dict[str, int] = {}
        self._terms_epoch: str | None = None  # meta 'terms_retired' when _terms was last known good
        # key: (credential, reused until, credentials version), see SQLiteCredentials.get_credential
        self._credentials: dict[str, tuple[Credential, float, int]] = {}
        self._changes: dict[str, str] = {}  # of a store in memory: _note_change's tokens
        self._lock: _WriterLock | None = None
        self._checkpointer_pid: int | None = None  # the process whose checkpoint thread runs (_after_commit)
        self._checkpointer_lock = threading.Lock()
        self._written = threading.Event()

    # -- connections -----------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                create_private(self.path)  # SQLite gives the WAL and shared memory the file's mode
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=self.busy_timeout_ms / 1000)
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {'NORMAL' if self.sync_wal_after_commit else self.synchronous}")
            conn.execute("PRAGMA foreign_keys = ON")
            # deleted rows are overwritten with zeros, not left readable in free space (erasure)
            conn.execute("PRAGMA secure_delete = ON")
            # 8 MiB per connection (default: 2 MiB); a worker has one per thread, and the OS page
            # cache, shared by all workers, holds the rest of the file
            conn.execute("PRAGMA cache_size = -8192")
            if self.mmap_bytes and self.path != ":memory:":
                # pages are read from a shared mapping of the file (no read() call and copy per page);
                # the pages a worker touches count in its RSS, though they are the OS page cache's
                conn.execute(f"PRAGMA mmap_size = {self.mmap_bytes}")
            # Checkpoints (copying the WAL into the database, then an fsync) are run by a thread of
            # each writing process, outside the write lock (_checkpoints). SQLite's own would run
            # inside a commit, holding the lock, and stop every writer meanwhile; it stays as a
            # backstop at ~400 MiB of WAL.
            conn.execute(f"PRAGMA wal_autocheckpoint = {100_000 if self.path != ':memory:' else 10_000}")
            conn.execute("PRAGMA journal_size_limit = 67108864")  # a WAL started again is cut to 64 MiB
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def ping(self) -> None:
        self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()

    # -- writing -----------------------------------------------------------------
    def _write(self):
        return _WriteTransaction(self.conn, self._writer_lock,
                                 after_commit=self._after_commit if self.path != ":memory:" else None)

    def _after_commit(self) -> None:
        """After a write transaction, the write lock released: sync it (FULL), ask for a checkpoint."""
        if self.sync_wal_after_commit:
            self._sync_wal()
        if self._checkpointer_pid != os.getpid():
            with self._checkpointer_lock:
                if self._checkpointer_pid != os.getpid():
                    self._checkpointer_pid = os.getpid()
                    self._written = threading.Event()
                    threading.Thread(target=self._checkpoints, args=(self._written,), name="lrs-checkpoints",
                                     daemon=True).start()
        self._written.set()

    #: a checkpoint at most this often (seconds) while writes go on; the thread ends when idle
    CHECKPOINT_EVERY = 0.25
    #: the WAL is started again (second step, under the write lock) once it holds this many pages
    WAL_RESTART_FRAMES = 4096
    CHECKPOINTER_IDLE = 30.0

    def _checkpoints(self, written: threading.Event) -> None:
        """Checkpoints after writes, in two steps. The first copies what the WAL holds while writers go
        on; it cannot finish while they append, and the WAL is reused from its start only after a
        checkpoint that finished. So the second, holding the write lock, copies just what arrived
        during the first, and the next writer starts the WAL again: it stays small."""
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA synchronous = {'NORMAL' if self.sync_wal_after_commit else self.synchronous}")
            while written.wait(self.CHECKPOINTER_IDLE):
                written.clear()
                try:
                    _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    lock = self._writer_lock
                    if frames >= self.WAL_RESTART_FRAMES and lock.acquire(timeout=5.0):
                        try:
                            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                        finally:
                            lock.release()
                except sqlite3.Error:  # busy or failed: the next round (or SQLite's backstop) does it
                    pass
                time.sleep(self.CHECKPOINT_EVERY)
        finally:
            with self._checkpointer_lock:
                if self._written is written:
                    self._checkpointer_pid = None
            conn.close()

    def _sync_wal(self) -> None:
        """Make every committed WAL frame durable (see __init__); runs after the write lock is released."""
        try:
            fd = os.open(self.path + "-wal", os.O_RDONLY)
        except FileNotFoundError:  # no WAL: everything was checkpointed into the (synced) database
            return
        try:
            os.fdatasync(fd)
        finally:
            os.close(fd)

    # -- change signals: caches of other processes learn of a change by a stat, not a read ------------
    def _change_file(self, name: str) -> str:
        if not re.fullmatch(r"[a-z0-9-]+", name):
            raise ValueError(f"a change's name is lower-case letters, digits and dashes, not {name!r}")
        return f"{self.path}-changes-{name}"

    def _change_token(self, name: str) -> str | None:
        """A value that differs after every :meth:`_note_change` of ``name`` in any process: the file
        ``<store>-changes-<name>``, a byte longer at each change. A stat (≈ 6 µs) instead of a read (≈ 20
        µs once other workers' commits have emptied this connection's page cache, as they do when served)."""
        path = self._change_file(name)
        if self.path == ":memory:":
            return self._changes.get(name)
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return None
        return f"{stat.st_ino}:{stat.st_size}"  # a file removed and made again is another file

    def _note_change(self, name: str) -> None:
        """After the change has committed: every process's :meth:`_change_token` of ``name`` differs."""
        path = self._change_file(name)
        if self.path == ":memory:":
            self._changes[name] = str(int(self._changes.get(name) or 0) + 1)
            return
        with open_private(path, "ab") as stamp:
            stamp.write(b".")

    @property
    def _writer_lock(self) -> "_WriterLock | None":
        if self.path == ":memory:":
            return None
        if self._lock is None:
            self._lock = _WriterLock(self.path + "-writer.lock")
        return self._lock

    # -- index terms: interned, an integer per distinct index key ---------------------------
    def _term_id(self, conn, term: str, create: bool) -> int | None:
        cached = self._terms.get(term)
        if cached is not None:
            return cached
        row = conn.execute("SELECT id FROM terms WHERE term = ?", (term,)).fetchone()
        if row:
            return row[0]
        if not create:
            return None
        return conn.execute("INSERT INTO terms (term) VALUES (?) RETURNING id", (term,)).fetchone()[0]

    #: the longest term whose id is remembered: with the count bound, the cache's memory stays bounded
    #: whatever IRIs clients send (real ones are far shorter; a longer one is looked up each time)
    LONGEST_REMEMBERED_TERM = 512

    def _remember_terms(self, new_terms: dict[str, int]) -> None:
        """After a commit: the term ids it made or used, for the next writes and queries."""
        if len(self._terms) + len(new_terms) > 200_000:  # bounded: registrations are many
            self._terms.clear()
        longest = self.LONGEST_REMEMBERED_TERM
        self._terms.update((term, term_id) for term, term_id in new_terms.items() if len(term) <= longest)

    def _check_terms_cache(self, conn) -> None:
        """Forget the cached term ids once an erasure (in any process) has retired terms."""
        row = conn.execute("SELECT value FROM meta WHERE key = 'terms_retired'").fetchone()
        self._check_terms_epoch(row[0] if row else None)

    def _check_terms_epoch(self, terms_retired: str | None) -> None:
        """The same, given meta's 'terms_retired' (read together with what a write reads first)."""
        epoch = terms_retired if terms_retired is not None else "0"
        if epoch != self._terms_epoch:
            self._terms.clear()
            self._terms_epoch = epoch

    @staticmethod
    def _rows_in(conn, sql: str, values: list, chunk: int = 500, times: int = 1) -> list[tuple]:
        """``sql`` with ``IN ({})`` over ``values``, a chunk at a time (SQLite bounds parameters);
        ``times``: how many ``IN ({0})`` the query has, each given the same chunk."""
        rows: list[tuple] = []
        for start in range(0, len(values), chunk):
            part = values[start:start + chunk]
            rows += conn.execute(sql.format(",".join("?" * len(part))), part * times).fetchall()
        return rows


class _WriterLock:
    """One writer at a time across threads and processes, handed over without delay.

    SQLite's own busy handler makes waiting writers sleep in growing steps (up to
    100 ms), which leaves the write lock idle under load; a kernel file lock wakes
    the next writer as soon as the last one commits.
    """

    def __init__(self, path: str):
        self.path = path
        self.thread_lock = threading.Lock()
        self.fd: int | None = None

    def acquire(self, timeout: float) -> bool:
        if not self.thread_lock.acquire(timeout=timeout):
            return False
        try:
            if self.fd is None:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except BaseException:
            self.thread_lock.release()
            raise
        return True

    def release(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.thread_lock.release()


class _WriteTransaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error; a lock held too long is a 503."""

    def __init__(self, conn: sqlite3.Connection, lock: _WriterLock | None = None, timeout: float = 15.0,
                 after_commit=None):
        self.conn = conn
        self.lock = lock
        self.timeout = timeout
        self.after_commit = after_commit

    def __enter__(self) -> sqlite3.Connection:
        if self.lock is not None and not self.lock.acquire(self.timeout):
            raise StoreUnavailable("the store is busy; try again")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            self._unlock()
            raise StoreUnavailable(f"the store is busy ({exc}); try again") from exc
        return self.conn

    def _unlock(self) -> None:
        if self.lock is not None:
            self.lock.release()

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            result = self._finish(exc_type, exc)
        finally:
            self._unlock()
        if exc_type is None and self.after_commit is not None:
            try:
                self.after_commit()
            except OSError as error:
                raise StoreUnavailable(f"the store could not sync its commit to disk ({error})") from error
        return result

    def _finish(self, exc_type, exc) -> bool:
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
                return False
            except sqlite3.OperationalError as error:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise StoreUnavailable(f"the store could not commit ({error}); try again") from error
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        if exc_type is sqlite3.OperationalError:
            raise StoreUnavailable(f"the store is busy ({exc}); try again") from exc
        return False
