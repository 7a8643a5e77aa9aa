"""Copying between stores (``lrs migrate``): every record as plain values alike on every backend."""

from __future__ import annotations

import abc
from typing import Iterator


#: what a store dumps and loads (``lrs migrate``), in the order they are copied: statements
#: last, because they are the bulk, streamed in sequence order and resumable
RECORD_KINDS = ("people", "credentials", "identities", "items", "activities", "documents", "attachments",
                "statements")


class CopyingStore(abc.ABC):
    """Dumping and loading records (it spans the parts)."""

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
