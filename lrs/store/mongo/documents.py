"""State, activity profile and agent profile documents in MongoDB (xAPI-Communication.md §2.3–2.6),
each read and changed only within the reader's reach; changes compare and swap."""

from __future__ import annotations

import json
import time

from lrs.access import Reach
from lrs.errors import Forbidden, StoreUnavailable
from lrs.store.contract.documents import DocumentStore
from lrs.store.mongo.connection import Binary, DuplicateKeyError, MongoConnection
from lrs.xapi.documents import AGENT_PROFILE, STATE, Document, DocumentRef


class MongoDocuments(MongoConnection, DocumentStore):
    """The documents part."""

    @staticmethod
    def _key(ref: DocumentRef) -> dict:
        return {"kind": ref.kind, "scope": ref.scope, "doc_id": ref.doc_id}

    @staticmethod
    def _document(doc) -> Document | None:
        if doc is None:
            return None
        return Document(doc["content_type"], bytes(doc["content"]), doc["etag"], doc["updated"])

    @staticmethod
    def _document_within(ref: DocumentRef, reach: Reach, change: bool = False) -> bool:
        if reach.reaches_agent(ref.agent):
            return True
        if change:
            raise Forbidden("this document is not within this reader's reach", location="agent")
        return False

    def get_document(self, ref: DocumentRef, *, reach: Reach) -> Document | None:
        if not self._document_within(ref, reach):
            return None
        return self._document(self.db.documents.find_one(self._key(ref)))

    def document_ids(self, ref: DocumentRef, since: str | None = None, *, reach: Reach) -> list[tuple[str, str]]:
        if not self._document_within(ref, reach):
            return []
        selector: dict = {"kind": ref.kind, "scope": ref.scope}
        if since is not None:
            selector["updated"] = {"$gt": since}
        return [(d["doc_id"], d["updated"]) for d in
                self.db.documents.find(selector, {"doc_id": 1, "updated": 1}).sort("doc_id", 1)]

    def change_document(self, ref, change, *, reach, attempts: int = 50):
        """Compare and swap on (etag, updated): ``change`` decides against the document as it is,
        and the write happens only if nobody changed it meanwhile; otherwise decide again."""
        self._document_within(ref, reach, change=True)
        key = self._key(ref)
        for attempt in range(attempts):
            row = self.db.documents.find_one(key)
            new = change(self._document(row))
            current = {**key, "etag": row["etag"], "updated": row["updated"]} if row else None
            try:
                if new is None:
                    if row is None or self.db.documents.delete_one(current).deleted_count:
                        return None
                else:
                    fields = {**key, "activity_id": ref.activity_id, "agent": ref.agent,
                              "content_type": new.content_type, "content": Binary(new.content), "etag": new.etag,
                              "updated": new.updated}
                    if row is None:
                        self.db.documents.insert_one(fields)
                        return new
                    if self.db.documents.replace_one(current, fields).matched_count:
                        return new
            except DuplicateKeyError:
                pass  # created meanwhile: decide again against it
            time.sleep(0.001 * attempt)
        raise StoreUnavailable("the document kept changing; try again")

    def delete_documents(self, ref: DocumentRef, *, reach: Reach) -> int:
        self._document_within(ref, reach, change=True)
        return self.db.documents.delete_many({"kind": ref.kind, "scope": ref.scope}).deleted_count

    def agent_documents(self, agent: str, *, reach: Reach) -> list[DocumentRef]:
        if not reach.reaches_agent(agent):
            return []
        refs = []
        for d in self.db.documents.find({"agent": agent, "kind": {"$in": [STATE, AGENT_PROFILE]}},
                                        {"kind": 1, "scope": 1, "doc_id": 1}).sort(
                [("kind", 1), ("scope", 1), ("doc_id", 1)]):
            activity_id, agent_of_scope, registration = json.loads(d["scope"])
            refs.append(DocumentRef(d["kind"], activity_id=activity_id, agent=agent_of_scope,
                                    registration=registration, doc_id=d["doc_id"]))
        return refs
