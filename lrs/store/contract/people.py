"""People, the agent identifiers they claim (docs/ownership.md), and counters of attempts."""

from __future__ import annotations

import abc
from dataclasses import dataclass


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


class PeopleStore(abc.ABC):
    """People, identities, attempt counters."""

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
