"""The SQLite store's tables, how a store made by an earlier version is upgraded on open, and the
integrity check (``lrs check``)."""

from __future__ import annotations

import json
import sqlite3

from lrs.store.sqlite.connection import SQLiteConnection
from lrs.store.upgrade import carried_on_upgrade, owner_keys_on_upgrade
from lrs.xapi.agents import agent_key
from lrs.xapi.attachments import declared_attachments
from lrs.xapi.indexing import OWNER, index_keys, timeline_time

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS statements (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    stored TEXT NOT NULL,
    voided INTEGER NOT NULL DEFAULT 0,
    voids TEXT,
    ref_target TEXT,
    authority_key TEXT,
    terms TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS statements_stored ON statements (stored);
CREATE INDEX IF NOT EXISTS statements_voids ON statements (voids) WHERE voids IS NOT NULL;
CREATE INDEX IF NOT EXISTS statements_ref ON statements (ref_target) WHERE ref_target IS NOT NULL;
CREATE INDEX IF NOT EXISTS statements_authority ON statements (authority_key, seq);
CREATE TABLE IF NOT EXISTS terms (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS statement_index (
    term INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (term, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS documents (
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    activity_id TEXT,
    agent TEXT,
    content_type TEXT NOT NULL,
    content BLOB NOT NULL,
    etag TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (kind, scope, doc_id)
);
CREATE INDEX IF NOT EXISTS documents_agent ON documents (agent) WHERE agent IS NOT NULL;
CREATE TABLE IF NOT EXISTS attachments (
    sha2 TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    content BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS activities (
    activity_id TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS credentials (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    authority TEXT NOT NULL,
    person_id INTEGER REFERENCES people (id),
    created TEXT NOT NULL,
    revoked TEXT,
    last_used TEXT,
    secret_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS people (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    email TEXT,
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    last_sign_in TEXT
);
CREATE TABLE IF NOT EXISTS identities (
    person_id INTEGER NOT NULL REFERENCES people (id),
    key TEXT NOT NULL,
    agent TEXT NOT NULL,
    verified_by TEXT,
    created TEXT NOT NULL,
    PRIMARY KEY (person_id, key)
);
CREATE UNIQUE INDEX IF NOT EXISTS identities_verified ON identities (key) WHERE verified_by IS NOT NULL;
CREATE TABLE IF NOT EXISTS items (
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    person_id INTEGER,
    ref TEXT,
    body TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (kind, item_id)
);
CREATE TABLE IF NOT EXISTS statement_attachments (
    seq INTEGER NOT NULL,
    sha2 TEXT NOT NULL,
    PRIMARY KEY (seq, sha2)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS statement_attachments_sha2 ON statement_attachments (sha2);
CREATE INDEX IF NOT EXISTS items_person ON items (kind, person_id);
CREATE INDEX IF NOT EXISTS items_ref ON items (kind, ref) WHERE ref IS NOT NULL;
CREATE INDEX IF NOT EXISTS identities_verified_folded ON identities (lower(key)) WHERE verified_by IS NOT NULL;
CREATE TABLE IF NOT EXISTS attempts (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    count INTEGER NOT NULL,
    until TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attempts_until ON attempts (until);
CREATE TABLE IF NOT EXISTS timeline (
    term INTEGER NOT NULL,
    ts TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (term, ts, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS record_rows (
    person_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    statement_id TEXT NOT NULL,
    ts TEXT NOT NULL,
    day TEXT NOT NULL,
    way TEXT NOT NULL,
    verb TEXT NOT NULL,
    verb_label TEXT NOT NULL,
    type TEXT NOT NULL,
    source TEXT NOT NULL,
    tags TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    timed INTEGER NOT NULL,
    hidden INTEGER NOT NULL,
    annotated TEXT NOT NULL,
    PRIMARY KEY (person_id, seq)
);
CREATE INDEX IF NOT EXISTS record_rows_time ON record_rows (person_id, hidden, ts, seq);
CREATE INDEX IF NOT EXISTS record_rows_statement ON record_rows (seq);
CREATE INDEX IF NOT EXISTS record_rows_id ON record_rows (person_id, statement_id);
CREATE INDEX IF NOT EXISTS record_rows_annotated ON record_rows (person_id, statement_id, annotated)
    WHERE annotated != '';
CREATE INDEX IF NOT EXISTS record_rows_way ON record_rows (person_id, hidden, way, day, minutes, timed);
CREATE INDEX IF NOT EXISTS record_rows_source ON record_rows (person_id, hidden, source);
CREATE INDEX IF NOT EXISTS record_rows_type ON record_rows (person_id, hidden, type);
CREATE INDEX IF NOT EXISTS record_rows_verb ON record_rows (person_id, hidden, verb);
CREATE INDEX IF NOT EXISTS record_rows_tags ON record_rows (person_id, hidden, tags);
CREATE TABLE IF NOT EXISTS record_row_texts (
    person_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (person_id, seq)
);
CREATE INDEX IF NOT EXISTS record_row_texts_statement ON record_row_texts (seq);
CREATE TABLE IF NOT EXISTS record_row_state (
    person_id INTEGER PRIMARY KEY,
    reach TEXT NOT NULL,
    seq INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    "values" TEXT
);
"""

#: 2: statements are also indexed by ``actor:`` (whom they belong to); a version 1 store is upgraded on open
#: 3: ``actor:`` keys from a statement's own actor only (not inherited by StatementRef, a person's writes
#: theirs alone), and which statements carried which attachment bodies (statement_attachments)
#: 4: the timeline: (owner term, time of the learning, seq) of every statement that is neither voided nor
#: voiding, so one person's records are listed by when the learning happened from an index
#: 5: record rows (lrs.store.contract.record_rows), filled lazily per person: a store of version 4 gains the
#: empty tables (record_rows, their search text in record_row_texts, each person's record_row_state)
SCHEMA_VERSION = "5"


class SQLiteSchema(SQLiteConnection):
    """Creating, upgrading and checking the tables (the store's lifecycle, with :class:`SQLiteConnection`)."""

    def initialise(self) -> None:
        conn = self.conn
        try:
            conn.executescript(
                "BEGIN IMMEDIATE;" + SCHEMA
                + f"INSERT OR IGNORE INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}');"
                # known only for a store that starts empty; a store without it may hold any
                + "INSERT OR IGNORE INTO meta SELECT 'v2_context', '0' WHERE NOT EXISTS (SELECT 1 FROM statements);"
                + "COMMIT;"
            )
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._add_people_columns()
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        if version == "1":
            self._upgrade_to_2()
        if version in ("1", "2"):
            self._upgrade_to_3()
        if version in ("1", "2", "3"):
            self._upgrade_to_4()
        if version in ("1", "2", "3", "4"):
            self._upgrade_to_5()

    #: columns people gained after the table was first made: (name, definition)
    _PEOPLE_COLUMNS_ADDED = (("disabled", "INTEGER NOT NULL DEFAULT 0"), ("last_sign_in", "TEXT"))

    def _add_people_columns(self) -> None:
        """People administration: a store made before people could be disabled gains the columns."""
        have = {row[1] for row in self.conn.execute("PRAGMA table_info(people)")}
        if all(name in have for name, _ in self._PEOPLE_COLUMNS_ADDED):
            return
        with self._write() as conn:
            have = {row[1] for row in conn.execute("PRAGMA table_info(people)")}  # another process may have
            for name, definition in self._PEOPLE_COLUMNS_ADDED:
                if name not in have:
                    conn.execute(f"ALTER TABLE people ADD COLUMN {name} {definition}")

    def _upgrade_to_2(self) -> None:
        """Add the ``actor:`` index keys to statements stored before people owned records."""
        with self._write() as conn:
            if conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] != "1":
                return  # another process upgraded it meanwhile
            rows = conn.execute("SELECT seq, terms, body FROM statements").fetchall()
            for seq, terms, body in rows:
                new = [self._term_id(conn, k, create=True) for k in index_keys(json.loads(body))
                       if k.startswith("actor:")]
                old = [int(t) for t in terms.split(",") if t]
                merged = list(dict.fromkeys(old + new))
                conn.executemany("INSERT OR IGNORE INTO statement_index (term, seq) VALUES (?, ?)",
                                 [(t, seq) for t in new])
                conn.execute("UPDATE statements SET terms = ? WHERE seq = ?", (",".join(map(str, merged)), seq))
            conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")

    def _upgrade_to_3(self) -> None:
        """Ownership from a statement's own actor (docs/ownership.md): drop ``actor:`` keys inherited
        through StatementRefs, narrow a person's writes to their identities, and record which
        statements carried each attachment body (lrs.xapi.upgrade says how that is inferred)."""
        with self._write() as conn:
            if conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] != "2":
                return
            names = dict(conn.execute("SELECT id, term FROM terms"))
            declared: dict[str, list[tuple[int, dict]]] = {}
            for seq, terms, body in conn.execute("SELECT seq, terms, body FROM statements").fetchall():
                statement = json.loads(body)
                old = [int(t) for t in terms.split(",") if t]
                kept = [t for t in old if not names.get(t, "").startswith(OWNER)]
                owners = owner_keys_on_upgrade(statement, self._verified_keys_of)
                new = list(dict.fromkeys(kept + [self._term_id(conn, OWNER + k, create=True) for k in owners]))
                conn.executemany("DELETE FROM statement_index WHERE term = ? AND seq = ?",
                                 [(t, seq) for t in old if t not in new])
                conn.executemany("INSERT OR IGNORE INTO statement_index (term, seq) VALUES (?, ?)",
                                 [(t, seq) for t in new])
                conn.execute("UPDATE statements SET terms = ? WHERE seq = ?", (",".join(map(str, new)), seq))
                for attachment in declared_attachments(statement):
                    if "sha2" in attachment:
                        declared.setdefault(attachment["sha2"].lower(), []).append((seq, attachment))
            present = {r[0] for r in conn.execute("SELECT sha2 FROM attachments")}
            rows = [(seq, sha2) for sha2, uses in declared.items() if sha2 in present
                    for seq in carried_on_upgrade(uses)]
            conn.executemany("INSERT OR IGNORE INTO statement_attachments (seq, sha2) VALUES (?, ?)", rows)
            conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        self._terms.clear()

    def _upgrade_to_4(self) -> None:
        """Fill the timeline from the statements stored before it existed."""
        with self._write() as conn:
            if conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] != "3":
                return
            owners = {r[0] for r in conn.execute("SELECT id FROM terms WHERE substr(term, 1, 6) = 'actor:'")}
            rows = []
            for seq, terms, body in conn.execute(
                    "SELECT seq, terms, body FROM statements WHERE voided = 0 AND voids IS NULL").fetchall():
                ts = timeline_time(json.loads(body))
                rows += [(int(t), ts, seq) for t in terms.split(",") if t and int(t) in owners]
            conn.executemany("INSERT OR IGNORE INTO timeline (term, ts, seq) VALUES (?, ?, ?)", rows)
            conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")

    def _upgrade_to_5(self) -> None:
        """Record rows: the tables (made above, empty) are filled per person when their reader asks."""
        with self._write() as conn:
            if conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] != "4":
                return
            conn.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")

    def _verified_keys_of(self, agent: dict) -> tuple[str, ...] | None:
        """The verified identity keys of the person one of whose identities ``agent`` is (upgrade only)."""
        key = agent_key(agent)
        row = self.conn.execute("SELECT person_id FROM identities WHERE key = ? AND verified_by IS NOT NULL",
                                (key,)).fetchone() if key else None
        if row is None:
            return None
        return tuple(r[0] for r in self.conn.execute(
            "SELECT key FROM identities WHERE person_id = ? AND verified_by IS NOT NULL", (row[0],)))

    def check(self) -> list[str]:
        problems = []
        conn = self.conn
        for (row,) in conn.execute("PRAGMA integrity_check"):
            if row != "ok":
                problems.append(f"sqlite integrity: {row}")
        for seq, sid, body in conn.execute("SELECT seq, id, body FROM statements"):
            try:
                statement = json.loads(body)
            except ValueError:
                problems.append(f"statement {sid}: stored JSON does not parse")
                continue
            if str(statement.get("id", "")).lower() != sid:
                problems.append(f"statement {sid}: id column and JSON id differ")
        (orphans,) = conn.execute(
            "SELECT count(*) FROM statement_index i LEFT JOIN statements s ON s.seq = i.seq WHERE s.seq IS NULL"
        ).fetchone()
        if orphans:
            problems.append(f"{orphans} index rows point at no statement")
        (index_rows,) = conn.execute("SELECT count(*) FROM statement_index").fetchone()
        (expected_rows,) = conn.execute(
            "SELECT coalesce(sum(length(terms) - length(replace(terms, ',', '')) + (terms != '')), 0)"
            " FROM statements").fetchone()
        if index_rows < expected_rows:
            problems.append(f"{expected_rows - index_rows} index rows are missing")
        (wrongly_voided,) = conn.execute(
            "SELECT count(*) FROM statements t WHERE t.voided = 1 AND NOT EXISTS"
            " (SELECT 1 FROM statements v WHERE v.voids = t.id)"
        ).fetchone()
        if wrongly_voided:
            problems.append(f"{wrongly_voided} statements are marked voided without a voiding statement")
        return problems
