"""Copying a SQLite store: records dumped and loaded between stores (``lrs migrate``), and the
online backup and checksum of the file (``lrs backup``)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

from lrs.files import create_private
from lrs.store.contract.copying import CopyingStore
from lrs.store.sqlite.connection import SQLiteConnection
from lrs.store.upgrade import loaded_carries
from lrs.xapi.formats import needs_downgrade
from lrs.xapi.indexing import OWNER, timeline_time
from lrs.xapi.jsontext import dumps


class SQLiteCopying(SQLiteConnection, CopyingStore):
    """Copying (it spans the parts)."""

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
