"""Erasing a person from MongoDB, or some of their statements, step by step."""

from __future__ import annotations

import json

from lrs.store.contract.erasure import ErasureStore
from lrs.store.mongo.connection import MongoConnection
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
                for doc in list(db.statements.find(selector, {"owner": 1, "carries": 1})):
                    hashes.update(doc.get("carries", ()))
                    db.statements.delete_one({"_id": doc["_id"], "owner": doc["owner"]})
                    db.statement_ids.delete_one({"_id": doc["_id"]})
                    counts["statements"] += 1
                if whole:
                    for doc in list(db.statements.find({"terms": {"$in": ["ragent:" + k for k in keys]}},
                                                       {"owner": 1, "body": 1, "terms": 1})):
                        statement = scrub(json.loads(doc["body"]), keys, erased_home_page)
                        kept = [t for t in doc["terms"] if t.split(":", 1)[-1] not in keys]
                        terms = list(dict.fromkeys(kept + sorted(index_keys(statement))))
                        db.statements.update_one({"_id": doc["_id"], "owner": doc["owner"]},
                                                 {"$set": {"body": dumps(statement), "terms": terms}})
                        counts["statements_scrubbed"] += 1
            for sha2 in hashes:  # a body no remaining statement carried is readable by no one: gone
                if db.statements.find_one({"carries": sha2}, {"_id": 1}) is None:
                    counts["attachments"] += db.attachments.delete_one({"_id": sha2}).deleted_count
                    db.attachment_chunks.delete_many({"sha2": sha2})
            if whole:
                counts["documents"] = db.documents.delete_many({"agent": {"$in": sorted(keys)}}).deleted_count
        if not whole:
            return counts
        counts["credentials"] = db.credentials.delete_many({"person_id": person_id}).deleted_count
        counts["items"] = db.items.delete_many(
            {"$or": [{"person_id": person_id}, {"ref": f"person:{person_id}"}]}).deleted_count
        counts["identities"] = db.identities.delete_many({"person_id": person_id}).deleted_count
        counts["people"] = db.people.delete_one({"_id": person_id}).deleted_count
        self._forget_references(keys)
        return counts

    def _forget_references(self, keys: set[str]) -> None:
        """After an erasure, no ``statement_ids`` entry names the person: a placeholder for a statement
        yet to arrive remembers each referrer's owner (her key), and her statements' own entries go."""
        if not keys:
            return
        owners = sorted(keys)
        self.db.statement_ids.update_many({"referrers.owner": {"$in": owners}},
                                          {"$pull": {"referrers": {"owner": {"$in": owners}}}})
        self.db.statement_ids.delete_many({"owner": {"$in": owners}})
