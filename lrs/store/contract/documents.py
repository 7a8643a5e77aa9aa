"""State, activity profile and agent profile documents (xAPI-Communication.md §2.3–2.6)."""

from __future__ import annotations

import abc
from typing import Callable

from lrs.access import Reach
from lrs.xapi.documents import Document, DocumentRef


class DocumentStore(abc.ABC):
    """Documents, each read and changed within reach."""

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
