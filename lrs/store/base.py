"""The storage contract. SQLite (default) and MongoDB implement it; one contract
test suite (tests/store/) runs against each.

Stores receive statements already validated and completed by the xAPI domain
(:class:`lrs.xapi.statements.PreparedStatement`) and answer
:class:`lrs.xapi.query.StatementQuery`. They never see HTTP.

Every method that reads or changes a person's statements, attachments or documents
takes a :class:`lrs.access.Reach` (keyword ``reach``, required): the access gate
decides what a reader may see, the store applies it in its own query.
"""

from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterator

from lrs.access import Reach
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
    #: in timestamp order (StatementQuery.order): where it is (lrs.xapi.query.timeline_position)
    position: str | None = None


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
    #: a disabled person signs in no way and their keys are refused (people admin); nothing is erased
    disabled: bool = False
    #: when a session was last started for them (any way of signing in), None if never
    last_sign_in: str | None = None


@dataclass
class Identity:
    """An agent identifier a person claims (docs/ownership.md).

    Only a verified claim makes statements theirs; ``verified_by`` says who
    verified it (``"signup"``, ``"admin:<username>"``, ``"mail"``), None while pending.
    """

    person_id: int
    key: str          # lrs.xapi.agents.agent_key
    agent: dict       # the identifying Agent object, as claimed
    verified_by: str | None
    created: str

    @property
    def verified(self) -> bool:
        return self.verified_by is not None


@dataclass
class Item:
    """A small JSON record a person owns: a goal, a share, a session, a link, CPD fields …

    Plugins keep their per-person data as items of their own ``kind`` so that every
    backend stores it and erasure removes it. ``ref`` is one value an item can be
    found by (for a share: the person it is shared with).
    """

    kind: str
    item_id: str
    person_id: int | None
    body: dict
    ref: str | None = None
    created: str = ""
    updated: str = ""


#: what a store dumps and loads (``lrs migrate``), in the order they are copied: statements
#: last, because they are the bulk, streamed in sequence order and resumable
RECORD_KINDS = ("people", "credentials", "identities", "items", "activities", "documents", "attachments",
                "statements")


class Store(abc.ABC):
    """Everything the LRS keeps. Methods raise :mod:`lrs.errors` types for client faults."""

    # -- lifecycle -----------------------------------------------------------
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

    # -- documents (state, activity profile, agent profile) ---------------------------
    # A ref outside reach (a state or agent profile document of an agent not in
    # ``reach.owners``, an activity profile for a reach narrowed to owners) reads as absent,
    # and a change to it raises Forbidden.
    @abc.abstractmethod
    def get_document(self, ref: DocumentRef, *, reach: Reach) -> Document | None: ...

    @abc.abstractmethod
    def document_ids(self, ref: DocumentRef, since: str | None = None, *, reach: Reach) -> list[tuple[str, str]]:
        """(id, updated) of every document in the ref's scope, updated after ``since`` if given."""

    @abc.abstractmethod
    def change_document(self, ref: DocumentRef, change: Callable[[Document | None], Document | None], *,
                        reach: Reach) -> Document | None:
        """Atomically replace a document by ``change(current)``; ``None`` deletes it.

        ``change`` may raise (a failed precondition): then nothing changes.
        """

    @abc.abstractmethod
    def delete_documents(self, ref: DocumentRef, *, reach: Reach) -> int:
        """Delete every document in the ref's scope; return how many."""

    @abc.abstractmethod
    def agent_documents(self, agent: str, *, reach: Reach) -> list[DocumentRef]:
        """The ref (with ``doc_id``) of every state and agent profile document keyed by the agent key.

        Whatever the activity or registration: what a person's export takes with them.
        Ordered by kind, then scope, then id.
        """

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

    @abc.abstractmethod
    def get_person_by_id(self, person_id: int) -> Person | None: ...

    @abc.abstractmethod
    def list_people(self) -> list[Person]: ...

    @abc.abstractmethod
    def update_person(self, person_id: int, *, password_hash: str | None = None, email: str | None = None,
                      is_admin: bool | None = None, disabled: bool | None = None,
                      last_sign_in: str | None = None) -> None:
        """Change the given fields; the others stay."""

    # -- identities ------------------------------------------------------------
    @abc.abstractmethod
    def add_identity(self, person_id: int, agent: dict, *, verified_by: str | None = None) -> Identity:
        """Record a claim, pending or (with ``verified_by``) verified at once.

        A pending claim is recorded even when another person holds the identifier verified, so
        that claiming tells no one whether an identifier is someone's here; it can then never be
        verified. A claim verified at once raises Conflict in that case. Another person "holds"
        an e-mail address also in any other letter case (:func:`lrs.xapi.agents.is_mbox_key`).
        """

    @abc.abstractmethod
    def list_identities(self, person_id: int | None = None, *, verified: bool | None = None) -> list[Identity]:
        """Claims of one person (or of everyone), optionally only verified or only pending ones."""

    @abc.abstractmethod
    def verify_identity(self, person_id: int, key: str, verified_by: str) -> bool:
        """Mark a claim verified; False when there is no such claim.

        Conflict when another person holds the identifier verified already (an e-mail address
        in any letter case). Atomic with that check: of two people verifying one address at
        once, one gets the Conflict.
        """

    @abc.abstractmethod
    def remove_identity(self, person_id: int, key: str) -> bool: ...

    @abc.abstractmethod
    def identity_owner(self, key: str) -> int | None:
        """The person whose verified identity ``key`` is, or None."""

    # -- items: per-person records of plugins ------------------------------------
    @abc.abstractmethod
    def put_item(self, item: Item) -> Item:
        """Create or replace the item (kind, item_id); returns it with its times set."""

    @abc.abstractmethod
    def get_item(self, kind: str, item_id: str) -> Item | None: ...

    @abc.abstractmethod
    def list_items(self, kind: str, *, person_id: int | None = None, ref: str | None = None) -> list[Item]:
        """Items of a kind, oldest first, narrowed to a person and/or a ref."""

    @abc.abstractmethod
    def delete_item(self, kind: str, item_id: str) -> bool: ...

    @abc.abstractmethod
    def take_item(self, kind: str, item_id: str) -> Item | None:
        """Delete the item and return it, or None when there is none.

        For one-time tokens (invitations, confirmation links, link codes): of callers racing
        for one item, in any threads and processes, exactly one gets it.
        """

    # -- attempt counters: limits on guessing ---------------------------------------------
    @abc.abstractmethod
    def count_attempt(self, kind: str, key: str, window: float) -> int:
        """Count one attempt at ``key`` and return the attempts counted in its window, this one included.

        A window opens at the first attempt and lasts ``window`` seconds; the first attempt
        after it opens the next. Atomic across threads and processes, so callers compare the
        answer with their limit *before* doing what is limited: parallel attempts each get a
        different count, and no more than the limit get through.
        """

    @abc.abstractmethod
    def uncount_attempt(self, kind: str, key: str) -> None:
        """Take back one attempt counted in the current window (never below zero): one that
        turned out not to need limiting, such as a sign-in with the right password."""

    # -- erasure -----------------------------------------------------------------
    @abc.abstractmethod
    def erase_person(self, person_id: int, *, erased_home_page: str,
                     statement_ids: list[str] | None = None) -> dict[str, int]:
        """Delete everything that belongs to a person, and their identifiers from what remains.

        With ``statement_ids``, only those of the person's statements (voided or not; ids of
        statements that are not theirs are ignored) and the voiding statements of theirs that
        target them, by the same path: attachment bodies no remaining statement carried go
        with them, and index terms only they used become tombstones; nothing else changes
        (a person deleting some records for good).

        Deleted: statements that belong to them (``actor:`` keys of their verified
        identities), attachment bodies no remaining statement carried, state and agent
        profile documents keyed by those identities, their credentials, identities,
        items (and items that refer to them, ``ref == "person:<id>"``) and the person.
        In the statements that remain (where they were an instructor, a team member,
        an object, an authority) each of their identifiers is replaced by an account
        on ``erased_home_page`` with a random name. Returns counts by kind.
        """

    # -- consistency ---------------------------------------------------------------------
    def consistent_through(self) -> str:
        """The X-Experience-API-Consistent-Through time (xAPI-Communication.md §2.1.3): every
        statement stored at or before it is visible to queries. Stores whose writers stamp
        ``stored`` on several machines override it."""
        return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    # -- copying between stores (lrs migrate) ------------------------------------------------
    @abc.abstractmethod
    def dump(self, kind: str, *, after: int = 0) -> Iterator[dict]:
        """Every record of one of :data:`RECORD_KINDS`, as plain values alike on every backend.

        Shapes: people ``{id, username, email, password_hash, is_admin, created, disabled, last_sign_in}``
        (the last two may be missing from records of older versions); credentials
        the :class:`Credential` fields; identities ``{person_id, key, agent, verified_by, created}``;
        items ``{kind, item_id, person_id, ref, body, created, updated}``; activities
        ``{activity_id, json}``; documents ``{kind, scope, doc_id, activity_id, agent, content_type,
        content, etag, updated}``; attachments ``{sha2, content_type, content}``; statements
        ``{seq, id, stored, voided, voids, ref_target, authority_key, terms, carries, json}`` in
        sequence order, only those with ``seq > after``.
        """

    @abc.abstractmethod
    def load(self, kind: str, records: list[dict]) -> None:
        """Write records dumped by another store, keeping ids and sequence numbers; a record
        whose key is present already is left as it is (so a copy can be resumed)."""

    @abc.abstractmethod
    def last_seq(self) -> int:
        """The highest statement sequence number stored (0 when none)."""
