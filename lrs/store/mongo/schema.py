"""The MongoDB store's indexes, how a database made by an earlier version is upgraded on open,
and the integrity check (``lrs check``)."""

from __future__ import annotations

import json

from lrs.store.mongo.connection import MongoConnection
from lrs.store.upgrade import carried_on_upgrade, owner_keys_on_upgrade
from lrs.xapi.agents import agent_key
from lrs.xapi.attachments import declared_attachments
from lrs.xapi.indexing import OWNER, timeline_time


#: (collection, keys, options): the indexes each query needs (docs/scaling.md, "Indexes")
INDEXES = [
    ("statements", [("terms", 1), ("seq", 1)], {}),           # every filter, in sequence order
    ("statements", [("seq", 1)], {}),  # no filter; paging (unique by the counter: a sharded unique index
                                       # would have to begin with the shard key)
    ("statements", [("stored", 1), ("seq", 1)], {}),          # since / until to sequence bounds
    ("statements", [("authority_key", 1), ("seq", 1)], {}),   # statements/read/mine
    ("statements", [("owner", 1), ("seq", 1)], {}),           # the shard key's prefix
    ("statements", [("carries", 1)], {"sparse": True}),       # erasure: does a statement still carry a body?
    ("statements", [("terms", 1), ("ts", 1), ("seq", 1)], {}),  # a person's records by when the learning happened
    ("documents", [("kind", 1), ("scope", 1), ("doc_id", 1)], {"unique": True}),
    ("documents", [("agent", 1)], {"sparse": True}),
    ("attachment_chunks", [("sha2", 1), ("n", 1)], {"unique": True}),
    ("people", [("username", 1)], {"unique": True}),
    ("credentials", [("person_id", 1)], {}),
    ("identities", [("person_id", 1), ("key", 1)], {"unique": True}),
    ("identities", [("key", 1)], {"unique": True, "partialFilterExpression": {"verified_by": {"$type": "string"}},
                                  "name": "verified_key_unique"}),
    ("items", [("kind", 1), ("item_id", 1)], {"unique": True}),
    ("items", [("kind", 1), ("person_id", 1)], {}),
    ("items", [("kind", 1), ("ref", 1)], {"sparse": True}),
    ("attempts", [("kind", 1), ("key", 1)], {"unique": True}),
    ("attempts", [("until", 1)], {"expireAfterSeconds": 0}),  # MongoDB deletes ended windows itself
    ("record_rows", [("person_id", 1), ("hidden", 1), ("ts", 1), ("seq", 1)], {}),  # a person's rows by time
    ("record_rows", [("person_id", 1), ("statement_id", 1)], {}),
    ("record_rows", [("statement_id", 1)], {}),               # erasure: the rows of a statement
]

#: 3: ``actor:`` terms from a statement's own actor only, ``carries`` (see the SQLite store)
#: 4: ``ts``, when the learning happened (lrs.xapi.indexing.timeline_time), for timestamp order
SCHEMA_VERSION = 4


class MongoSchema(MongoConnection):
    """Creating, upgrading and checking the collections (the store's lifecycle, with :class:`MongoConnection`)."""

    def initialise(self) -> None:
        for collection, keys, options in INDEXES:
            self.db[collection].create_index(keys, **options)
        for name in ("statements", "people"):
            self.db.counters.update_one({"_id": name}, {"$setOnInsert": {"seq": 0, "visible": 0, "stored": ""}},
                                        upsert=True)
        empty = self.db.statements.find_one({}, {"_id": 1}) is None
        self.db.meta.update_one({"_id": "schema"}, {"$setOnInsert": {"version": SCHEMA_VERSION if empty else 2}},
                                upsert=True)
        version = self.db.meta.find_one({"_id": "schema"})["version"]
        if version < 3:
            self._upgrade_to_3()
        if version < 4:
            self._upgrade_to_4()

    def _upgrade_to_4(self) -> None:
        """Give every statement its ``ts``; idempotent, the version set last."""
        for doc in self.db.statements.find({"ts": {"$exists": False}}, {"owner": 1, "body": 1}):
            self.db.statements.update_one({"_id": doc["_id"], "owner": doc["owner"]},
                                          {"$set": {"ts": timeline_time(json.loads(doc["body"]))}})
        self.db.meta.update_one({"_id": "schema"}, {"$set": {"version": 4}})

    def _upgrade_to_3(self) -> None:
        """As SQLiteStore._upgrade_to_3: each step idempotent, the version set last, so an upgrade
        interrupted is finished by opening the store again."""
        db = self.db
        declared: dict[str, list[tuple[int, dict]]] = {}
        for doc in db.statements.find({}, {"owner": 1, "terms": 1, "body": 1, "seq": 1}).sort("seq", 1):
            statement = json.loads(doc["body"])
            owners = owner_keys_on_upgrade(statement, self._verified_keys_of)
            terms = [t for t in doc["terms"] if not t.startswith(OWNER)] + [OWNER + k for k in owners]
            db.statements.update_one({"_id": doc["_id"], "owner": doc["owner"]},
                                     {"$set": {"terms": list(dict.fromkeys(terms))}, "$unset": {"sha2s": ""}})
            for attachment in declared_attachments(statement):
                if "sha2" in attachment:
                    declared.setdefault(attachment["sha2"].lower(), []).append(
                        ((doc["seq"], doc["_id"], doc["owner"]), attachment))
        present = {d["_id"] for d in db.attachments.find({}, {"_id": 1})}
        for sha2, uses in declared.items():
            if sha2 not in present:
                continue
            for seq, statement_id, owner in carried_on_upgrade(uses):
                db.statements.update_one({"_id": statement_id, "owner": owner}, {"$addToSet": {"carries": sha2}})
        db.meta.update_one({"_id": "schema"}, {"$set": {"version": 3}})

    def _verified_keys_of(self, agent: dict) -> tuple[str, ...] | None:
        key = agent_key(agent)
        found = self.db.identities.find_one({"key": key, "verified_by": {"$ne": None}}) if key else None
        if found is None:
            return None
        return tuple(d["key"] for d in self.db.identities.find({"person_id": found["person_id"],
                                                               "verified_by": {"$ne": None}}))

    def check(self) -> list[str]:
        problems = []
        counter = self.db.counters.find_one({"_id": "statements"}) or {}
        top = 0
        batch: dict[str, dict] = {}

        def check_batch():
            guards = {g["_id"]: g for g in self.db.statement_ids.find({"_id": {"$in": list(batch)}})}
            for sid, doc in batch.items():
                guard = guards.get(sid)
                if guard is None or guard.get("seq") != doc["seq"]:
                    problems.append(f"statement {sid}: its statement_ids entry is missing or differs")
                if doc["voided"] and not (guard or {}).get("voided_by"):
                    problems.append(f"statement {sid}: marked voided without a voiding statement")
            batch.clear()

        for doc in self.db.statements.find({}, {"body": 1, "seq": 1, "voided": 1}).sort("seq", 1):
            top = max(top, doc["seq"])
            try:
                statement = json.loads(doc["body"])
            except ValueError:
                problems.append(f"statement {doc['_id']}: stored JSON does not parse")
                continue
            if str(statement.get("id", "")).lower() != doc["_id"]:
                problems.append(f"statement {doc['_id']}: _id and JSON id differ")
            batch[doc["_id"]] = doc
            if len(batch) >= 1000:
                check_batch()
        if batch:
            check_batch()
        if top > counter.get("seq", 0):
            problems.append(f"the statement counter ({counter.get('seq', 0)}) is behind the last sequence ({top})")
        return problems
