"""The storage contract. SQLite (default) and MongoDB implement it; one contract
test suite (tests/store/) runs against each, part by part.

:class:`Store` is the sum of the parts in :mod:`lrs.store.contract` (statements, documents,
people, items, credentials, and erasure and copying, which span them), with the lifecycle
below. Each backend is a package with a module per part.

Stores receive statements already validated and completed by the xAPI domain
(:class:`lrs.xapi.statements.PreparedStatement`), with what storing them does decided by
the domain too (:mod:`lrs.xapi.writes`), and answer :class:`lrs.xapi.query.StatementQuery`.
They never see HTTP.

Every method that reads or changes a person's statements, attachments or documents
takes a :class:`lrs.access.Reach` (keyword ``reach``, required): the access gate
decides what a reader may see, the store applies it in its own query.
"""

from __future__ import annotations

import abc

from lrs.store.contract import (
    RECORD_KINDS,
    CopyingStore,
    CredentialStore,
    DocumentStore,
    ErasureStore,
    Identity,
    Item,
    ItemStore,
    PeopleStore,
    Person,
    RecordRowStore,
    StatementPage,
    StatementStore,
    StoredStatement,
)

__all__ = ["RECORD_KINDS", "Identity", "Item", "Person", "StatementPage", "Store", "StoredStatement"]


class Store(StatementStore, DocumentStore, PeopleStore, ItemStore, CredentialStore, RecordRowStore, ErasureStore,
            CopyingStore):
    """Everything the LRS keeps. Methods raise :mod:`lrs.errors` types for client faults."""

    @abc.abstractmethod
    def initialise(self) -> None:
        """Create what the store needs (tables, indexes); safe to call again."""

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise when the store cannot answer a read now (for ``/health``)."""

    @abc.abstractmethod
    def check(self) -> list[str]:
        """Integrity problems found (empty when the store is sound)."""
