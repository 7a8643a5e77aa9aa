"""Statements: stored as the domain prepared them (:class:`lrs.xapi.statements.PreparedStatement`),
read by :class:`lrs.xapi.query.StatementQuery`, always within a :class:`lrs.access.Reach`."""

from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass

from lrs.access import Reach
from lrs.xapi.query import StatementQuery
from lrs.xapi.statements import PreparedStatement


@dataclass
class StoredStatement:
    """A statement as stored: its JSON text exactly as it will be sent back."""

    id: str
    json: str
    stored: str  # index_time() form
    voided: bool = False
    authority_key: str | None = None
    #: in timestamp order (StatementQuery.order): where it is (lrs.xapi.query.timeline_position)
    position: str | None = None


@dataclass
class StatementPage:
    statements: list[StoredStatement]
    #: a cursor for the next page, or None when this page is the last
    more: str | None


class StatementStore(abc.ABC):
    """Statements, the attachment bodies they carried, and the activities kept from them."""

    @abc.abstractmethod
    def store_statements(self, statements: list[PreparedStatement], attachments: dict | None = None) -> list[str]:
        """Store a batch all or nothing; return the ids of the statements newly stored.

        ``attachments`` maps a SHA-2 hash to an object with ``content_type`` and
        ``content``; each body is stored once however many statements share it.

        Each statement is stamped (``stored``) inside the transaction. What each does is
        decided by :func:`lrs.xapi.writes.plan_writes`, the store persisting the plan: a
        statement whose id exists already is skipped when it is the same statement and raises
        Conflict when it is not. A voiding statement voids its target (unless that is a voiding
        statement); a statement arriving after its voiding statement is stored voided.
        A statement targeting another by StatementRef inherits the target's filter keys
        (:func:`lrs.xapi.indexing.inherited`), never its ownership keys. Which bodies each
        statement carried (``PreparedStatement.carries``) is kept: bodies are served by that.
        Who may write is decided before (the access gate, in :mod:`lrs.ingest`).
        """

    @abc.abstractmethod
    def get_statement(self, statement_id: str, *, reach: Reach, voided: bool = False) -> StoredStatement | None:
        """The statement with that id within reach: when ``voided`` only if voided, otherwise only if not."""

    @abc.abstractmethod
    def query_statements(self, query: StatementQuery, limit: int, *, reach: Reach) -> StatementPage:
        """Matching statements within reach that are not voided, newest stored first unless ascending.

        ``query.order == "timestamp"``: one person's learning records (the reach must be narrowed
        to owners, else ValueError) by when the learning happened, newest first unless ascending,
        from the store's index of (owner, time, sequence); voiding statements are not among them.
        The filters ``agent``, ``verb``, ``activity`` and ``registration`` apply; ``since`` and
        ``until`` (times of storing) do not: ``timestamp_from`` and ``timestamp_before`` do. Each
        statement comes with its ``position``, and the ``more`` cursor continues past the last one
        (keyset paging: a page stays put while statements arrive, and a statement that arrives
        back-dated is found in its place).
        """

    @abc.abstractmethod
    def count_statements(self, query: StatementQuery, *, reach: Reach) -> int:
        """How many statements ``query`` (in timestamp order, as :meth:`query_statements`) finds within reach."""

    @abc.abstractmethod
    def reachable_ids(self, statement_ids: list[str], *, reach: Reach) -> set[str]:
        """Those of the ids (voided or not) whose statements are within reach."""

    @abc.abstractmethod
    def statement_count(self) -> int: ...

    def may_hold_2_0_context(self) -> bool:
        """False only when no stored statement has context.contextAgents or contextGroups, so a 1.0.3
        reader's page needs no downgrade. Ask after reading the statements it is about."""
        return True

    @abc.abstractmethod
    def get_attachments(self, statement_ids: list[str], *, reach: Reach) -> dict[str, tuple[str, bytes]]:
        """(content type, body) by SHA-2 of every attachment body that one of these statements
        (voided or not) within reach carried. Never by hash alone: declaring a hash
        somewhere gives no one its body."""

    # -- activities ----------------------------------------------------------------
    @abc.abstractmethod
    def get_activity(self, activity_id: str) -> dict | None:
        """The canonical Activity object kept from statements, or None."""

    # -- consistency ---------------------------------------------------------------------
    def consistent_through(self) -> str:
        """The X-Experience-API-Consistent-Through time (xAPI-Communication.md §2.1.3): every
        statement stored at or before it is visible to queries. Stores whose writers stamp
        ``stored`` on several machines override it."""
        return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
