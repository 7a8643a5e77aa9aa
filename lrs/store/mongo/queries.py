"""Reading statements from MongoDB: queries over the multikey index ``(terms, seq)`` in sequence
order, one person's records by ``(terms, ts, seq)`` in the order the learning happened, attachment
bodies, and the activities kept from statements. Every read is kept within the reader's reach."""

from __future__ import annotations

import datetime as dt
import json

from lrs.access import Reach
from lrs.store.contract.statements import StatementPage, StoredStatement
from lrs.store.mongo.connection import MongoConnection, _parse_index_time
from lrs.xapi.indexing import OWNER
from lrs.xapi.query import StatementQuery, parse_position, timeline_position


class MongoStatementReads(MongoConnection):
    """The reading half of the statements part (:class:`lrs.store.contract.statements.StatementStore`)."""

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

    def get_activity(self, activity_id: str) -> dict | None:
        row = self.db.activities.find_one({"_id": activity_id})
        return json.loads(row["json"]) if row else None
