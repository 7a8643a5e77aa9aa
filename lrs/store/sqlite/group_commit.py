"""Group commit: statement writes that arrive together in one process share one transaction and
one fsync (issue 18; docs/performance.md).

A writer hands its work to the store and waits. The first writer with no group running becomes
the leader: it takes every piece of work waiting, runs each in a SAVEPOINT of one write
transaction on its own connection, commits, syncs the WAL (synchronous=FULL: a 200 means
durable), and only then tells each writer how its work went. Work that fails (a conflict, a
write rule) is rolled back to its savepoint and its error goes to its own writer; the others'
work stays. Writers arriving while a leader works wait for the next group, which one of them leads.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from lrs.errors import StoreUnavailable


class _Work:
    """One writer's work, and how it went (set by the leader of its group)."""

    __slots__ = ("run", "taken", "done", "result", "error")

    def __init__(self, run: Callable[[sqlite3.Connection], Any]):
        self.run = run
        self.taken = False  # by a leader, for its group
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


class GroupCommit:
    """Leader/follower group commit of one store in one process.

    ``transaction()`` opens a write transaction on the calling thread's connection (BEGIN IMMEDIATE
    under the writer lock; its exit commits and releases the lock, or rolls back); ``sync()`` then
    makes what it committed durable (the WAL's fsync).
    """

    #: at most this many writers' work in one transaction (a bound on a group's latency)
    MAX_GROUP = 64

    def __init__(self, transaction: Callable[[], Any], sync: Callable[[], None]):
        self.transaction, self.sync = transaction, sync
        self._changed = threading.Condition()
        self._waiting: list[_Work] = []
        self._leader: object | None = None  # the group that leads now, until it has committed

    def write(self, run: Callable[[sqlite3.Connection], Any]) -> Any:
        """``run(conn)`` inside a write transaction, returned only once that transaction is durable;
        ``run``'s own error is raised here and undoes only ``run``'s writes."""
        work = _Work(run)
        with self._changed:
            self._waiting.append(work)
            while not work.done and (self._leader is not None or work.taken):
                self._changed.wait()
            if work.done:
                return work.outcome()
            self._leader = leader = object()
            group, self._waiting = self._waiting[:self.MAX_GROUP], self._waiting[self.MAX_GROUP:]
            for taken in group:
                taken.taken = True
        try:
            self._commit(group, leader)
        finally:
            with self._changed:
                if self._leader is leader:  # _commit raised before handing over
                    self._leader = None
                for taken in group:
                    taken.done = True
                self._changed.notify_all()
        return work.outcome()

    def _hand_over(self, leader: object) -> None:
        """Committed: the next group may start while this one syncs (as writes did before groups)."""
        with self._changed:
            if self._leader is leader:
                self._leader = None
                self._changed.notify_all()

    def _commit(self, group: list[_Work], leader: object) -> None:
        alone = len(group) == 1  # no savepoint needed: its failure rolls back the transaction
        try:
            with self.transaction() as conn:
                for work in group:
                    if alone:
                        work.result = work.run(conn)
                    else:
                        self._run_in_savepoint(conn, work)
            self._hand_over(leader)
            self.sync()
        except BaseException as error:  # the transaction did not commit, or its sync failed
            for work in group:
                if work.error is None:
                    work.error = error if alone else _unavailable(error)
            if not isinstance(error, Exception):
                raise

    @staticmethod
    def _run_in_savepoint(conn: sqlite3.Connection, work: _Work) -> None:
        conn.execute("SAVEPOINT work")
        try:
            work.result = work.run(conn)
        except Exception as error:
            work.error = _unavailable(error) if isinstance(error, sqlite3.OperationalError) else error
            if not conn.in_transaction:  # SQLite rolled the whole transaction back (disk full, I/O)
                raise StoreUnavailable("the store could not write; try again") from error
            conn.execute("ROLLBACK TO work")
        conn.execute("RELEASE work")


def _unavailable(error: BaseException) -> StoreUnavailable:
    """What each writer of a group that did not commit is told (a 503 of its own, as
    :class:`~lrs.store.sqlite.connection._WriteTransaction` words it)."""
    if isinstance(error, StoreUnavailable):
        message = error.message
    elif isinstance(error, sqlite3.OperationalError):
        message = f"the store is busy ({error}); try again"
    else:
        message = f"the store could not commit ({error}); try again"
    unavailable = StoreUnavailable(message)
    unavailable.__cause__ = error
    return unavailable
