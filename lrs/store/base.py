"""The storage contract. SQLite (default) and MongoDB implement it; one contract
test suite (tests/store/) runs against each.

Stores receive statements already validated and completed by the xAPI domain
(:class:`lrs.xapi.statements.PreparedStatement`) and answer
:class:`lrs.xapi.query.StatementQuery`. They never see HTTP.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from typing import Callable

from lrs.auth.credentials import Credential
from lrs.xapi.documents import Document, DocumentRef
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


@dataclass
class StatementPage:
    statements: list[StoredStatement]
    #: a cursor for the next page, or None when this page is the last
    more: str | None


@dataclass
class Person:
    id: int
    username: str
    email: str | None
    password_hash: str
    is_admin: bool
    created: str


class Store(abc.ABC):
    """Everything the LRS keeps. Methods raise :mod:`lrs.errors` types for client faults."""

    # -- lifecycle -----------------------------------------------------------
    @abc.abstractmethod
    def initialise(self) -> None:
        """Create what the store needs (tables, indexes); safe to call again."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def ping(self) -> None:
        """Raise when the store cannot answer a read now (for ``/health``); stores may do better."""
        self.get_statement("00000000-0000-0000-0000-000000000000")

    @abc.abstractmethod
    def check(self) -> list[str]:
        """Integrity problems found (empty when the store is sound)."""

    # -- statements ----------------------------------------------------------
    @abc.abstractmethod
    def store_statements(self, statements: list[PreparedStatement], attachments: dict | None = None) -> list[str]:
        """Store a batch all or nothing; return the ids of the statements newly stored.

        ``attachments`` maps a SHA-2 hash to an object with ``content_type`` and
        ``content``; each body is stored once however many statements share it.

        Each statement is stamped (``stored``) inside the transaction. A statement whose
        id exists already is skipped when it is the same statement and raises Conflict
        when it is not. A voiding statement voids its target (unless that is a voiding
        statement); a statement arriving after its voiding statement is stored voided.
        """

    @abc.abstractmethod
    def get_statement(self, statement_id: str, *, voided: bool = False) -> StoredStatement | None:
        """The statement with that id: when ``voided`` only if voided, otherwise only if not."""

    @abc.abstractmethod
    def query_statements(self, query: StatementQuery, limit: int) -> StatementPage:
        """Matching statements that are not voided, newest stored first unless ascending."""

    @abc.abstractmethod
    def statement_count(self) -> int: ...

    @abc.abstractmethod
    def get_attachments(self, hashes: list[str]) -> dict[str, tuple[str, bytes]]:
        """(content type, body) of each stored attachment among ``hashes``."""

    # -- documents (state, activity profile, agent profile) ---------------------------
    @abc.abstractmethod
    def get_document(self, ref: DocumentRef) -> Document | None: ...

    @abc.abstractmethod
    def document_ids(self, ref: DocumentRef, since: str | None = None) -> list[tuple[str, str]]:
        """(id, updated) of every document in the ref's scope, updated after ``since`` if given."""

    @abc.abstractmethod
    def change_document(self, ref: DocumentRef,
                        change: Callable[[Document | None], Document | None]) -> Document | None:
        """Atomically replace a document by ``change(current)``; ``None`` deletes it.

        ``change`` may raise (a failed precondition): then nothing changes.
        """

    @abc.abstractmethod
    def delete_documents(self, ref: DocumentRef) -> int:
        """Delete every document in the ref's scope; return how many."""

    # -- activities ----------------------------------------------------------------
    @abc.abstractmethod
    def get_activity(self, activity_id: str) -> dict | None:
        """The canonical Activity object kept from statements, or None."""

    # -- credentials -----------------------------------------------------------
    @abc.abstractmethod
    def add_credential(self, credential: Credential) -> None: ...

    @abc.abstractmethod
    def get_credential(self, key: str) -> Credential | None: ...

    @abc.abstractmethod
    def list_credentials(self, person_id: int | None = None) -> list[Credential]: ...

    @abc.abstractmethod
    def revoke_credential(self, key: str, when: str) -> bool:
        """Revoke a credential; False when no such active credential exists."""

    @abc.abstractmethod
    def touch_credential(self, key: str, when: str) -> None:
        """Record that the credential was just used."""

    # -- people ----------------------------------------------------------------
    @abc.abstractmethod
    def add_person(self, username: str, password_hash: str, *, email: str | None = None,
                   is_admin: bool = False) -> Person: ...

    @abc.abstractmethod
    def get_person(self, username: str) -> Person | None: ...
