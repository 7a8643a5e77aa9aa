"""Storing statements in MongoDB: the JSON text as it will be sent back (BSON would lose integers
beyond 64 bits and the order of keys) beside a ``terms`` array of
:func:`lrs.xapi.indexing.index_keys`, and ``ts``, when the learning happened.

``seq`` comes from a counter document that each batch increments inside its
transaction. Two transactions that both increment it conflict, and MongoDB retries
the later one, so batches commit in sequence order, ``stored`` never goes backwards
and the counter's ``visible`` mark is a horizon below which every statement is
committed: the ``more`` cursor and X-Experience-API-Consistent-Through rest on it.

On a server without transactions (a standalone ``mongod``; mongomock in the tests)
the *non-transactional path* serialises writers with a lease document instead and
cannot promise all-or-nothing batches (docs/scaling.md, "Standalone servers").

``statement_ids`` holds one small document per statement id: it makes ids unique
when statements are sharded by owner, routes a lookup by id to the owner's shard,
and remembers voiding and StatementRef targets that have not arrived yet.

What a batch does (a resend, a conflict, a voiding, a StatementRef) is decided by
:func:`lrs.xapi.writes.plan_writes`; this module looks up what it needs and persists the plan.
"""

from __future__ import annotations

import json
import secrets
import time

from lrs.errors import StoreUnavailable
from lrs.store.contract.statements import StatementStore
from lrs.store.mongo.connection import Binary, DuplicateKeyError, _now, _parse_index_time, pymongo
from lrs.store.mongo.queries import MongoStatementReads
from lrs.xapi.activities import merge_activity
from lrs.xapi.agents import agent_key, agent_keys_with_members
from lrs.xapi.indexing import timeline_time
from lrs.xapi.jsontext import dumps
from lrs.xapi.query import index_time
from lrs.xapi.statements import PreparedStatement
from lrs.xapi.writes import Found, Write, WritePlan, plan_writes

#: attachment bodies larger than this are kept in ``attachment_chunks`` (a document holds at most 16 MiB)
CHUNK_BYTES = 8 * 1024 * 1024
#: how long a writer of the non-transactional path may hold the lease before others may take it
LEASE_SECONDS = 30.0


def statement_owner(statement: dict) -> str:
    """Whom a statement belongs to, as one key: its actor's, else its first member's (an
    anonymous Group). The shard key of statements, so a person's statements stay together."""
    actor = statement.get("actor") or {}
    return agent_key(actor) or min(agent_keys_with_members(actor), default="")


class MongoStatements(MongoStatementReads, StatementStore):
    """The statements part: writing here, reading in :mod:`lrs.store.mongo.queries`."""

    def store_statements(self, statements: list[PreparedStatement], attachments: dict | None = None) -> list[str]:
        with self._thread_lock:
            if self.transactional:
                return self._store_in_transaction(statements, attachments or {})
            return self._store_without_transaction(statements, attachments or {})

    def _store_in_transaction(self, statements, attachments) -> list[str]:
        """All or nothing, write concern majority; pymongo retries a conflicting transaction."""
        from pymongo.read_concern import ReadConcern
        from pymongo.write_concern import WriteConcern

        with self.client.start_session() as session:
            return session.with_transaction(
                lambda s: self._write_batch(s, statements, attachments),
                read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority"))

    def _store_without_transaction(self, statements, attachments) -> list[str]:
        """The non-transactional path (standalone server, mongomock): writers take turns through a
        lease document so sequence order is commit order; a batch interrupted by a lost connection
        may be left in part, and re-sending it completes it (identical statements are skipped)."""
        token = self._acquire_lease()
        try:
            return self._write_batch(None, statements, attachments)
        finally:
            self.db.locks.update_one({"_id": "statements", "holder": token}, {"$set": {"holder": None}})

    def _acquire_lease(self, timeout: float = 15.0) -> str:
        token = secrets.token_hex(8)
        deadline = time.monotonic() + timeout
        pause = 0.001
        while True:
            now = time.time()
            taken = self.db.locks.find_one_and_update(
                {"_id": "statements", "$or": [{"holder": None}, {"expires": {"$lt": now}}]},
                {"$set": {"holder": token, "expires": now + LEASE_SECONDS}})
            if taken is not None:
                return token
            try:
                self.db.locks.insert_one({"_id": "statements", "holder": token, "expires": now + LEASE_SECONDS})
                return token
            except DuplicateKeyError:
                pass
            if time.monotonic() > deadline:
                raise StoreUnavailable("the store is busy; try again")
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    def _write_batch(self, s, statements: list[PreparedStatement], attachments: dict) -> list[str]:
        for sha2, part in attachments.items():
            self._put_attachment(s, sha2, part.content_type, part.content)
        found, guards, owners = self._found(s, statements)
        plan = plan_writes(statements, found)
        if plan.writes:
            self._persist(s, plan, guards, owners)
        return [write.id for write in plan.writes]

    def _found(self, s, statements: list[PreparedStatement]) -> tuple[Found, dict[str, dict], dict[str, str]]:
        """What the write rules need to know of the stored statements, with the ``statement_ids`` entries
        of the batch's ids and the owners of the statements that target them (their shard keys)."""
        db = self.db
        guards = {g["_id"]: g for g in db.statement_ids.find({"_id": {"$in": [p.id for p in statements]}}, session=s)}
        target_ids = list(dict.fromkeys(p.ref_target for p in statements if p.ref_target))
        targets = {g["_id"]: g for g in db.statement_ids.find(
            {"_id": {"$in": target_ids}, "seq": {"$exists": True}}, session=s)} if target_ids else {}
        docs = self._docs(s, [g for g in guards.values() if "seq" in g], {"body": 1})
        target_docs = self._docs(s, list(targets.values()), {"terms": 1})
        owners = {r["id"]: r["owner"] for g in guards.values() for r in g.get("referrers", ())}
        return Found(
            statements={sid: doc["body"] for sid, doc in docs.items()},
            voided_by={sid: g["voided_by"] for sid, g in guards.items() if g.get("voided_by")},
            referrers={sid: [r["id"] for r in g.get("referrers", ())] for sid, g in guards.items()},
            targets={sid: (target_docs.get(sid) or {}).get("terms", []) for sid in targets},
        ), guards, owners

    def _docs(self, s, guards: list[dict], fields: dict) -> dict[str, dict]:
        """The statements of these ``statement_ids`` entries, each looked up on its owner's shard."""
        if not guards:
            return {}
        return {d["_id"]: d for d in self.db.statements.find(
            {"$or": [{"_id": g["_id"], "owner": g["owner"]} for g in guards]}, fields, session=s)}

    def _persist(self, s, plan: WritePlan, guards: dict[str, dict], owners: dict[str, str]) -> None:
        """Write what the plan decided, the statements last (they make it visible)."""
        db = self.db
        counter = db.counters.find_one_and_update(
            {"_id": "statements"}, {"$inc": {"seq": len(plan.writes)}}, upsert=True,
            return_document=pymongo.ReturnDocument.AFTER, session=s)
        first = counter["seq"] - len(plan.writes) + 1
        moment = _now()
        if counter.get("stored") and index_time(moment) < counter["stored"]:
            moment = _parse_index_time(counter["stored"])  # another process's clock ran ahead: never go back
        docs, entries = [], []
        for offset, write in enumerate(plan.writes):
            write.prepared.stamp(moment)
            doc = self._statement_doc(write, first + offset)
            docs.append(doc)
            entries.append({"_id": doc["_id"], "owner": doc["owner"], "seq": doc["seq"]}
                           | ({"voided_by": write.voided_by} if write.voided_by else {}))
            if write.awaits_target:  # remembered for the target: it passes its keys on when it arrives
                db.statement_ids.update_one({"_id": doc["ref_target"]},
                                            {"$addToSet": {"referrers": {"id": doc["_id"], "owner": doc["owner"]}}},
                                            upsert=True, session=s)
        for referrer, keys in plan.inherits.items():
            db.statements.update_one({"_id": referrer, "owner": owners[referrer]},
                                     {"$addToSet": {"terms": {"$each": keys}}}, session=s)
        for target, voiding in plan.voids.items():
            self._void(s, target, voiding)
        self._define_activities(s, [d for write in plan.writes for d in write.prepared.definitions])
        for entry in entries:
            if entry["_id"] in guards:  # a placeholder: keep what it remembers
                db.statement_ids.update_one({"_id": entry["_id"]}, {"$set": entry}, session=s)
        if fresh := [entry for entry in entries if entry["_id"] not in guards]:
            db.statement_ids.insert_many(fresh, ordered=True, session=s)
        db.statements.insert_many(docs, ordered=True, session=s)
        db.counters.update_one({"_id": "statements"},
                               {"$max": {"visible": counter["seq"]}, "$set": {"stored": index_time(moment)}},
                               session=s)

    @staticmethod
    def _statement_doc(write: Write, seq: int) -> dict:
        """A stamped statement as stored, sharded by its owner."""
        prepared = write.prepared
        doc = {"_id": prepared.id, "seq": seq, "owner": statement_owner(prepared.statement), "stored": prepared.stored,
               "voided": write.voided, "voids": prepared.voids, "ref_target": prepared.ref_target,
               "authority_key": prepared.authority_key, "terms": write.keys, "ts": timeline_time(prepared.statement),
               "body": dumps(prepared.statement)}
        if prepared.carries:
            doc["carries"] = list(prepared.carries)
        return doc

    def _void(self, s, target_id: str, voiding_id: str) -> None:
        """Void a stored target unless it is a voiding statement; remember the voiding for a target yet to come."""
        guard = self.db.statement_ids.find_one_and_update(
            {"_id": target_id}, {"$set": {"voided_by": voiding_id}}, upsert=True, session=s,
            return_document=pymongo.ReturnDocument.AFTER)
        if "seq" in guard:
            self.db.statements.update_one({"_id": target_id, "owner": guard["owner"], "voids": None},
                                          {"$set": {"voided": True}}, session=s)

    def _define_activities(self, s, activities: list[dict]) -> None:
        for activity in activities:
            row = self.db.activities.find_one({"_id": activity["id"]}, session=s)
            existing = json.loads(row["json"]) if row else None
            merged = merge_activity(existing, activity)
            if merged != existing:
                self.db.activities.replace_one({"_id": activity["id"]}, {"json": dumps(merged)}, upsert=True,
                                               session=s)

    def _put_attachment(self, s, sha2: str, content_type: str, content: bytes) -> None:
        """Each body once, by its hash; a large one in chunks, written before the document that
        says it is complete."""
        if self.db.attachments.find_one({"_id": sha2}, {"_id": 1}, session=s) is not None:
            return
        doc = {"_id": sha2, "content_type": content_type, "length": len(content)}
        if len(content) <= CHUNK_BYTES:
            doc["content"] = Binary(content)
        else:
            pieces = range(0, len(content), CHUNK_BYTES)
            for n, start in enumerate(pieces):
                self.db.attachment_chunks.replace_one(
                    {"sha2": sha2, "n": n}, {"sha2": sha2, "n": n, "data": Binary(content[start:start + CHUNK_BYTES])},
                    upsert=True, session=s)
            doc["chunks"] = len(pieces)
        try:
            self.db.attachments.insert_one(doc, session=s)
        except DuplicateKeyError:
            pass  # stored meanwhile by another batch: the same bytes
