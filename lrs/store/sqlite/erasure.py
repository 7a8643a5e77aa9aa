"""Erasing a person from SQLite, or some of their statements: rows deleted, mentions scrubbed,
index terms naming them retired, and the WAL emptied so no earlier page version stays behind."""

from __future__ import annotations

import json
import logging
import time

from lrs.store.contract.erasure import ErasureStore
from lrs.store.sqlite.connection import SQLiteConnection
from lrs.store.sqlite.record_rows import SQLiteRecordRows
from lrs.store.sqlite.statements import unlist_seq
from lrs.xapi.erasure import scrub
from lrs.xapi.indexing import OWNER, index_keys
from lrs.xapi.jsontext import dumps

log = logging.getLogger(__name__)


class SQLiteErasure(SQLiteConnection, ErasureStore):
    """Erasure (it spans the parts: statements, documents, credentials, people, items)."""

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
            shared = self._shared_seqs(conn, seqs, keys)
            hashes = self._delete_statements(conn, [seq for seq in seqs if seq not in shared])
            counts["statements"] = len(seqs) - len(shared)
            for seq in shared:  # a group's statement is its other members' too: theirs stays, without them
                self._scrub_statement(conn, seq, keys, erased_home_page)
                counts["statements_scrubbed"] += 1
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
                conn.execute("DELETE FROM record_rows WHERE person_id = ?", (person_id,))
                conn.execute("DELETE FROM record_row_texts WHERE person_id = ?", (person_id,))
                conn.execute("DELETE FROM record_row_state WHERE person_id = ?", (person_id,))
            conn.execute('UPDATE record_row_state SET "values" = NULL')  # the filter menus are made again
            SQLiteRecordRows.record_rows_changed(conn)  # a sync running meanwhile writes none of its rows
            self._retire_terms(conn, keys if whole else set())
        self._terms.clear()
        if whole:
            self._note_change(self.CREDENTIALS_CHANGED)
        self._empty_wal()
        return counts

    def _chosen_seqs(self, conn, owned: list[int], statement_ids: list[str]) -> list[int]:
        """Of the person's statements, those with the chosen ids and those voiding one of them."""
        ids = [i.lower() for i in dict.fromkeys(statement_ids)]
        chosen = {r[0] for r in self._rows_in(conn, "SELECT seq FROM statements WHERE id IN ({})", ids)}
        chosen |= {r[0] for r in self._rows_in(conn, "SELECT seq FROM statements WHERE voids IN ({})", ids)}
        return [seq for seq in owned if seq in chosen]

    @staticmethod
    def _shared_seqs(conn, seqs: list[int], keys: set[str]) -> set[int]:
        """Of the person's statements, those another owner shares: a tool's statement whose Group actor
        names other members too (docs/ownership.md). Erasing one member must not take it from them."""
        shared = set()
        for seq in seqs:
            terms = conn.execute("SELECT terms FROM statements WHERE seq = ?", (seq,)).fetchone()[0]
            ids = [int(t) for t in terms.split(",") if t]
            owners = [r[0] for r in conn.execute(
                f"SELECT term FROM terms WHERE id IN ({','.join('?' * len(ids))}) AND substr(term, 1, 6) = 'actor:'",
                ids)] if ids else []
            if any(owner[len(OWNER):] not in keys for owner in owners):
                shared.add(seq)
        return shared

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
            unlist_seq(conn, seq, terms, body)
            conn.execute("DELETE FROM record_rows WHERE seq = ?", (seq,))
            conn.execute("DELETE FROM record_row_texts WHERE seq = ?", (seq,))
            conn.execute("DELETE FROM statements WHERE seq = ?", (seq,))
        return hashes

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
        gone = [t for t in old_ids if t not in new_ids]
        conn.executemany("DELETE FROM statement_index WHERE term = ? AND seq = ?", [(t, seq) for t in gone])
        conn.executemany("INSERT OR IGNORE INTO statement_index (term, seq) VALUES (?, ?)",
                         [(t, seq) for t in new_ids])
        if gone:  # an erased member's place in the timeline goes with their owner term
            conn.executemany("DELETE FROM timeline WHERE term = ? AND seq = ?", [(t, seq) for t in gone])
        conn.execute("UPDATE statements SET body = ?, terms = ? WHERE seq = ?",
                     (dumps(statement), ",".join(map(str, new_ids)), seq))
        conn.execute("DELETE FROM record_rows WHERE seq = ?", (seq,))  # made again from the scrubbed statement
        conn.execute("DELETE FROM record_row_texts WHERE seq = ?", (seq,))
