"""State, activity profile and agent profile documents in SQLite (xAPI-Communication.md §2.3–2.6),
each read and changed only within the reader's reach."""

from __future__ import annotations

import json

from lrs.access import Reach
from lrs.errors import Forbidden
from lrs.store.contract.documents import DocumentStore
from lrs.store.sqlite.connection import SQLiteConnection
from lrs.xapi.documents import AGENT_PROFILE, STATE, Document, DocumentRef


class SQLiteDocuments(SQLiteConnection, DocumentStore):
    """The documents part."""

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
