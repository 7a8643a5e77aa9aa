"""People, the identities they claim and the attempt counters that limit guessing, in SQLite."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3

from lrs.errors import Conflict
from lrs.store.contract.people import Identity, PeopleStore, Person
from lrs.store.sqlite.connection import SQLiteConnection, _now
from lrs.xapi.agents import agent_key, is_mbox_key
from lrs.xapi.jsontext import dumps


class SQLitePeople(SQLiteConnection, PeopleStore):
    """The people part: people, identities, attempt counters."""

    # -- people --------------------------------------------------------------------
    def add_person(self, username, password_hash, *, email=None, is_admin=False) -> Person:
        created = _now().isoformat()
        with self._write() as conn:
            try:
                pid = conn.execute(
                    "INSERT INTO people (username, email, password_hash, is_admin, created) VALUES (?, ?, ?, ?, ?)"
                    " RETURNING id",
                    (username, email, password_hash, int(is_admin), created),
                ).fetchone()[0]
            except sqlite3.IntegrityError:
                raise Conflict(f"a person named {username!r} exists already", location="username") from None
        return Person(pid, username, email, password_hash, is_admin, created)

    _PERSON_COLUMNS = "id, username, email, password_hash, is_admin, created, disabled, last_sign_in"

    @staticmethod
    def _person(row) -> Person | None:
        return Person(row[0], row[1], row[2], row[3], bool(row[4]), row[5], bool(row[6]), row[7]) if row else None

    def get_person(self, username: str) -> Person | None:
        return self._person(self.conn.execute(
            f"SELECT {self._PERSON_COLUMNS} FROM people WHERE username = ?", (username,)).fetchone())

    def get_person_by_id(self, person_id: int) -> Person | None:
        return self._person(self.conn.execute(
            f"SELECT {self._PERSON_COLUMNS} FROM people WHERE id = ?", (person_id,)).fetchone())

    def list_people(self) -> list[Person]:
        return [self._person(r) for r in self.conn.execute(f"SELECT {self._PERSON_COLUMNS} FROM people ORDER BY id")]

    def update_person(self, person_id, *, password_hash=None, email=None, is_admin=None, disabled=None,
                      last_sign_in=None) -> None:
        changes = {"password_hash": password_hash, "email": email,
                   "is_admin": None if is_admin is None else int(is_admin),
                   "disabled": None if disabled is None else int(disabled), "last_sign_in": last_sign_in}
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            return
        with self._write() as conn:
            conn.execute(f"UPDATE people SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                         (*changes.values(), person_id))

    # -- identities ----------------------------------------------------------------
    @staticmethod
    def _identity(row) -> Identity:
        return Identity(person_id=row[0], key=row[1], agent=json.loads(row[2]), verified_by=row[3], created=row[4])

    def add_identity(self, person_id, agent, *, verified_by=None) -> Identity:
        key = agent_key(agent)
        if key is None:
            raise ValueError("an identity needs an inverse functional identifier")
        created = _now().isoformat()
        with self._write() as conn:
            if verified_by is not None and self._held_by_another(conn, person_id, key):
                raise Conflict("that identifier belongs to someone else", location="identity")
            conn.execute(
                "INSERT INTO identities (person_id, key, agent, verified_by, created) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (person_id, key) DO UPDATE SET verified_by = coalesce(verified_by, excluded.verified_by)",
                (person_id, key, dumps(agent), verified_by, created))
            row = conn.execute("SELECT person_id, key, agent, verified_by, created FROM identities"
                               " WHERE person_id = ? AND key = ?", (person_id, key)).fetchone()
        return self._identity(row)

    def list_identities(self, person_id=None, *, verified=None) -> list[Identity]:
        sql = ["SELECT person_id, key, agent, verified_by, created FROM identities WHERE 1 = 1"]
        params: list = []
        if person_id is not None:
            sql.append("AND person_id = ?")
            params.append(person_id)
        if verified is not None:
            sql.append("AND verified_by IS NOT NULL" if verified else "AND verified_by IS NULL")
        sql.append("ORDER BY created, key")
        return [self._identity(r) for r in self.conn.execute(" ".join(sql), params)]

    @staticmethod
    def _held_by_another(conn, person_id: int, key: str) -> bool:
        """Inside the write transaction, so the answer holds until the claim is written."""
        held = conn.execute("SELECT 1 FROM identities WHERE key = ? AND verified_by IS NOT NULL AND person_id != ?",
                            (key, person_id)).fetchone()
        if held is None and is_mbox_key(key):
            held = conn.execute("SELECT 1 FROM identities WHERE lower(key) = lower(?) AND verified_by IS NOT NULL"
                                " AND person_id != ?", (key, person_id)).fetchone()
        return held is not None

    def verify_identity(self, person_id, key, verified_by) -> bool:
        with self._write() as conn:
            if self._held_by_another(conn, person_id, key):
                raise Conflict("that identifier belongs to someone else", location="identity")
            cur = conn.execute("UPDATE identities SET verified_by = coalesce(verified_by, ?)"
                               " WHERE person_id = ? AND key = ?", (verified_by, person_id, key))
            return cur.rowcount == 1

    def remove_identity(self, person_id, key) -> bool:
        with self._write() as conn:
            return conn.execute("DELETE FROM identities WHERE person_id = ? AND key = ?",
                                (person_id, key)).rowcount == 1

    def identity_owner(self, key) -> int | None:
        row = self.conn.execute("SELECT person_id FROM identities WHERE key = ? AND verified_by IS NOT NULL",
                                (key,)).fetchone()
        return row[0] if row else None

    # -- attempt counters -------------------------------------------------------------
    #: one count_attempt in this many also deletes the counters whose window has ended
    PRUNE_ATTEMPTS_EVERY = 64

    def count_attempt(self, kind, key, window) -> int:
        now = _now()
        until = (now + dt.timedelta(seconds=window)).isoformat(timespec="microseconds")
        now_text = now.isoformat(timespec="microseconds")
        with self._write() as conn:
            conn.execute(
                "INSERT INTO attempts (kind, key, count, until) VALUES (?, ?, 1, ?) ON CONFLICT (kind, key) DO UPDATE"
                " SET count = CASE WHEN until <= ? THEN 1 ELSE count + 1 END,"
                " until = CASE WHEN until <= ? THEN excluded.until ELSE until END",
                (kind, key, until, now_text, now_text))
            count = conn.execute("SELECT count FROM attempts WHERE kind = ? AND key = ?", (kind, key)).fetchone()[0]
            if secrets.randbelow(self.PRUNE_ATTEMPTS_EVERY) == 0:
                conn.execute("DELETE FROM attempts WHERE until <= ?", (now_text,))
        return count

    def uncount_attempt(self, kind, key) -> None:
        with self._write() as conn:
            conn.execute("UPDATE attempts SET count = count - 1 WHERE kind = ? AND key = ? AND count > 0 AND until > ?",
                         (kind, key, _now().isoformat(timespec="microseconds")))
