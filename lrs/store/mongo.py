"""The MongoDB store: many stateless LRS processes on one replica set or a sharded cluster.

Statements are kept as the JSON text they are returned as (BSON would lose integers
beyond 64 bits and the order of keys) beside a ``terms`` array of
:func:`lrs.xapi.indexing.index_keys` under a multikey index ``(terms, seq)``, so every
query filter is one index range in sequence order, as in SQLite.

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
pymongo is imported here only; SQLite deployments need not install it
(``pip install 'learnfolio[mongo]'``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import threading
import time
from typing import Iterator

import orjson

try:
    import pymongo
    from bson import Binary
    from pymongo.errors import (
        BulkWriteError,
        ConnectionFailure,
        DuplicateKeyError,
        OperationFailure,
        PyMongoError,
        WTimeoutError,
    )
except ImportError:  # pragma: no cover - only the MongoDB store needs pymongo
    pymongo = None

from lrs.access import Reach
from lrs.auth.credentials import Credential
from lrs.errors import Conflict, Forbidden, StoreUnavailable
from lrs.hookspecs import hookimpl
from lrs.store.base import Identity, Item, Person, StatementPage, Store, StoredStatement
from lrs.store.upgrade import carried_on_upgrade, loaded_carries, owner_keys_on_upgrade
from lrs.store.sqlite import dumps
from lrs.xapi.activities import merge_activity
from lrs.xapi.agents import agent_key, agent_keys_with_members, is_mbox_key
from lrs.xapi.attachments import declared_attachments
from lrs.xapi.documents import AGENT_PROFILE, STATE, Document, DocumentRef
from lrs.xapi.erasure import scrub
from lrs.xapi.indexing import OWNER, index_keys, inherited, timeline_time
from lrs.xapi.query import StatementQuery, index_time, parse_position, timeline_position
from lrs.xapi.statements import PreparedStatement, same_statement

#: attachment bodies larger than this are kept in ``attachment_chunks`` (a document holds at most 16 MiB)
CHUNK_BYTES = 8 * 1024 * 1024
#: how long a writer of the non-transactional path may hold the lease before others may take it
LEASE_SECONDS = 30.0

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
]
#: rounds of count_attempt's compare-and-set before giving up (each lost only to another caller's success)
ATTEMPT_ROUNDS = 20


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _parse_index_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)


def statement_owner(statement: dict) -> str:
    """Whom a statement belongs to, as one key: its actor's, else its first member's (an
    anonymous Group). The shard key of statements, so a person's statements stay together."""
    actor = statement.get("actor") or {}
    return agent_key(actor) or min(agent_keys_with_members(actor), default="")


#: 3: ``actor:`` terms from a statement's own actor only, ``carries`` (see the SQLite store)
#: 4: ``ts``, when the learning happened (lrs.xapi.indexing.timeline_time), for timestamp order
SCHEMA_VERSION = 4


def supports_transactions(client) -> bool:
    """Whether the deployment runs multi-document transactions: a replica set or a sharded cluster."""
    try:
        hello = client.admin.command("hello")
    except NotImplementedError:  # mongomock: no sessions, no transactions
        return False
    except OperationFailure:  # servers before 4.4.2 answer only the older name
        hello = client.admin.command("isMaster")
    return bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"


class MongoStore(Store):
    """The storage contract on pymongo. ``transactions=None`` asks the server once."""

    def __init__(self, client, database: str = "learnfolio", *, transactions: bool | None = None):
        if pymongo is None:  # pragma: no cover
            raise RuntimeError("the MongoDB store needs pymongo: pip install 'learnfolio[mongo]'")
        self.client = client
        self.db = client[database]
        self._transactions = transactions
        self._thread_lock = threading.Lock()  # one writer per process: others would only conflict

    @property
    def transactional(self) -> bool:
        if self._transactions is None:
            self._transactions = supports_transactions(self.client)
        return self._transactions

    # -- lifecycle -----------------------------------------------------------------------
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

    def close(self) -> None:
        self.client.close()

    def ping(self) -> None:
        self.db.counters.find_one({"_id": "statements"})

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

    # -- writing statements ------------------------------------------------------------------
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
        db = self.db
        for sha2, part in attachments.items():
            self._put_attachment(s, sha2, part.content_type, part.content)
        new = []
        for prepared in statements:
            guard = db.statement_ids.find_one({"_id": prepared.id}, session=s)
            if guard is not None and "seq" in guard:
                existing = db.statements.find_one({"_id": prepared.id, "owner": guard["owner"]}, {"body": 1},
                                                  session=s)
                if existing is not None:
                    if same_statement(prepared.statement, json.loads(existing["body"])):
                        continue
                    raise Conflict(
                        f"a different statement with id {prepared.id} is already stored; statements cannot change",
                        location="statement.id")
            new.append((prepared, guard))
        if not new:
            return []

        counter = db.counters.find_one_and_update(
            {"_id": "statements"}, {"$inc": {"seq": len(new)}}, upsert=True,
            return_document=pymongo.ReturnDocument.AFTER, session=s)
        first = counter["seq"] - len(new) + 1
        moment = _now()
        if counter.get("stored") and index_time(moment) < counter["stored"]:
            moment = _parse_index_time(counter["stored"])  # another process's clock ran ahead: never go back

        docs: dict[str, dict] = {}    # this batch's statements by id, written at the end
        guards: dict[str, dict] = {}  # and their statement_ids entries
        fresh: list[str] = []         # ids with no entry yet (the others are placeholders)
        later = {prepared.id: {"referrers": [], "voided_by": None} for prepared, _ in new}  # targets later in it
        for offset, (prepared, guard) in enumerate(new):
            guard = guard or {}
            prepared.stamp(moment)
            terms = list(prepared.keys)
            if prepared.ref_target:
                # Filter conditions for StatementRefs: found by its target's terms too (not its owners)
                terms = list(dict.fromkeys(terms + inherited(self._terms_of(s, prepared.ref_target, docs))))
            owner = statement_owner(prepared.statement)
            waiting = later.pop(prepared.id)
            voided_by = guard.get("voided_by") or waiting["voided_by"]
            doc = {"_id": prepared.id, "seq": first + offset, "owner": owner, "stored": prepared.stored,
                   "voided": prepared.voids is None and voided_by is not None, "voids": prepared.voids,
                   "ref_target": prepared.ref_target, "authority_key": prepared.authority_key, "terms": terms,
                   "ts": timeline_time(prepared.statement), "body": dumps(prepared.statement)}
            if prepared.carries:
                doc["carries"] = list(prepared.carries)
            docs[prepared.id] = doc
            guards[prepared.id] = {"_id": prepared.id, "owner": owner, "seq": doc["seq"]}
            if voided_by:
                guards[prepared.id]["voided_by"] = voided_by
            if not guard:
                fresh.append(prepared.id)
            for referrer in list(guard.get("referrers", ())) + waiting["referrers"]:
                # a statement that arrived before the one it targets inherits its terms now
                if referrer["id"] in docs:
                    docs[referrer["id"]]["terms"] = list(dict.fromkeys(docs[referrer["id"]]["terms"]
                                                                       + inherited(terms)))
                else:
                    db.statements.update_one({"_id": referrer["id"], "owner": referrer["owner"]},
                                             {"$addToSet": {"terms": {"$each": inherited(terms)}}}, session=s)
            if prepared.ref_target in later:
                later[prepared.ref_target]["referrers"].append({"id": prepared.id, "owner": owner})
            elif prepared.ref_target and not self._present(s, prepared.ref_target, docs):
                db.statement_ids.update_one(
                    {"_id": prepared.ref_target},
                    {"$addToSet": {"referrers": {"id": prepared.id, "owner": owner}}}, upsert=True, session=s)
            if prepared.voids in later:
                later[prepared.voids]["voided_by"] = prepared.id
            elif prepared.voids:
                self._void(s, prepared.voids, prepared.id, docs, guards)
            if prepared.definitions:
                self._define_activities(s, prepared.definitions)

        for statement_id, guard in guards.items():
            if statement_id not in fresh:
                db.statement_ids.update_one({"_id": statement_id}, {"$set": guard}, session=s)
        if fresh:
            db.statement_ids.insert_many([guards[i] for i in fresh], ordered=True, session=s)
        db.statements.insert_many(list(docs.values()), ordered=True, session=s)
        db.counters.update_one({"_id": "statements"},
                               {"$max": {"visible": counter["seq"]}, "$set": {"stored": index_time(moment)}},
                               session=s)
        return [prepared.id for prepared, _ in new]

    def _present(self, s, statement_id: str, docs: dict) -> bool:
        if statement_id in docs:
            return True
        guard = self.db.statement_ids.find_one({"_id": statement_id}, {"seq": 1}, session=s)
        return guard is not None and "seq" in guard

    def _terms_of(self, s, statement_id: str, docs: dict) -> list[str]:
        if statement_id in docs:
            return docs[statement_id]["terms"]
        guard = self.db.statement_ids.find_one({"_id": statement_id}, session=s)
        if guard is None or "seq" not in guard:
            return []
        target = self.db.statements.find_one({"_id": statement_id, "owner": guard["owner"]}, {"terms": 1}, session=s)
        return target["terms"] if target else []

    def _void(self, s, target_id: str, voiding_id: str, docs: dict, guards: dict) -> None:
        """Void the target unless it is a voiding statement; remember the voiding for a target yet to come."""
        if target_id in docs:
            guards[target_id]["voided_by"] = voiding_id
            if docs[target_id]["voids"] is None:
                docs[target_id]["voided"] = True
            return
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

    # -- reading statements --------------------------------------------------------------------
    @staticmethod
    def _within(reach: Reach) -> dict | None:
        """The condition that keeps a query within reach; None: nothing is."""
        conditions = {}
        if reach.authority_key is not None:
            conditions["authority_key"] = reach.authority_key
        if reach.owners is not None:
            if not reach.owners:
                return None
            conditions["terms"] = {"$in": [OWNER + k for k in reach.owners]}
        return conditions

    def get_statement(self, statement_id: str, *, reach: Reach, voided: bool = False) -> StoredStatement | None:
        statement_id = statement_id.lower()
        within = self._within(reach)
        if within is None:
            return None
        guard = self.db.statement_ids.find_one({"_id": statement_id}, {"owner": 1, "seq": 1})
        if guard is None or "seq" not in guard:
            return None
        doc = self.db.statements.find_one({"_id": statement_id, "owner": guard["owner"], **within},
                                          {"body": 1, "stored": 1, "voided": 1, "authority_key": 1})
        if doc is None or bool(doc["voided"]) != voided:
            return None
        return StoredStatement(id=doc["_id"], json=doc["body"], stored=doc["stored"], voided=bool(doc["voided"]),
                               authority_key=doc.get("authority_key"))

    def _counter(self) -> dict:
        return self.db.counters.find_one({"_id": "statements"}) or {"visible": 0, "stored": ""}

    def _seq_at(self, stored: str) -> int:
        """The last sequence number stored at or before ``stored`` (0 if none)."""
        doc = self.db.statements.find_one({"stored": {"$lte": stored}}, {"seq": 1},
                                          sort=[("stored", -1), ("seq", -1)])
        return doc["seq"] if doc else 0

    def reachable_ids(self, statement_ids: list[str], *, reach: Reach) -> set[str]:
        within = self._within(reach)
        if within is None or not statement_ids:
            return set()
        ids = [i.lower() for i in dict.fromkeys(statement_ids)]
        return {d["_id"] for d in self.db.statements.find({"_id": {"$in": ids}, **within}, {"_id": 1})}

    def query_statements(self, query: StatementQuery, limit: int, *, reach: Reach) -> StatementPage:
        if query.order == "timestamp":
            return self._timeline_page(query, limit, reach)
        within = self._within(reach)
        if within is None:
            return StatementPage([], None)
        upto = query.upto if query.upto is not None else self._counter().get("visible", 0)
        low, high = query.seq_window(upto, self._seq_at)
        if low >= high:
            return StatementPage([], None)
        conditions: list[dict] = [{"seq": {"$gt": low, "$lte": high}, "voided": False}]
        keys = query.index_keys()
        if keys:
            conditions.append({"terms": {"$all": keys}})
        if within:
            conditions.append(within)
        cursor = self.db.statements.find(
            {"$and": conditions} if len(conditions) > 1 else conditions[0],
            {"body": 1, "stored": 1, "seq": 1},
        ).sort("seq", 1 if query.ascending else -1).limit(limit + 1)
        docs = list(cursor)
        more = None
        if len(docs) > limit:
            docs = docs[:limit]
            more = query.to_cursor(after=docs[-1]["seq"], upto=upto)
        return StatementPage([StoredStatement(id=d["_id"], json=d["body"], stored=d["stored"]) for d in docs], more)

    @staticmethod
    def _timeline_filter(query: StatementQuery, reach: Reach) -> dict | None:
        """The conditions of a query in timestamp order (index ``terms, ts, seq``); None: nothing matches."""
        if reach.owners is None:
            raise ValueError("statements are listed by timestamp for one person's records: a reach narrowed to owners")
        if not reach.owners:
            return None
        conditions: list[dict] = [{"terms": {"$in": [OWNER + k for k in reach.owners]}},
                                  {"voided": False, "voids": None}]
        keys = query.index_keys()
        if keys:
            conditions.append({"terms": {"$all": keys}})
        if reach.authority_key is not None:
            conditions.append({"authority_key": reach.authority_key})
        span = {}
        if query.timestamp_from:
            span["$gte"] = query.timestamp_from
        if query.timestamp_before:
            span["$lt"] = query.timestamp_before
        if span:
            conditions.append({"ts": span})
        return {"$and": conditions}

    def _timeline_page(self, query: StatementQuery, limit: int, reach: Reach) -> StatementPage:
        selector = self._timeline_filter(query, reach)
        if selector is None:
            return StatementPage([], None)
        if query.position:
            ts, seq = parse_position(query.position)
            op = "$gt" if query.ascending else "$lt"
            selector["$and"].append({"$or": [{"ts": {op: ts}}, {"ts": ts, "seq": {op: seq}}]})
        direction = 1 if query.ascending else -1
        docs = list(self.db.statements.find(selector, {"body": 1, "stored": 1, "seq": 1, "ts": 1})
                    .sort([("ts", direction), ("seq", direction)]).limit(limit + 1))
        page = [StoredStatement(id=d["_id"], json=d["body"], stored=d["stored"],
                                position=timeline_position(d["ts"], d["seq"])) for d in docs]
        more = None
        if len(page) > limit:
            page = page[:limit]
            more = query.to_cursor(after=None, upto=None, position=page[-1].position)
        return StatementPage(page, more)

    def count_statements(self, query: StatementQuery, *, reach: Reach) -> int:
        if query.order != "timestamp":
            raise ValueError("count_statements counts in timestamp order")
        selector = self._timeline_filter(query, reach)
        return 0 if selector is None else self.db.statements.count_documents(selector)

    def statement_count(self) -> int:
        return self.db.statements.count_documents({})

    def consistent_through(self) -> str:
        """The ``stored`` of the last committed batch, less a millisecond: a later batch may share
        that millisecond (its process's clock being behind), never an earlier one."""
        stored = self._counter().get("stored")
        if not stored:
            return super().consistent_through()
        moment = _parse_index_time(stored) - dt.timedelta(milliseconds=1)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def get_attachments(self, statement_ids: list[str], *, reach: Reach) -> dict[str, tuple[str, bytes]]:
        within = self._within(reach)
        if within is None or not statement_ids:
            return {}
        ids = [i.lower() for i in dict.fromkeys(statement_ids)]
        hashes = {sha2 for d in self.db.statements.find({"_id": {"$in": ids}, "carries": {"$exists": True}, **within},
                                                         {"carries": 1})
                  for sha2 in d["carries"]}
        return self._bodies(sorted(hashes))

    def _bodies(self, hashes: list[str]) -> dict[str, tuple[str, bytes]]:
        found = {}
        for doc in self.db.attachments.find({"_id": {"$in": hashes}}):
            if "content" in doc:
                content = bytes(doc["content"])
            else:
                chunks = self.db.attachment_chunks.find({"sha2": doc["_id"]}).sort("n", 1)
                content = b"".join(bytes(c["data"]) for c in chunks)
            found[doc["_id"]] = (doc["content_type"], content)
        return found

    # -- documents -----------------------------------------------------------------------------
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

    # -- activities ------------------------------------------------------------------------------
    def get_activity(self, activity_id: str) -> dict | None:
        row = self.db.activities.find_one({"_id": activity_id})
        return json.loads(row["json"]) if row else None

    # -- credentials -----------------------------------------------------------------------------
    @staticmethod
    def _credential(doc) -> Credential | None:
        if doc is None:
            return None
        return Credential(key=doc["_id"], name=doc["name"], scopes=tuple(doc["scopes"]),
                          authority=json.loads(doc["authority"]), person_id=doc.get("person_id"),
                          created=doc["created"], revoked=doc.get("revoked"), last_used=doc.get("last_used"),
                          secret_hash=doc["secret_hash"])

    def add_credential(self, credential: Credential) -> None:
        try:
            self.db.credentials.insert_one({
                "_id": credential.key, "name": credential.name, "scopes": list(credential.scopes),
                "authority": dumps(credential.authority), "person_id": credential.person_id,
                "created": credential.created, "revoked": credential.revoked, "last_used": credential.last_used,
                "secret_hash": credential.secret_hash})
        except DuplicateKeyError:
            raise Conflict(f"a credential with key {credential.key!r} exists already", location="key") from None

    def get_credential(self, key: str) -> Credential | None:
        return self._credential(self.db.credentials.find_one({"_id": key}))

    def list_credentials(self, person_id: int | None = None) -> list[Credential]:
        selector = {} if person_id is None else {"person_id": person_id}
        return [self._credential(d) for d in self.db.credentials.find(selector).sort([("created", 1), ("_id", 1)])]

    def revoke_credential(self, key: str, when: str) -> bool:
        return self.db.credentials.update_one({"_id": key, "revoked": None},
                                              {"$set": {"revoked": when}}).modified_count == 1

    def touch_credential(self, key: str, when: str) -> None:
        try:
            self.db.credentials.update_one({"_id": key}, {"$set": {"last_used": when}})
        except PyMongoError:
            pass  # a busy store must not fail a request over bookkeeping

    # -- people ------------------------------------------------------------------------------------
    @staticmethod
    def _person(doc) -> Person | None:
        if doc is None:
            return None
        return Person(doc["_id"], doc["username"], doc.get("email"), doc["password_hash"], bool(doc["is_admin"]),
                      doc["created"], bool(doc.get("disabled", False)), doc.get("last_sign_in"))

    def add_person(self, username, password_hash, *, email=None, is_admin=False) -> Person:
        created = _now().isoformat()
        if self.db.people.find_one({"username": username}, {"_id": 1}) is not None:
            raise Conflict(f"a person named {username!r} exists already", location="username")
        counter = self.db.counters.find_one_and_update({"_id": "people"}, {"$inc": {"seq": 1}}, upsert=True,
                                                       return_document=pymongo.ReturnDocument.AFTER)
        try:
            self.db.people.insert_one({"_id": counter["seq"], "username": username, "email": email,
                                       "password_hash": password_hash, "is_admin": bool(is_admin),
                                       "created": created})
        except DuplicateKeyError:
            raise Conflict(f"a person named {username!r} exists already", location="username") from None
        return Person(counter["seq"], username, email, password_hash, bool(is_admin), created)

    def get_person(self, username: str) -> Person | None:
        return self._person(self.db.people.find_one({"username": username}))

    def get_person_by_id(self, person_id: int) -> Person | None:
        return self._person(self.db.people.find_one({"_id": person_id}))

    def list_people(self) -> list[Person]:
        return [self._person(d) for d in self.db.people.find().sort("_id", 1)]

    def update_person(self, person_id, *, password_hash=None, email=None, is_admin=None, disabled=None,
                      last_sign_in=None) -> None:
        changes = {"password_hash": password_hash, "email": email,
                   "is_admin": None if is_admin is None else bool(is_admin),
                   "disabled": None if disabled is None else bool(disabled), "last_sign_in": last_sign_in}
        changes = {k: v for k, v in changes.items() if v is not None}
        if changes:
            self.db.people.update_one({"_id": person_id}, {"$set": changes})

    # -- identities ----------------------------------------------------------------------------------
    @staticmethod
    def _identity(doc) -> Identity:
        return Identity(person_id=doc["person_id"], key=doc["key"], agent=json.loads(doc["agent"]),
                        verified_by=doc.get("verified_by"), created=doc["created"])

    def _other_owner(self, person_id: int, key: str) -> bool:
        """Another person holds ``key`` verified (an e-mail address in any letter case: a scan of the
        verified addresses, as a case-insensitive regular expression cannot use the index)."""
        owner = self.identity_owner(key)
        if owner is None and is_mbox_key(key):
            doc = self.db.identities.find_one({"key": {"$regex": f"^{re.escape(key)}$", "$options": "i"},
                                               "verified_by": {"$ne": None}, "person_id": {"$ne": person_id}},
                                              {"person_id": 1})
            owner = doc["person_id"] if doc else None
        return owner is not None and owner != person_id

    def add_identity(self, person_id, agent, *, verified_by=None) -> Identity:
        key = agent_key(agent)
        if key is None:
            raise ValueError("an identity needs an inverse functional identifier")
        if verified_by is not None and self._other_owner(person_id, key):
            raise Conflict("that identifier belongs to someone else", location="identity")
        selector = {"person_id": person_id, "key": key}
        try:
            self.db.identities.update_one(selector, {"$setOnInsert": {
                "agent": dumps(agent), "created": _now().isoformat(), "verified_by": None}}, upsert=True)
            if verified_by is not None:
                self.db.identities.update_one({**selector, "verified_by": None}, {"$set": {"verified_by": verified_by}})
        except DuplicateKeyError:  # the unique index on verified keys: someone verified it meanwhile
            raise Conflict("that identifier belongs to someone else", location="identity") from None
        return self._identity(self.db.identities.find_one(selector))

    def list_identities(self, person_id=None, *, verified=None) -> list[Identity]:
        selector: dict = {}
        if person_id is not None:
            selector["person_id"] = person_id
        if verified is not None:
            selector["verified_by"] = {"$ne": None} if verified else None
        return [self._identity(d) for d in self.db.identities.find(selector).sort([("created", 1), ("key", 1)])]

    def verify_identity(self, person_id, key, verified_by) -> bool:
        if self._other_owner(person_id, key):
            raise Conflict("that identifier belongs to someone else", location="identity")
        selector = {"person_id": person_id, "key": key}
        if self.db.identities.find_one(selector, {"_id": 1}) is None:
            return False
        try:
            self.db.identities.update_one({**selector, "verified_by": None}, {"$set": {"verified_by": verified_by}})
        except DuplicateKeyError:
            raise Conflict("that identifier belongs to someone else", location="identity") from None
        return True

    def remove_identity(self, person_id, key) -> bool:
        return self.db.identities.delete_one({"person_id": person_id, "key": key}).deleted_count == 1

    def identity_owner(self, key) -> int | None:
        doc = self.db.identities.find_one({"key": key, "verified_by": {"$ne": None}}, {"person_id": 1})
        return doc["person_id"] if doc else None

    # -- items -------------------------------------------------------------------------------------------
    @staticmethod
    def _item(doc) -> Item:
        return Item(kind=doc["kind"], item_id=doc["item_id"], person_id=doc.get("person_id"), ref=doc.get("ref"),
                    body=json.loads(doc["body"]), created=doc["created"], updated=doc["updated"])

    def put_item(self, item: Item) -> Item:
        now = _now().isoformat()
        selector = {"kind": item.kind, "item_id": item.item_id}
        update = {"$set": {"person_id": item.person_id, "ref": item.ref, "body": dumps(item.body), "updated": now},
                  "$setOnInsert": {"created": item.created or now}}
        for attempt in range(2):
            try:
                doc = self.db.items.find_one_and_update(selector, update, upsert=True,
                                                        return_document=pymongo.ReturnDocument.AFTER)
                return self._item(doc)
            except DuplicateKeyError:  # two upserts raced; the second now finds the first's document
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def get_item(self, kind, item_id) -> Item | None:
        doc = self.db.items.find_one({"kind": kind, "item_id": item_id})
        return self._item(doc) if doc else None

    def list_items(self, kind, *, person_id=None, ref=None) -> list[Item]:
        selector: dict = {"kind": kind}
        if person_id is not None:
            selector["person_id"] = person_id
        if ref is not None:
            selector["ref"] = ref
        return [self._item(d) for d in self.db.items.find(selector).sort([("created", 1), ("item_id", 1)])]

    def delete_item(self, kind, item_id) -> bool:
        return self.db.items.delete_one({"kind": kind, "item_id": item_id}).deleted_count == 1

    def take_item(self, kind, item_id) -> Item | None:
        doc = self.db.items.find_one_and_delete({"kind": kind, "item_id": item_id})  # atomic on one document
        return self._item(doc) if doc else None

    # -- attempt counters ---------------------------------------------------------------------------------
    def count_attempt(self, kind, key, window) -> int:
        """Each step changes one document atomically; a step that finds the window other than it
        expected leaves it to the next round (another caller opened or counted it meanwhile)."""
        selector = {"kind": kind, "key": key}
        for _ in range(ATTEMPT_ROUNDS):
            now = _now()
            counted = self.db.attempts.find_one_and_update({**selector, "until": {"$gt": now}}, {"$inc": {"count": 1}},
                                                           return_document=pymongo.ReturnDocument.AFTER)
            if counted is not None:
                return counted["count"]
            fresh = {"count": 1, "until": now + dt.timedelta(seconds=window)}
            if self.db.attempts.find_one_and_update({**selector, "until": {"$lte": now}}, {"$set": fresh}) is not None:
                return 1
            try:
                self.db.attempts.insert_one({**selector, **fresh})
                return 1
            except DuplicateKeyError:
                continue
        raise StoreUnavailable("the attempt counter is too busy; try again")

    def uncount_attempt(self, kind, key) -> None:
        self.db.attempts.update_one({"kind": kind, "key": key, "count": {"$gt": 0}, "until": {"$gt": _now()}},
                                    {"$inc": {"count": -1}})

    # -- erasure ---------------------------------------------------------------------------------------------
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

    # -- copying between stores (lrs migrate) -------------------------------------------------------------------
    def dump(self, kind, *, after=0) -> Iterator[dict]:
        db = self.db
        if kind == "statements":
            for d in db.statements.find({"seq": {"$gt": after}}).sort("seq", 1).batch_size(1000):
                yield {"seq": d["seq"], "id": d["_id"], "stored": d["stored"], "voided": bool(d["voided"]),
                       "voids": d.get("voids"), "ref_target": d.get("ref_target"),
                       "authority_key": d.get("authority_key"), "terms": list(d["terms"]),
                       "carries": list(d.get("carries", ())), "json": d["body"]}
        elif kind == "people":
            for d in db.people.find().sort("_id", 1):
                yield {"id": d["_id"], "username": d["username"], "email": d.get("email"),
                       "password_hash": d["password_hash"], "is_admin": bool(d["is_admin"]), "created": d["created"],
                       "disabled": bool(d.get("disabled", False)), "last_sign_in": d.get("last_sign_in")}
        elif kind == "credentials":
            for d in db.credentials.find().sort([("created", 1), ("_id", 1)]):
                c = self._credential(d)
                yield {"key": c.key, "name": c.name, "scopes": list(c.scopes), "authority": c.authority,
                       "person_id": c.person_id, "created": c.created, "revoked": c.revoked,
                       "last_used": c.last_used, "secret_hash": c.secret_hash}
        elif kind == "identities":
            for d in db.identities.find().sort([("person_id", 1), ("key", 1)]):
                i = self._identity(d)
                yield {"person_id": i.person_id, "key": i.key, "agent": i.agent, "verified_by": i.verified_by,
                       "created": i.created}
        elif kind == "items":
            for d in db.items.find().sort([("kind", 1), ("item_id", 1)]):
                i = self._item(d)
                yield {"kind": i.kind, "item_id": i.item_id, "person_id": i.person_id, "ref": i.ref, "body": i.body,
                       "created": i.created, "updated": i.updated}
        elif kind == "activities":
            for d in db.activities.find().sort("_id", 1):
                yield {"activity_id": d["_id"], "json": d["json"]}
        elif kind == "documents":
            for d in db.documents.find().sort([("kind", 1), ("scope", 1), ("doc_id", 1)]):
                yield {name: d.get(name) for name in ("kind", "scope", "doc_id", "activity_id", "agent",
                                                      "content_type", "etag", "updated")} | {
                    "content": bytes(d["content"])}
        elif kind == "attachments":
            for d in db.attachments.find({}, {"_id": 1}).sort("_id", 1):
                content_type, content = self._bodies([d["_id"]])[d["_id"]]
                yield {"sha2": d["_id"], "content_type": content_type, "content": content}
        else:
            raise ValueError(f"no such record kind: {kind!r}")

    def load(self, kind, records) -> None:
        if kind == "statements":
            self._load_statements(records)
            return
        db = self.db
        for r in records:
            try:
                if kind == "people":
                    db.people.insert_one({"_id": r["id"], **{k: v for k, v in r.items() if k != "id"}})
                    db.counters.update_one({"_id": "people"}, {"$max": {"seq": r["id"]}}, upsert=True)
                elif kind == "credentials":
                    self.add_credential(Credential(**{**r, "scopes": tuple(r["scopes"])}))
                elif kind == "identities":
                    db.identities.insert_one({**r, "agent": dumps(r["agent"])})
                elif kind == "items":
                    db.items.insert_one({**r, "body": dumps(r["body"])})
                elif kind == "activities":
                    db.activities.insert_one({"_id": r["activity_id"], "json": r["json"]})
                elif kind == "documents":
                    db.documents.insert_one({**r, "content": Binary(r["content"])})
                elif kind == "attachments":
                    self._put_attachment(None, r["sha2"], r["content_type"], r["content"])
                else:
                    raise ValueError(f"no such record kind: {kind!r}")
            except (DuplicateKeyError, Conflict):
                pass  # present already: a resumed copy

    def _load_statements(self, records: list[dict]) -> None:
        """Records arrive in sequence order: the ones whose ``seq`` the target holds are skipped."""
        if not records:
            return
        db = self.db
        present = {d["seq"] for d in db.statements.find(
            {"seq": {"$gte": records[0]["seq"], "$lte": records[-1]["seq"]}}, {"seq": 1})}
        docs = []
        for r in records:
            if r["seq"] in present:
                continue
            statement = orjson.loads(r["json"])
            doc = {"_id": r["id"], "seq": r["seq"], "owner": statement_owner(statement), "stored": r["stored"],
                   "voided": r["voided"], "voids": r["voids"], "ref_target": r["ref_target"],
                   "authority_key": r["authority_key"], "terms": r["terms"], "ts": timeline_time(statement),
                   "body": r["json"]}
            if carries := loaded_carries(r):
                doc["carries"] = carries
            docs.append(doc)
        if not docs:
            return
        for doc in docs:  # what a target yet to come must learn when it arrives
            if doc["voids"]:
                db.statement_ids.update_one({"_id": doc["voids"]}, {"$set": {"voided_by": doc["_id"]}}, upsert=True)
            if doc["ref_target"]:
                try:
                    db.statement_ids.update_one(
                        {"_id": doc["ref_target"], "seq": {"$exists": False}},
                        {"$addToSet": {"referrers": {"id": doc["_id"], "owner": doc["owner"]}}}, upsert=True)
                except DuplicateKeyError:
                    pass  # the target is stored: nothing to remember
        guards = {d["_id"]: {"_id": d["_id"], "owner": d["owner"], "seq": d["seq"]} for d in docs}
        try:
            db.statement_ids.insert_many(list(guards.values()), ordered=False)
        except BulkWriteError as error:  # placeholders exist for some: keep what they remember
            for failed in error.details["writeErrors"]:
                guard = guards[failed["op"]["_id"]]
                db.statement_ids.update_one({"_id": guard["_id"]}, {"$set": guard})
        db.statements.insert_many(docs, ordered=True)
        last = docs[-1]
        db.counters.update_one({"_id": "statements"},
                               {"$max": {"seq": last["seq"], "visible": last["seq"], "stored": last["stored"]}},
                               upsert=True)

    def last_seq(self) -> int:
        doc = self.db.statements.find_one({}, {"seq": 1}, sort=[("seq", -1)])
        return doc["seq"] if doc else 0


def _unavailable(method):
    """Connection faults, timeouts and exhausted transaction retries become 503 (retry later)."""
    import functools

    @functools.wraps(method)
    def guarded(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (ConnectionFailure, WTimeoutError) as error:
            raise StoreUnavailable(f"the store could not be reached ({error}); try again") from error
        except OperationFailure as error:
            if error.has_error_label("TransientTransactionError") or error.code in (50, 112, 262):
                raise StoreUnavailable(f"the store is busy ({error}); try again") from error
            raise

    return guarded


for _name in sorted(Store.__abstractmethods__ - {"dump", "close"} | {"consistent_through"}):
    setattr(MongoStore, _name, _unavailable(getattr(MongoStore, _name)))


def open_mongo(url: str, config=None) -> MongoStore:
    """``mongodb://host1,host2,host3/learnfolio?replicaSet=rs0`` (or ``mongodb+srv://``).

    Writes default to write concern ``majority`` and reads to read concern ``majority``
    from the primary, so a statement acknowledged by one LRS process is seen by every
    other; options in the URL (``w=``, ``readConcernLevel=``) take precedence.
    """
    if pymongo is None:
        raise RuntimeError("LRS_STORE is a MongoDB URL but pymongo is not installed: "
                           "pip install 'learnfolio[mongo]'")
    from pymongo import uri_parser

    parsed = uri_parser.parse_uri(url)
    given = {k.lower() for k in parsed["options"]}
    defaults = {"w": "majority", "readConcernLevel": "majority", "retryWrites": True,
                "readPreference": "primary", "appname": "learnfolio"}
    options = {k: v for k, v in defaults.items() if k.lower() not in given}
    client = pymongo.MongoClient(url, **options)
    return MongoStore(client, parsed["database"] or "learnfolio")


@hookimpl
def register_stores():
    from lrs.plugins import StoreBackend

    return [StoreBackend(name="mongodb", factory=open_mongo)]
