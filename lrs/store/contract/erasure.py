"""Erasure: everything that belongs to a person goes, across every part."""

from __future__ import annotations

import abc


class ErasureStore(abc.ABC):
    """Erasing a person (it spans the parts)."""

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
