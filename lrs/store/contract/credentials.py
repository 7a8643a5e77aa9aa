"""Credentials: the keys tools and people use, with their scopes (:mod:`lrs.auth.credentials`)."""

from __future__ import annotations

import abc

from lrs.auth.credentials import Credential


class CredentialStore(abc.ABC):
    """Credentials."""

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
