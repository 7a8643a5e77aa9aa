"""The embedded default store: one SQLite file in WAL mode, shared by all workers.

Statements are kept as the JSON text they are returned as, beside an index
table of (term, seq) rows built from :func:`lrs.xapi.indexing.index_keys`, so
every query filter is an index range scan in storage order. Terms are interned
(an integer per distinct key) to keep the index small.

Writes take SQLite's write lock (BEGIN IMMEDIATE) before ``stored`` is stamped,
so ``stored`` never goes backwards in sequence order and ``since``/``until``
can be turned into sequence bounds.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path

import orjson

from lrs.access import Reach
from lrs.auth.credentials import Credential
from lrs.errors import Conflict, Forbidden, StoreUnavailable
from lrs.files import create_private, open_private
from lrs.hookspecs import hookimpl
from lrs.store.base import Identity, Item, Person, StatementPage, Store, StoredStatement
from lrs.store.upgrade import carried_on_upgrade, loaded_carries, owner_keys_on_upgrade
from lrs.xapi.activities import adds_nothing, merge_activity
from lrs.xapi.agents import agent_key, is_mbox_key
from lrs.xapi.attachments import declared_attachments
from lrs.xapi.erasure import scrub
from lrs.xapi.formats import needs_downgrade
from lrs.xapi.indexing import OWNER, index_keys, inherited, timeline_time
from lrs.xapi.documents import AGENT_PROFILE, STATE, Document, DocumentRef
from lrs.xapi.query import StatementQuery, parse_position, timeline_position
from lrs.xapi.statements import PreparedStatement, same_statement

log = logging.getLogger(__name__)

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
"""

#: 2: statements are also indexed by ``actor:`` (whom they belong to); a version 1 store is upgraded on open
#: 3: ``actor:`` keys from a statement's own actor only (not inherited by StatementRef, a person's writes
#: theirs alone), and which statements carried which attachment bodies (statement_attachments)
#: 4: the timeline: (owner term, time of the learning, seq) of every statement that is neither voided nor
#: voiding, so one person's records are listed by when the learning happened from an index
SCHEMA_VERSION = "4"


def dumps(value) -> str:
    """JSON text; orjson for speed, the stdlib for integers beyond 64 bits."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class SQLiteStore(Store):
    def __init__(self, path: str | Path, *, synchronous: str = "FULL", busy_timeout_ms: int = 15000):
        self.path = str(path)
        self.synchronous = synchronous
        # FULL: each commit is on disk before it is acknowledged. SQLite would fsync the WAL
        # inside the commit, while this process holds the one write lock, so writers would
        # queue behind each other's fsyncs (≈ 2–5 ms each: at most a few hundred commits/s).
        # Instead the commit writes its WAL frames (synchronous=NORMAL), releases the lock,
        # and then fsyncs the WAL before returning: the next writer works meanwhile, and
        # concurrent fsyncs of the one file are merged by the file system (group commit).
        # Nothing is acknowledged before its frames are synced; NORMAL itself syncs the WAL
        # before every checkpoint and the database after it, so frames a checkpoint moved
        # into the database are durable too.
        self.sync_wal_after_commit = synchronous == "FULL" and self.path != ":memory:"
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._terms: dict[str, int] = {}
        self._terms_epoch: str | None = None  # meta 'terms_retired' when _terms was last known good
        # key: (credential, reused until, credentials version), see get_credential
        self._credentials: dict[str, tuple[Credential, float, int]] = {}
        self._credentials_changes = 0
        self._lock: _WriterLock | None = None
        self._checkpointer_pid: int | None = None  # the process whose checkpoint thread runs (_after_commit)
        self._checkpointer_lock = threading.Lock()
        self._written = threading.Event()

    # -- connections -----------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                create_private(self.path)  # SQLite gives the WAL and shared memory the file's mode
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=self.busy_timeout_ms / 1000)
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {'NORMAL' if self.sync_wal_after_commit else self.synchronous}")
            conn.execute("PRAGMA foreign_keys = ON")
            # deleted rows are overwritten with zeros, not left readable in free space (erasure)
            conn.execute("PRAGMA secure_delete = ON")
            # 8 MiB per connection (default: 2 MiB); a worker has one per thread, and the OS page
            # cache, shared by all workers, holds the rest of the file
            conn.execute("PRAGMA cache_size = -8192")
            # Checkpoints (copying the WAL into the database, then an fsync) are run by a thread of
            # each writing process, outside the write lock (_checkpoints). SQLite's own would run
            # inside a commit, holding the lock, and stop every writer meanwhile; it stays as a
            # backstop at ~400 MiB of WAL.
            conn.execute(f"PRAGMA wal_autocheckpoint = {100_000 if self.path != ':memory:' else 10_000}")
            conn.execute("PRAGMA journal_size_limit = 67108864")  # a WAL started again is cut to 64 MiB
            self._local.conn = conn
        return conn

    def _write(self):
        return _WriteTransaction(self.conn, self._writer_lock,
                                 after_commit=self._after_commit if self.path != ":memory:" else None)

    def _after_commit(self) -> None:
        """After a write transaction, the write lock released: sync it (FULL), ask for a checkpoint."""
        if self.sync_wal_after_commit:
            self._sync_wal()
        if self._checkpointer_pid != os.getpid():
            with self._checkpointer_lock:
                if self._checkpointer_pid != os.getpid():
                    self._checkpointer_pid = os.getpid()
                    self._written = threading.Event()
                    threading.Thread(target=self._checkpoints, args=(self._written,), name="lrs-checkpoints",
                                     daemon=True).start()
        self._written.set()

    #: a checkpoint at most this often (seconds) while writes go on; the thread ends when idle
    CHECKPOINT_EVERY = 0.25
    #: the WAL is started again (second step, under the write lock) once it holds this many pages
    WAL_RESTART_FRAMES = 4096
    CHECKPOINTER_IDLE = 30.0

    def _checkpoints(self, written: threading.Event) -> None:
        """Checkpoints after writes, in two steps. The first copies what the WAL holds while writers go
        on; it cannot finish while they append, and the WAL is reused from its start only after a
        checkpoint that finished. So the second, holding the write lock, copies just what arrived
        during the first, and the next writer starts the WAL again: it stays small."""
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA synchronous = {'NORMAL' if self.sync_wal_after_commit else self.synchronous}")
            while written.wait(self.CHECKPOINTER_IDLE):
                written.clear()
                try:
                    _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    lock = self._writer_lock
                    if frames >= self.WAL_RESTART_FRAMES and lock.acquire(timeout=5.0):
                        try:
                            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                        finally:
                            lock.release()
                except sqlite3.Error:  # busy or failed: the next round (or SQLite's backstop) does it
                    pass
                time.sleep(self.CHECKPOINT_EVERY)
        finally:
            with self._checkpointer_lock:
                if self._written is written:
                    self._checkpointer_pid = None
            conn.close()

    def _sync_wal(self) -> None:
        """Make every committed WAL frame durable (see __init__); runs after the write lock is released."""
        try:
            fd = os.open(self.path + "-wal", os.O_RDONLY)
        except FileNotFoundError:  # no WAL: everything was checkpointed into the (synced) database
            return
        try:
            os.fdatasync(fd)
        finally:
            os.close(fd)

    @property
    def _writer_lock(self) -> "_WriterLock | None":
        if self.path == ":memory:":
            return None
        if self._lock is None:
            self._lock = _WriterLock(self.path + "-writer.lock")
        return self._lock

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

    def _verified_keys_of(self, agent: dict) -> tuple[str, ...] | None:
        """The verified identity keys of the person one of whose identities ``agent`` is (upgrade only)."""
        key = agent_key(agent)
        row = self.conn.execute("SELECT person_id FROM identities WHERE key = ? AND verified_by IS NOT NULL",
                                (key,)).fetchone() if key else None
        if row is None:
            return None
        return tuple(r[0] for r in self.conn.execute(
            "SELECT key FROM identities WHERE person_id = ? AND verified_by IS NOT NULL", (row[0],)))

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def ping(self) -> None:
        self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()

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

    def backup(self, destination: str | Path, progress=None) -> None:
        """A consistent copy of the live store (SQLite's online backup), safe during writes."""
        destination = Path(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        tmp = destination.with_name(destination.name + ".partial")
        tmp.unlink(missing_ok=True)
        create_private(tmp)  # a backup holds everyone's records
        target = sqlite3.connect(tmp)
        try:
            def report(status, remaining, total):
                if progress:
                    progress(total - remaining, total)

            self.conn.backup(target, pages=4096, progress=report)
        finally:
            target.close()
        os.replace(tmp, destination)

    def checksum(self) -> tuple[int, str]:
        """(statement count, SHA-256 over ids and bodies in storage order): to compare copies."""
        digest = hashlib.sha256()
        count = 0
        for statement_id, body in self.conn.execute("SELECT id, body FROM statements ORDER BY seq"):
            digest.update(statement_id.encode())
            digest.update(body.encode())
            count += 1
        return count, digest.hexdigest()

    # -- statements --------------------------------------------------------------
    def _term_id(self, conn, term: str, create: bool) -> int | None:
        cached = self._terms.get(term)
        if cached is not None:
            return cached
        row = conn.execute("SELECT id FROM terms WHERE term = ?", (term,)).fetchone()
        if row:
            return row[0]
        if not create:
            return None
        return conn.execute("INSERT INTO terms (term) VALUES (?) RETURNING id", (term,)).fetchone()[0]

    def store_statements(self, statements: list[PreparedStatement], attachments: dict | None = None) -> list[str]:
        new_ids: list[str] = []
        new_terms: dict[str, int] = {}
        definitions: list[dict] = []  # of the statements stored, in order: merged once per batch
        v2_context = False  # whether one has context.contextAgents/contextGroups (may_hold_2_0_context)
        index_rows: list[tuple[int, int]] = []
        # what this batch has stored so far (the rows a per-statement query would also find)
        stored_bodies: dict[str, str] = {}
        stored_terms: dict[str, list[int]] = {}  # the keys a referring statement inherits
        carried_rows: list[tuple[int, str]] = []
        timeline_rows: dict[str, list[tuple[int, str, int]]] = {}  # by statement id, until it may be voided
        voided_here: set[str] = set()
        targeted_here: set[str] = set()
        ids = [prepared.id for prepared in statements]
        with self._write() as conn:
            self._check_terms_cache(conn)
            for sha2, part in (attachments or {}).items():
                conn.execute("INSERT OR IGNORE INTO attachments (sha2, content_type, content) VALUES (?, ?, ?)",
                             (sha2, part.content_type, part.content))
            last = conn.execute("SELECT stored FROM statements ORDER BY seq DESC LIMIT 1").fetchone()
            moment = _now()
            if last and moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") < last[0]:
                moment = dt.datetime.strptime(last[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
            # one query each for the whole batch rather than one per statement
            existing = dict(self._rows_in(conn, "SELECT id, body FROM statements WHERE id IN ({})", ids))
            voided_before = {r[0] for r in self._rows_in(
                conn, "SELECT voids FROM statements WHERE voids IN ({})", ids)}
            targeted_before = {r[0] for r in self._rows_in(
                conn, "SELECT ref_target FROM statements WHERE ref_target IN ({})", ids)}
            for prepared in statements:
                known = existing.get(prepared.id) or stored_bodies.get(prepared.id)
                if known is not None:
                    if same_statement(prepared.statement, json.loads(known)):
                        continue
                    raise Conflict(
                        f"a different statement with id {prepared.id} is already stored; statements cannot change",
                        location="statement.id",
                    )
                prepared.stamp(moment)
                voided_already = prepared.voids is None and (prepared.id in voided_before
                                                             or prepared.id in voided_here)
                term_ids = []
                inheritable = []  # what a statement referring to this one inherits: never its owners
                owner_ids = []
                for term in prepared.keys:
                    term_id = self._term_id(conn, term, create=True)
                    new_terms[term] = term_id
                    term_ids.append(term_id)
                    if not term.startswith(OWNER):
                        inheritable.append(term_id)
                    else:
                        owner_ids.append(term_id)
                if prepared.ref_target:
                    # Filter conditions for StatementRefs: a targeting statement is found by its target's terms
                    target_terms = stored_terms.get(prepared.ref_target)
                    if target_terms is None:
                        target_terms = self._inheritable_terms(conn, prepared.ref_target)
                    if target_terms:
                        term_ids = list(dict.fromkeys(term_ids + target_terms))
                        inheritable = list(dict.fromkeys(inheritable + target_terms))
                body = dumps(prepared.statement)
                v2_context = v2_context or needs_downgrade(body)
                seq = conn.execute(
                    "INSERT INTO statements (id, stored, voided, voids, ref_target, authority_key, terms, body)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
                    (prepared.id, prepared.stored, int(voided_already), prepared.voids, prepared.ref_target,
                     prepared.authority_key, ",".join(map(str, term_ids)), body),
                ).fetchone()[0]
                index_rows.extend((term_id, seq) for term_id in term_ids)
                carried_rows.extend((seq, sha2) for sha2 in prepared.carries)
                if prepared.voids is None and not voided_already and owner_ids:
                    ts = timeline_time(prepared.statement)
                    timeline_rows[prepared.id] = [(term_id, ts, seq) for term_id in owner_ids]
                if prepared.id in targeted_before or prepared.id in targeted_here:
                    for referrer, referrer_id, referrer_terms in conn.execute(
                            "SELECT seq, id, terms FROM statements WHERE ref_target = ?", (prepared.id,)).fetchall():
                        # a statement that arrived before the one it targets inherits its terms now
                        merged = list(dict.fromkeys([int(t) for t in referrer_terms.split(",") if t] + inheritable))
                        conn.execute("UPDATE statements SET terms = ? WHERE seq = ?",
                                     (",".join(map(str, merged)), referrer))
                        index_rows.extend((term_id, referrer) for term_id in inheritable)
                        if referrer_id in stored_terms:
                            stored_terms[referrer_id] = list(dict.fromkeys(stored_terms[referrer_id] + inheritable))
                definitions.extend(prepared.definitions)
                if prepared.voids:
                    conn.execute(
                        "UPDATE statements SET voided = 1 WHERE id = ? AND voids IS NULL", (prepared.voids,)
                    )
                    voided_here.add(prepared.voids)
                    if timeline_rows.pop(prepared.voids, None) is None:
                        self._unlist(conn, prepared.voids)
                if prepared.ref_target:
                    targeted_here.add(prepared.ref_target)
                stored_bodies[prepared.id] = body
                stored_terms[prepared.id] = inheritable
                new_ids.append(prepared.id)
            conn.executemany("INSERT OR IGNORE INTO statement_index (term, seq) VALUES (?, ?)", index_rows)
            conn.executemany("INSERT OR IGNORE INTO timeline (term, ts, seq) VALUES (?, ?, ?)",
                             [row for rows in timeline_rows.values() for row in rows])
            if carried_rows:
                conn.executemany("INSERT OR IGNORE INTO statement_attachments (seq, sha2) VALUES (?, ?)",
                                 carried_rows)
            if definitions:
                self._define_activities(conn, definitions)
            if v2_context:
                conn.execute("UPDATE meta SET value = '1' WHERE key = 'v2_context' AND value = '0'")
        if len(self._terms) + len(new_terms) > 200_000:  # bounded: registrations are many
            self._terms.clear()
        self._terms.update(new_terms)
        return new_ids

    @staticmethod
    def _unlist(conn, statement_id: str) -> None:
        """Take a statement that is voided off the timeline."""
        row = conn.execute("SELECT seq, terms, body FROM statements WHERE id = ? AND voids IS NULL",
                           (statement_id,)).fetchone()
        if row is not None:
            SQLiteStore._unlist_seq(conn, *row)

    @staticmethod
    def _unlist_seq(conn, seq: int, terms: str, body: str) -> None:
        ts = timeline_time(json.loads(body))
        conn.executemany("DELETE FROM timeline WHERE term = ? AND ts = ? AND seq = ?",
                         [(int(t), ts, seq) for t in terms.split(",") if t])

    @staticmethod
    def _inheritable_terms(conn, statement_id: str) -> list[int]:
        """The term ids a statement referring to this one inherits (its terms but its owners)."""
        row = conn.execute("SELECT terms FROM statements WHERE id = ?", (statement_id,)).fetchone()
        ids = [int(t) for t in row[0].split(",") if t] if row and row[0] else []
        if not ids:
            return []
        owners = {r[0] for r in conn.execute(
            f"SELECT id FROM terms WHERE id IN ({','.join('?' * len(ids))}) AND substr(term, 1, 6) = 'actor:'",
            ids)}
        return [t for t in ids if t not in owners]

    @staticmethod
    def _rows_in(conn, sql: str, values: list, chunk: int = 500) -> list[tuple]:
        """``sql`` with ``IN ({})`` over ``values``, a chunk at a time (SQLite bounds parameters)."""
        rows: list[tuple] = []
        for start in range(0, len(values), chunk):
            part = values[start:start + chunk]
            rows += conn.execute(sql.format(",".join("?" * len(part))), part).fetchall()
        return rows

    def _reach_sql(self, conn, reach: Reach, seq_col: str) -> tuple[str, list] | None:
        """The condition (SQL, parameters) that keeps a query within reach; None: nothing is."""
        sql, params = [], []
        if reach.authority_key is not None:
            sql.append("AND s.authority_key = ?")
            params.append(reach.authority_key)
        if reach.owners is not None:
            owner_ids = [t for t in (self._term_id(conn, OWNER + k, create=False) for k in reach.owners)
                         if t is not None]
            if not owner_ids:
                return None
            sql.append(f"AND EXISTS (SELECT 1 FROM statement_index o WHERE o.seq = {seq_col}"
                       f" AND o.term IN ({','.join('?' * len(owner_ids))}))")
            params.extend(owner_ids)
        return " ".join(sql), params

    def get_statement(self, statement_id: str, *, reach: Reach, voided: bool = False) -> StoredStatement | None:
        conn = self.conn
        within = self._reach_sql(conn, reach, "s.seq")
        if within is None:
            return None
        row = conn.execute(
            "SELECT s.id, s.body, s.stored, s.voided, s.authority_key FROM statements s WHERE s.id = ? "
            + within[0], [statement_id.lower(), *within[1]]).fetchone()
        if row is None or bool(row[3]) != voided:
            return None
        return StoredStatement(id=row[0], json=row[1], stored=row[2], voided=bool(row[3]), authority_key=row[4])

    def reachable_ids(self, statement_ids: list[str], *, reach: Reach) -> set[str]:
        conn = self.conn
        within = self._reach_sql(conn, reach, "s.seq")
        if within is None or not statement_ids:
            return set()
        found: set[str] = set()
        ids = [i.lower() for i in dict.fromkeys(statement_ids)]
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            found.update(r[0] for r in conn.execute(
                f"SELECT s.id FROM statements s WHERE s.id IN ({','.join('?' * len(part))}) " + within[0],
                [*part, *within[1]]))
        return found

    def _seq_at(self, conn, stored: str) -> int:
        """The last sequence number stored at or before ``stored`` (0 if none)."""
        row = conn.execute("SELECT seq FROM statements WHERE stored <= ? ORDER BY stored DESC, seq DESC LIMIT 1",
                           (stored,)).fetchone()
        return row[0] if row else 0

    def query_statements(self, query: StatementQuery, limit: int, *, reach: Reach) -> StatementPage:
        conn = self.conn
        self._check_terms_cache(conn)
        if query.order == "timestamp":
            return self._timeline_page(conn, query, limit, reach)
        upto = query.upto
        if upto is None:
            upto = conn.execute("SELECT coalesce(max(seq), 0) FROM statements").fetchone()[0]
        term_ids = []
        for term in query.index_keys():
            term_id = self._term_id(conn, term, create=False)
            if term_id is None:
                return StatementPage([], None)
            term_ids.append(term_id)
        low, high = query.seq_window(upto, lambda stored: self._seq_at(conn, stored))
        if low >= high:
            return StatementPage([], None)

        if term_ids:
            seq_col = "i0.seq"
            sql = ["SELECT s.seq, s.id, s.body, s.stored FROM statement_index i0"]
            params: list = []
            for n, _ in enumerate(term_ids[1:], start=1):
                sql.append(f"JOIN statement_index i{n} ON i{n}.term = ? AND i{n}.seq = i0.seq")
                params.append(term_ids[n])
            sql.append("JOIN statements s ON s.seq = i0.seq WHERE i0.term = ?")
            params.append(term_ids[0])
        else:
            seq_col = "s.seq"
            sql = ["SELECT s.seq, s.id, s.body, s.stored FROM statements s WHERE 1 = 1"]
            params = []
        sql.append(f"AND {seq_col} > ? AND {seq_col} <= ? AND s.voided = 0")
        params += [low, high]
        within = self._reach_sql(conn, reach, seq_col)
        if within is None:
            return StatementPage([], None)
        sql.append(within[0])
        params.extend(within[1])
        sql.append(f"ORDER BY {seq_col} {'ASC' if query.ascending else 'DESC'} LIMIT ?")
        params.append(limit + 1)
        rows = conn.execute(" ".join(sql), params).fetchall()
        more = None
        if len(rows) > limit:
            rows = rows[:limit]
            more = query.to_cursor(after=rows[-1][0], upto=upto)
        return StatementPage([StoredStatement(id=r[1], json=r[2], stored=r[3]) for r in rows], more)

    def _timeline_sql(self, conn, query: StatementQuery, reach: Reach) -> tuple[list[int], str, list] | None:
        """The owner terms to walk and the conditions (SQL over ``timeline t``, parameters) of a query in
        timestamp order; None when it can find nothing."""
        if reach.owners is None:
            raise ValueError("statements are listed by timestamp for one person's records: a reach narrowed to owners")
        owner_ids = [t for t in (self._term_id(conn, OWNER + k, create=False) for k in reach.owners) if t is not None]
        term_ids = [self._term_id(conn, term, create=False) for term in query.index_keys()]
        if not owner_ids or None in term_ids:
            return None
        sql, params = [], []
        if query.timestamp_from:
            sql.append("AND t.ts >= ?")
            params.append(query.timestamp_from)
        if query.timestamp_before:
            sql.append("AND t.ts < ?")
            params.append(query.timestamp_before)
        for term_id in term_ids:
            sql.append("AND EXISTS (SELECT 1 FROM statement_index i WHERE i.term = ? AND i.seq = t.seq)")
            params.append(term_id)
        if reach.authority_key is not None:
            sql.append("AND EXISTS (SELECT 1 FROM statements a WHERE a.seq = t.seq AND a.authority_key = ?)")
            params.append(reach.authority_key)
        return owner_ids, " ".join(sql), params

    def _timeline_page(self, conn, query: StatementQuery, limit: int, reach: Reach) -> StatementPage:
        """Each owner term's rows in (time, seq) order, straight from the timeline's primary key, merged."""
        found = self._timeline_sql(conn, query, reach)
        if found is None:
            return StatementPage([], None)
        owner_ids, sql, params = found
        direction = "ASC" if query.ascending else "DESC"
        past = []
        if query.position:
            past = ["AND (t.ts, t.seq) > (?, ?)" if query.ascending else "AND (t.ts, t.seq) < (?, ?)",
                    list(parse_position(query.position))]
        rows: dict[int, str] = {}
        for owner in owner_ids:
            for ts, seq in conn.execute(
                    f"SELECT t.ts, t.seq FROM timeline t WHERE t.term = ? {sql} {past[0] if past else ''}"
                    f" ORDER BY t.ts {direction}, t.seq {direction} LIMIT ?",
                    [owner, *params, *(past[1] if past else []), limit + 1]):
                rows[seq] = ts
        order = sorted(rows.items(), key=lambda kv: (kv[1], kv[0]), reverse=not query.ascending)[:limit + 1]
        bodies = {r[0]: r[1:] for r in self._rows_in(
            conn, "SELECT seq, id, body, stored FROM statements WHERE seq IN ({})", [seq for seq, _ in order])}
        page = [StoredStatement(id=bodies[seq][0], json=bodies[seq][1], stored=bodies[seq][2],
                                position=timeline_position(ts, seq)) for seq, ts in order if seq in bodies]
        more = None
        if len(page) > limit:
            page = page[:limit]
            more = query.to_cursor(after=None, upto=None, position=page[-1].position)
        return StatementPage(page, more)

    def count_statements(self, query: StatementQuery, *, reach: Reach) -> int:
        if query.order != "timestamp":
            raise ValueError("count_statements counts in timestamp order")
        conn = self.conn
        self._check_terms_cache(conn)
        found = self._timeline_sql(conn, query, reach)
        if found is None:
            return 0
        owner_ids, sql, params = found
        if len(owner_ids) == 1:
            return conn.execute(f"SELECT count(*) FROM timeline t WHERE t.term = ? {sql}",
                                [owner_ids[0], *params]).fetchone()[0]
        return conn.execute(
            f"SELECT count(DISTINCT t.seq) FROM timeline t WHERE t.term IN ({','.join('?' * len(owner_ids))}) {sql}",
            [*owner_ids, *params]).fetchone()[0]

    def may_hold_2_0_context(self) -> bool:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'v2_context'").fetchone()
        return row is None or row[0] != "0"

    def statement_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM statements").fetchone()[0]

    def get_attachments(self, statement_ids: list[str], *, reach: Reach) -> dict[str, tuple[str, bytes]]:
        conn = self.conn
        within = self._reach_sql(conn, reach, "s.seq")
        if within is None or not statement_ids:
            return {}
        found = {}
        ids = [i.lower() for i in dict.fromkeys(statement_ids)]
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            for sha2, content_type, content in conn.execute(
                    "SELECT DISTINCT a.sha2, a.content_type, a.content FROM statements s"
                    " JOIN statement_attachments c ON c.seq = s.seq JOIN attachments a ON a.sha2 = c.sha2"
                    f" WHERE s.id IN ({','.join('?' * len(part))}) " + within[0], [*part, *within[1]]):
                found[sha2] = (content_type, bytes(content))
        return found

    # -- documents -------------------------------------------------------------------
    @staticmethod
    def _within(ref: DocumentRef, reach: Reach, change: bool = False) -> bool:
        if reach.reaches_agent(ref.agent):
            return True
        if change:
            raise Forbidden("this document is not within this reader's reach", location="agent")
        return False

    def get_document(self, ref: DocumentRef, *, reach: Reach) -> Document | None:
        if not self._within(ref, reach):
            return None
        return self._document(self.conn, ref)

    @staticmethod
    def _document(conn, ref: DocumentRef) -> Document | None:
        row = conn.execute(
            "SELECT content_type, content, etag, updated FROM documents WHERE kind = ? AND scope = ? AND doc_id = ?",
            (ref.kind, ref.scope, ref.doc_id),
        ).fetchone()
        return Document(row[0], bytes(row[1]), row[2], row[3]) if row else None

    def document_ids(self, ref: DocumentRef, since: str | None = None, *, reach: Reach) -> list[tuple[str, str]]:
        if not self._within(ref, reach):
            return []
        sql = "SELECT doc_id, updated FROM documents WHERE kind = ? AND scope = ?"
        params: list = [ref.kind, ref.scope]
        if since is not None:
            sql += " AND updated > ?"
            params.append(since)
        return [(r[0], r[1]) for r in self.conn.execute(sql + " ORDER BY doc_id", params)]

    def change_document(self, ref, change, *, reach):
        self._within(ref, reach, change=True)
        with self._write() as conn:
            new = change(self._document(conn, ref))
            if new is None:
                conn.execute("DELETE FROM documents WHERE kind = ? AND scope = ? AND doc_id = ?",
                             (ref.kind, ref.scope, ref.doc_id))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO documents (kind, scope, doc_id, activity_id, agent, content_type,"
                    " content, etag, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (ref.kind, ref.scope, ref.doc_id, ref.activity_id, ref.agent, new.content_type,
                     new.content, new.etag, new.updated),
                )
        return new

    def delete_documents(self, ref: DocumentRef, *, reach: Reach) -> int:
        self._within(ref, reach, change=True)
        with self._write() as conn:
            return conn.execute("DELETE FROM documents WHERE kind = ? AND scope = ?",
                                (ref.kind, ref.scope)).rowcount

    def agent_documents(self, agent: str, *, reach: Reach) -> list[DocumentRef]:
        if not reach.reaches_agent(agent):
            return []
        rows = self.conn.execute(
            "SELECT kind, scope, doc_id FROM documents WHERE agent = ? AND kind IN (?, ?) ORDER BY kind, scope, doc_id",
            (agent, STATE, AGENT_PROFILE))
        refs = []
        for kind, scope, doc_id in rows:
            activity_id, agent_key_, registration = json.loads(scope)
            refs.append(DocumentRef(kind, activity_id=activity_id, agent=agent_key_, registration=registration,
                                    doc_id=doc_id))
        return refs

    # -- activities ----------------------------------------------------------------------
    def get_activity(self, activity_id: str) -> dict | None:
        row = self.conn.execute("SELECT body FROM activities WHERE activity_id = ?", (activity_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def _define_activities(self, conn, activities: list[dict]) -> None:
        """Merge definitions in order: each activity read and written once, only when it changes."""
        by_id: dict[str, list[dict]] = {}
        for activity in activities:
            by_id.setdefault(activity["id"], []).append(activity)
        for activity_id, incoming in by_id.items():
            row = conn.execute("SELECT body FROM activities WHERE activity_id = ?", (activity_id,)).fetchone()
            existing = current = json.loads(row[0]) if row else None
            for activity in incoming:
                if not adds_nothing(current, activity):
                    current = merge_activity(current, activity)
            if current == existing:
                continue
            conn.execute("INSERT OR REPLACE INTO activities (activity_id, body) VALUES (?, ?)",
                         (activity_id, dumps(current)))

    # -- credentials -------------------------------------------------------------
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

    def _credentials_version(self) -> int:
        """Grows whenever a credential is revoked or deleted, by any process: the size of the file
        ``<store>-credentials``, one byte longer each time. A cached read made before is not reused."""
        if self.path == ":memory:":
            return self._credentials_changes
        try:
            return os.stat(self.path + "-credentials").st_size
        except FileNotFoundError:
            return 0

    def _credentials_changed(self) -> None:
        """After a revocation or deletion has committed: no process reuses an earlier read."""
        self._credentials_changes += 1
        if self.path != ":memory:":
            with open_private(self.path + "-credentials", "ab") as stamp:
                stamp.write(b".")

    def get_credential(self, key: str) -> Credential | None:
        version = self._credentials_version()  # before reading: a change after it makes the read stale
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
        self._credentials_changed()
        return cur.rowcount == 1

    def touch_credential(self, key: str, when: str) -> None:
        try:
            with self._write() as conn:
                conn.execute("UPDATE credentials SET last_used = ? WHERE key = ?", (when, key))
        except StoreUnavailable:
            pass  # a busy store must not fail a request over bookkeeping
        self._credentials.pop(key, None)

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

    # -- items -----------------------------------------------------------------------
    @staticmethod
    def _item(row) -> Item:
        return Item(kind=row[0], item_id=row[1], person_id=row[2], ref=row[3], body=json.loads(row[4]),
                    created=row[5], updated=row[6])

    _ITEM_COLUMNS = "kind, item_id, person_id, ref, body, created, updated"

    def put_item(self, item: Item) -> Item:
        now = _now().isoformat()
        with self._write() as conn:
            conn.execute(
                f"INSERT INTO items ({self._ITEM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (kind, item_id) DO UPDATE SET person_id = excluded.person_id, ref = excluded.ref,"
                " body = excluded.body, updated = excluded.updated",
                (item.kind, item.item_id, item.person_id, item.ref, dumps(item.body), item.created or now, now))
            row = conn.execute(f"SELECT {self._ITEM_COLUMNS} FROM items WHERE kind = ? AND item_id = ?",
                               (item.kind, item.item_id)).fetchone()
        return self._item(row)

    def get_item(self, kind, item_id) -> Item | None:
        row = self.conn.execute(f"SELECT {self._ITEM_COLUMNS} FROM items WHERE kind = ? AND item_id = ?",
                                (kind, item_id)).fetchone()
        return self._item(row) if row else None

    def list_items(self, kind, *, person_id=None, ref=None) -> list[Item]:
        sql = [f"SELECT {self._ITEM_COLUMNS} FROM items WHERE kind = ?"]
        params: list = [kind]
        if person_id is not None:
            sql.append("AND person_id = ?")
            params.append(person_id)
        if ref is not None:
            sql.append("AND ref = ?")
            params.append(ref)
        sql.append("ORDER BY created, item_id")
        return [self._item(r) for r in self.conn.execute(" ".join(sql), params)]

    def delete_item(self, kind, item_id) -> bool:
        with self._write() as conn:
            return conn.execute("DELETE FROM items WHERE kind = ? AND item_id = ?", (kind, item_id)).rowcount == 1

    def take_item(self, kind, item_id) -> Item | None:
        with self._write() as conn:  # the write lock: no other thread or process reads it in between
            row = conn.execute(f"SELECT {self._ITEM_COLUMNS} FROM items WHERE kind = ? AND item_id = ?",
                               (kind, item_id)).fetchone()
            if row is not None:
                conn.execute("DELETE FROM items WHERE kind = ? AND item_id = ?", (kind, item_id))
        return self._item(row) if row else None

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

    # -- erasure -----------------------------------------------------------------------
    def erase_person(self, person_id, *, erased_home_page, statement_ids=None) -> dict[str, int]:
        counts = dict.fromkeys(("statements", "statements_scrubbed", "attachments", "documents", "credentials",
                                "identities", "items", "people"), 0)
        whole = statement_ids is None
        with self._write() as conn:
            keys = {r[0] for r in conn.execute(
                "SELECT key FROM identities WHERE person_id = ? AND verified_by IS NOT NULL", (person_id,))}
            seqs = self._seqs_with_terms(conn, [OWNER + k for k in keys])
            if not whole:
                seqs = self._chosen_seqs(conn, seqs, statement_ids)
            hashes = self._delete_statements(conn, seqs)
            counts["statements"] = len(seqs)
            if whole:
                for seq in self._seqs_with_terms(conn, ["ragent:" + k for k in keys]):
                    self._scrub_statement(conn, seq, keys, erased_home_page)
                    counts["statements_scrubbed"] += 1
            for sha2 in hashes:  # a body no remaining statement carried is readable by no one: gone
                if conn.execute("SELECT 1 FROM statement_attachments WHERE sha2 = ? LIMIT 1", (sha2,)).fetchone() is None:
                    counts["attachments"] += conn.execute("DELETE FROM attachments WHERE sha2 = ?", (sha2,)).rowcount
            if whole:
                for key in keys:
                    counts["documents"] += conn.execute("DELETE FROM documents WHERE agent = ?", (key,)).rowcount
                counts["credentials"] = conn.execute("DELETE FROM credentials WHERE person_id = ?",
                                                     (person_id,)).rowcount
                counts["items"] = conn.execute("DELETE FROM items WHERE person_id = ? OR ref = ?",
                                               (person_id, f"person:{person_id}")).rowcount
                counts["identities"] = conn.execute("DELETE FROM identities WHERE person_id = ?",
                                                    (person_id,)).rowcount
                counts["people"] = conn.execute("DELETE FROM people WHERE id = ?", (person_id,)).rowcount
            self._retire_terms(conn, keys if whole else set())
        self._terms.clear()
        if whole:
            self._credentials_changed()
        self._empty_wal()
        return counts

    def _chosen_seqs(self, conn, owned: list[int], statement_ids: list[str]) -> list[int]:
        """Of the person's statements, those with the chosen ids and those voiding one of them."""
        ids = [i.lower() for i in dict.fromkeys(statement_ids)]
        chosen = {r[0] for r in self._rows_in(conn, "SELECT seq FROM statements WHERE id IN ({})", ids)}
        chosen |= {r[0] for r in self._rows_in(conn, "SELECT seq FROM statements WHERE voids IN ({})", ids)}
        return [seq for seq in owned if seq in chosen]

    @staticmethod
    def _delete_statements(conn, seqs: list[int]) -> set[str]:
        """Delete statements with their index and timeline rows; the attachment bodies they carried."""
        hashes: set[str] = set()
        for seq in seqs:
            terms, body = conn.execute("SELECT terms, body FROM statements WHERE seq = ?", (seq,)).fetchone()
            hashes.update(r[0] for r in conn.execute(
                "DELETE FROM statement_attachments WHERE seq = ? RETURNING sha2", (seq,)))
            conn.executemany("DELETE FROM statement_index WHERE term = ? AND seq = ?",
                             [(int(t), seq) for t in terms.split(",") if t])
            SQLiteStore._unlist_seq(conn, seq, terms, body)
            conn.execute("DELETE FROM statements WHERE seq = ?", (seq,))
        return hashes

    def _check_terms_cache(self, conn) -> None:
        """Forget the cached term ids once an erasure (in any process) has retired terms."""
        row = conn.execute("SELECT value FROM meta WHERE key = 'terms_retired'").fetchone()
        epoch = row[0] if row else "0"
        if epoch != self._terms_epoch:
            self._terms.clear()
            self._terms_epoch = epoch

    def _retire_terms(self, conn, keys: set[str]) -> None:
        """After an erasure, no term row names the person or a statement that is gone: each term naming
        an erased key, and each no index row uses any more, becomes ``erased:<id>``. The row stays as a
        tombstone so that its id is never given to another term (a process may hold it in its cache
        until it sees ``terms_retired`` change)."""
        named = [prefix + key for key in keys for prefix in ("actor:", "agent:", "ragent:")]
        ids = {r[0] for r in self._rows_in(conn, "SELECT id FROM terms WHERE term IN ({})", named)}
        ids.update(r[0] for r in conn.execute(
            "SELECT id FROM terms t WHERE substr(term, 1, 7) != 'erased:'"
            " AND NOT EXISTS (SELECT 1 FROM statement_index i WHERE i.term = t.id)"))
        conn.executemany("UPDATE terms SET term = 'erased:' || id WHERE id = ?", [(i,) for i in ids])
        conn.execute("INSERT INTO meta VALUES ('terms_retired', '1')"
                     " ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def _empty_wal(self) -> None:
        """After an erasure: copy the WAL into the database and cut it to nothing, so no earlier
        version of an erased page stays in it. Readers in other processes may delay it (SQLite
        waits for them up to the busy timeout); a few tries, then it is left to the next erasure."""
        if self.path == ":memory:":
            return
        for _ in range(3):
            busy, _frames, _copied = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return
            time.sleep(0.2)
        log.warning("the WAL could not be emptied after an erasure (readers kept it busy): it may hold erased "
                    "pages until the next erasure empties it or the LRS stops")

    def _seqs_with_terms(self, conn, terms: list[str]) -> list[int]:
        ids = [t for t in (self._term_id(conn, term, create=False) for term in terms) if t is not None]
        if not ids:
            return []
        return [r[0] for r in conn.execute(
            f"SELECT DISTINCT seq FROM statement_index WHERE term IN ({','.join('?' * len(ids))}) ORDER BY seq", ids)]

    def _scrub_statement(self, conn, seq: int, keys: set[str], home_page: str) -> None:
        """Replace the erased identifiers in one remaining statement, and its index terms with them."""
        body, terms = conn.execute("SELECT body, terms FROM statements WHERE seq = ?", (seq,)).fetchone()
        old_ids = [int(t) for t in terms.split(",") if t]
        names = dict(conn.execute(f"SELECT id, term FROM terms WHERE id IN ({','.join('?' * len(old_ids))})",
                                  old_ids).fetchall()) if old_ids else {}
        statement = scrub(json.loads(body), keys, home_page)
        kept = [t for t in old_ids if names.get(t, "").split(":", 1)[-1] not in keys]
        new_ids = list(dict.fromkeys(kept + [self._term_id(conn, term, create=True) for term in index_keys(statement)]))
        conn.executemany("DELETE FROM statement_index WHERE term = ? AND seq = ?",
                         [(t, seq) for t in old_ids if t not in new_ids])
        conn.executemany("INSERT OR IGNORE INTO statement_index (term, seq) VALUES (?, ?)",
                         [(t, seq) for t in new_ids])
        conn.execute("UPDATE statements SET body = ?, terms = ? WHERE seq = ?",
                     (dumps(statement), ",".join(map(str, new_ids)), seq))


    # -- copying between stores (lrs migrate) ---------------------------------------------------
    _DUMP_SQL = {
        "people": "SELECT id, username, email, password_hash, is_admin, created, disabled, last_sign_in FROM people"
                  " ORDER BY id",
        "credentials": "SELECT key, name, scopes, authority, person_id, created, revoked, last_used, secret_hash"
                       " FROM credentials ORDER BY created, key",
        "identities": "SELECT person_id, key, agent, verified_by, created FROM identities ORDER BY person_id, key",
        "items": "SELECT kind, item_id, person_id, ref, body, created, updated FROM items ORDER BY kind, item_id",
        "activities": "SELECT activity_id, body AS json FROM activities ORDER BY activity_id",
        "documents": "SELECT kind, scope, doc_id, activity_id, agent, content_type, content, etag, updated"
                     " FROM documents ORDER BY kind, scope, doc_id",
        "attachments": "SELECT sha2, content_type, content FROM attachments ORDER BY sha2",
    }

    def dump(self, kind, *, after=0):
        if kind == "statements":
            yield from self._dump_statements(after)
            return
        cursor = self.conn.cursor()
        cursor.execute(self._DUMP_SQL[kind])
        names = [d[0] for d in cursor.description]
        while rows := cursor.fetchmany(500):
            for row in rows:
                record = dict(zip(names, row))
                if kind == "people":
                    record["is_admin"] = bool(record["is_admin"])
                    record["disabled"] = bool(record["disabled"])
                elif kind == "credentials":
                    record["scopes"] = json.loads(record["scopes"])
                    record["authority"] = json.loads(record["authority"])
                elif kind == "identities":
                    record["agent"] = json.loads(record["agent"])
                elif kind == "items":
                    record["body"] = json.loads(record["body"])
                elif "content" in record:
                    record["content"] = bytes(record["content"])
                yield record

    def _dump_statements(self, after: int):
        conn = sqlite3.connect(self.path) if self.path != ":memory:" else self.conn  # its own read snapshot
        names = dict(conn.execute("SELECT id, term FROM terms"))
        cursor = conn.execute("SELECT seq, id, stored, voided, voids, ref_target, authority_key, terms, body,"
                              " (SELECT group_concat(sha2) FROM statement_attachments c WHERE c.seq = s.seq)"
                              " FROM statements s WHERE seq > ? ORDER BY seq", (after,))
        try:
            while rows := cursor.fetchmany(1000):
                for seq, sid, stored, voided, voids, ref_target, authority_key, terms, body, carries in rows:
                    yield {"seq": seq, "id": sid, "stored": stored, "voided": bool(voided), "voids": voids,
                           "ref_target": ref_target, "authority_key": authority_key,
                           "terms": [names[int(t)] for t in terms.split(",") if t],
                           "carries": sorted(carries.split(",")) if carries else [], "json": body}
        finally:
            if conn is not self.conn:
                conn.close()

    _LOAD_SQL = {
        "people": "INSERT OR IGNORE INTO people (id, username, email, password_hash, is_admin, created, disabled,"
                  " last_sign_in) VALUES (:id, :username, :email, :password_hash, :is_admin, :created, :disabled,"
                  " :last_sign_in)",
        "credentials": "INSERT OR IGNORE INTO credentials (key, name, scopes, authority, person_id, created, revoked,"
                       " last_used, secret_hash) VALUES (:key, :name, :scopes, :authority, :person_id, :created,"
                       " :revoked, :last_used, :secret_hash)",
        "identities": "INSERT OR IGNORE INTO identities (person_id, key, agent, verified_by, created)"
                      " VALUES (:person_id, :key, :agent, :verified_by, :created)",
        "items": "INSERT OR IGNORE INTO items (kind, item_id, person_id, ref, body, created, updated)"
                 " VALUES (:kind, :item_id, :person_id, :ref, :body, :created, :updated)",
        "activities": "INSERT OR IGNORE INTO activities (activity_id, body) VALUES (:activity_id, :json)",
        "documents": "INSERT OR IGNORE INTO documents (kind, scope, doc_id, activity_id, agent, content_type, content,"
                     " etag, updated) VALUES (:kind, :scope, :doc_id, :activity_id, :agent, :content_type, :content,"
                     " :etag, :updated)",
        "attachments": "INSERT OR IGNORE INTO attachments (sha2, content_type, content)"
                       " VALUES (:sha2, :content_type, :content)",
    }

    def load(self, kind, records):
        with self._write() as conn:
            if kind != "statements":
                conn.executemany(self._LOAD_SQL[kind], [_sqlite_record(kind, r) for r in records])
                return
            for r in records:
                if conn.execute("SELECT 1 FROM statements WHERE id = ? OR seq = ?", (r["id"], r["seq"])).fetchone():
                    continue
                term_ids = [self._term_id(conn, term, create=True) for term in r["terms"]]
                conn.execute(
                    "INSERT INTO statements (seq, id, stored, voided, voids, ref_target, authority_key, terms, body)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (r["seq"], r["id"], r["stored"], int(r["voided"]), r["voids"], r["ref_target"],
                     r["authority_key"], ",".join(map(str, term_ids)), r["json"]))
                conn.executemany("INSERT OR IGNORE INTO statement_index (term, seq) VALUES (?, ?)",
                                 [(term_id, r["seq"]) for term_id in term_ids])
                conn.executemany("INSERT OR IGNORE INTO statement_attachments (seq, sha2) VALUES (?, ?)",
                                 [(r["seq"], sha2) for sha2 in loaded_carries(r)])
                if not r["voided"] and not r["voids"]:
                    ts = timeline_time(json.loads(r["json"]))
                    conn.executemany("INSERT OR IGNORE INTO timeline (term, ts, seq) VALUES (?, ?, ?)",
                                     [(term_id, ts, r["seq"]) for term, term_id in zip(r["terms"], term_ids)
                                      if term.startswith(OWNER)])
                if needs_downgrade(r["json"]):  # see may_hold_2_0_context
                    conn.execute("UPDATE meta SET value = '1' WHERE key = 'v2_context' AND value = '0'")

    def last_seq(self) -> int:
        return self.conn.execute("SELECT coalesce(max(seq), 0) FROM statements").fetchone()[0]



class _WriterLock:
    """One writer at a time across threads and processes, handed over without delay.

    SQLite's own busy handler makes waiting writers sleep in growing steps (up to
    100 ms), which leaves the write lock idle under load; a kernel file lock wakes
    the next writer as soon as the last one commits.
    """

    def __init__(self, path: str):
        self.path = path
        self.thread_lock = threading.Lock()
        self.fd: int | None = None

    def acquire(self, timeout: float) -> bool:
        if not self.thread_lock.acquire(timeout=timeout):
            return False
        try:
            if self.fd is None:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except BaseException:
            self.thread_lock.release()
            raise
        return True

    def release(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.thread_lock.release()


class _WriteTransaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error; a lock held too long is a 503."""

    def __init__(self, conn: sqlite3.Connection, lock: _WriterLock | None = None, timeout: float = 15.0,
                 after_commit=None):
        self.conn = conn
        self.lock = lock
        self.timeout = timeout
        self.after_commit = after_commit

    def __enter__(self) -> sqlite3.Connection:
        if self.lock is not None and not self.lock.acquire(self.timeout):
            raise StoreUnavailable("the store is busy; try again")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            self._unlock()
            raise StoreUnavailable(f"the store is busy ({exc}); try again") from exc
        return self.conn

    def _unlock(self) -> None:
        if self.lock is not None:
            self.lock.release()

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            result = self._finish(exc_type, exc)
        finally:
            self._unlock()
        if exc_type is None and self.after_commit is not None:
            try:
                self.after_commit()
            except OSError as error:
                raise StoreUnavailable(f"the store could not sync its commit to disk ({error})") from error
        return result

    def _finish(self, exc_type, exc) -> bool:
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
                return False
            except sqlite3.OperationalError as error:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise StoreUnavailable(f"the store could not commit ({error}); try again") from error
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        if exc_type is sqlite3.OperationalError:
            raise StoreUnavailable(f"the store is busy ({exc}); try again") from exc
        return False


def _sqlite_record(kind: str, record: dict) -> dict:
    """A dumped record as the columns of its table."""
    if kind == "credentials":
        return {**record, "scopes": json.dumps(list(record["scopes"])), "authority": json.dumps(record["authority"])}
    if kind == "identities":
        return {**record, "agent": dumps(record["agent"])}
    if kind == "items":
        return {**record, "body": dumps(record["body"])}
    if kind == "people":
        return {**record, "is_admin": int(record["is_admin"]), "disabled": int(record.get("disabled") or False),
                "last_sign_in": record.get("last_sign_in")}
    return record


def open_sqlite(url: str, config=None) -> SQLiteStore:
    """``sqlite:///absolute/path.sqlite3``, ``sqlite:///relative/path`` or ``sqlite://:memory:``."""
    path = url.split("://", 1)[1]  # sqlite:///abs/file → /abs/file; sqlite://rel/file → rel/file
    synchronous = getattr(config, "sqlite_synchronous", "FULL")
    if synchronous not in ("FULL", "NORMAL", "EXTRA"):
        raise ValueError(f"LRS_SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA, not {synchronous!r}")
    return SQLiteStore(path, synchronous=synchronous)


@hookimpl
def register_stores():
    from lrs.plugins import StoreBackend

    return [StoreBackend(name="sqlite", factory=open_sqlite)]
