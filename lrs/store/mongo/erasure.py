"""Erasing a person from MongoDB, or some of their statements, step by step."""

from __future__ import annotations

import json

from lrs.store.contract.erasure import ErasureStore
from lrs.store.mongo.connection import MongoConnection
from lrs.store.mongo.statements import statement_owner
from lrs.xapi.erasure import scrub
from lrs.xapi.indexing import OWNER, index_keys
from lrs.xapi.jsontext import dumps


class MongoErasure(MongoConnection, ErasureStore):
    """Erasure (it spans the parts: statements, documents, credentials, people, items)."""

    def erase_person(self, person_id, *, erased_home_page, statement_ids=None) -> dict[str, int]:
        """Step by step, each step idempotent and the person removed last: an erasure interrupted
        (or too large for one transaction) is finished by running it again."""
        counts = dict.fromkeys(("statements", "statements_scrubbed", "attachments", "documents", "credentials",
                                "identities", "items", "people"), 0)
        whole = statement_ids is None
        db = self.db
        keys = {d["key"] for d in db.identities.find({"person_id": person_id, "verified_by": {"$ne": None}})}
        hashes: set[str] = set()
        if keys:
            selector: dict = {"terms": {"$in": [OWNER + k for k in keys]}}
            if not whole:
                ids = [i.lower() for i in dict.fromkeys(statement_ids)]
                selector = {"$and": [selector, {"$or": [{"_id": {"$in": ids}}, {"voids": {"$in": ids}}]}]}
            with self._thread_lock:
                for doc in list(db.statements.find(selector, {"owner": 1, "carries": 1, "terms": 1})):
                    if any(t.startswith(OWNER) and t[len(OWNER):] not in keys for t in doc["terms"]):
                        # a group's statement is its other members' too: theirs stays, without them
                        self._scrub_shared(doc["_id"], doc["owner"], keys, erased_home_page)
                        counts["statements_scrubbed"] += 1
                        continue
                    hashes.update(doc.get("carries", ()))
                    db.statements.delete_one({"_id": doc["_id"], "owner": doc["owner"]})
                    db.record_rows.delete_many({"statement_id": doc["_id"]})
                    db.statement_ids.delete_one({"_id": doc["_id"]})
                    counts["statements"] += 1
                if whole:
                    counts["statements_scrubbed"] += self._scrub_mentions(keys, erased_home_page)
            for sha2 in hashes:  # a body no remaining statement carried is readable by no one: gone
                if db.statements.find_one({"carries": sha2}, {"_id": 1}) is None:
                    counts["attachments"] += db.attachments.delete_one({"_id": sha2}).deleted_count
                    db.attachment_chunks.delete_many({"sha2": sha2})
            self.record_rows_changed()  # a sync running meanwhile writes none of its rows
            if whole:
                counts["documents"] = db.documents.delete_many({"agent": {"$in": sorted(keys)}}).deleted_count
        if not whole:
            return counts
        counts["credentials"] = db.credentials.delete_many({"person_id": person_id}).deleted_count
        counts["items"] = db.items.delete_many(
            {"$or": [{"person_id": person_id}, {"ref": f"person:{person_id}"}]}).deleted_count
        counts["identities"] = db.identities.delete_many({"person_id": person_id}).deleted_count
        counts["people"] = db.people.delete_one({"_id": person_id}).deleted_count
        db.record_rows.delete_many({"person_id": person_id})
        db.record_row_state.delete_one({"_id": person_id})
        self._forget_references(keys)
        return counts

    def _scrub_mentions(self, keys: set[str], home_page: str) -> int:
        """Replace the erased identifiers in the statements that remain (an instructor, a member of a
        team, an object, an authority): how many."""
        db, count = self.db, 0
        for doc in list(db.statements.find({"terms": {"$in": ["ragent:" + k for k in keys]}},
                                           {"owner": 1, "body": 1, "terms": 1})):
            statement = scrub(json.loads(doc["body"]), keys, home_page)
            kept = [t for t in doc["terms"] if t.split(":", 1)[-1] not in keys]
            terms = list(dict.fromkeys(kept + sorted(index_keys(statement))))
            db.statements.update_one({"_id": doc["_id"], "owner": doc["owner"]},
                                     {"$set": {"body": dumps(statement), "terms": terms}})
            db.record_rows.delete_many({"statement_id": doc["_id"]})  # made again from the scrubbed statement
            count += 1
        return count

    def _scrub_shared(self, statement_id: str, owner: str, keys: set[str], home_page: str) -> None:
        """Take the erased identifiers out of a statement other members own too. Its shard key
        (``owner``) may be one of them (an anonymous group's first member): then it moves."""
        db = self.db
        doc = db.statements.find_one({"_id": statement_id, "owner": owner})
        statement = scrub(json.loads(doc["body"]), keys, home_page)
        kept = [t for t in doc["terms"] if t.split(":", 1)[-1] not in keys]
        doc.update(body=dumps(statement), terms=list(dict.fromkeys(kept + sorted(index_keys(statement)))))
        db.record_rows.delete_many({"statement_id": statement_id})  # made again from the scrubbed statement
        if owner not in keys:
            db.statements.update_one({"_id": statement_id, "owner": owner},
                                     {"$set": {"body": doc["body"], "terms": doc["terms"]}})
            return
        doc["owner"] = statement_owner(statement)

        def move(session=None):
            db.statements.delete_one({"_id": statement_id, "owner": owner}, session=session)
            db.statements.insert_one(doc, session=session)
            db.statement_ids.update_one({"_id": statement_id}, {"$set": {"owner": doc["owner"]}}, session=session)

        if self.transactional:  # all or nothing; without transactions a crash between the steps could lose it
            with self.client.start_session() as session:
                session.with_transaction(move)
        else:
            move()

    def _forget_references(self, keys: set[str]) -> None:
        """After an erasure, no ``statement_ids`` entry names the person: a placeholder for a statement
        yet to arrive remembers each referrer's owner (her key), and her statements' own entries go."""
        if not keys:
            return
        owners = sorted(keys)
        self.db.statement_ids.update_many({"referrers.owner": {"$in": owners}},
                                          {"$pull": {"referrers": {"owner": {"$in": owners}}}})
        self.db.statement_ids.delete_many({"owner": {"$in": owners}})
