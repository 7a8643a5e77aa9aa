"""Credentials in SQLite, with reads reused for a few seconds: a key is checked on every request."""

from __future__ import annotations

import json
import time

from lrs.auth.credentials import Credential
from lrs.errors import StoreUnavailable
from lrs.store.contract.credentials import CredentialStore
from lrs.store.sqlite.connection import SQLiteConnection


class SQLiteCredentials(SQLiteConnection, CredentialStore):
    """The credentials part."""

    _CREDENTIAL_COLUMNS = "key, name, scopes, authority, person_id, created, revoked, last_used, secret_hash"

    @staticmethod
    def _credential(row) -> Credential:
        key, name, scopes, authority, person_id, created, revoked, last_used, secret_hash = row
        return Credential(key=key, name=name, scopes=tuple(json.loads(scopes)), authority=json.loads(authority),
                          person_id=person_id, created=created, revoked=revoked, last_used=last_used,
                          secret_hash=secret_hash)

    def add_credential(self, credential: Credential) -> None:
        with self._write() as conn:
            conn.execute(
                f"INSERT INTO credentials ({self._CREDENTIAL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (credential.key, credential.name, json.dumps(list(credential.scopes)),
                 json.dumps(credential.authority), credential.person_id, credential.created,
                 credential.revoked, credential.last_used, credential.secret_hash),
            )

    #: how long a credential read is reused at most (seconds; it keeps ``last_used`` fresh too)
    CREDENTIAL_CACHE_SECONDS = 5.0

    #: the change signal (:meth:`_note_change`) at every revocation or deletion, in any process
    CREDENTIALS_CHANGED = "credentials"

    def get_credential(self, key: str) -> Credential | None:
        version = self._change_token(self.CREDENTIALS_CHANGED)  # before reading: a later change makes it stale
        cached = self._credentials.get(key)
        now = time.monotonic()
        if cached is not None and cached[1] > now and cached[2] == version:
            return cached[0]
        row = self.conn.execute(
            f"SELECT {self._CREDENTIAL_COLUMNS} FROM credentials WHERE key = ?", (key,)
        ).fetchone()
        credential = self._credential(row) if row else None
        if credential is not None:
            if len(self._credentials) >= 10_000:
                self._credentials.clear()
            self._credentials[key] = (credential, now + self.CREDENTIAL_CACHE_SECONDS, version)
        return credential

    def list_credentials(self, person_id: int | None = None) -> list[Credential]:
        sql = f"SELECT {self._CREDENTIAL_COLUMNS} FROM credentials"
        params: tuple = ()
        if person_id is not None:
            sql += " WHERE person_id = ?"
            params = (person_id,)
        return [self._credential(r) for r in self.conn.execute(sql + " ORDER BY created", params)]

    def revoke_credential(self, key: str, when: str) -> bool:
        with self._write() as conn:
            cur = conn.execute("UPDATE credentials SET revoked = ? WHERE key = ? AND revoked IS NULL", (when, key))
        self._note_change(self.CREDENTIALS_CHANGED)
        return cur.rowcount == 1

    def touch_credential(self, key: str, when: str) -> None:
        try:
            with self._write() as conn:
                conn.execute("UPDATE credentials SET last_used = ? WHERE key = ?", (when, key))
        except StoreUnavailable:
            pass  # a busy store must not fail a request over bookkeeping
        self._credentials.pop(key, None)
