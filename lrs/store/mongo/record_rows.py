"""Record rows in MongoDB: a ``record_rows`` collection (one document per person and record) and each
person's state in ``record_row_state``, as in SQLite (lrs.store.sqlite.record_rows)."""

from __future__ import annotations

import re

from lrs.store.contract.record_rows import (
    RecordFilter, RecordRow, RecordRowStore, RecordSum, RecordValues, reach_mark,
)
from lrs.store.contract.statements import StoredStatement
from lrs.store.mongo.connection import MongoConnection
from lrs.xapi.query import StatementQuery, parse_position, timeline_position

#: records read and given to the reader at a time while rows are made
BATCH = 2000
_FIELDS = ("statement_id", "day", "way", "verb", "verb_label", "type", "source", "tags", "minutes", "timed", "hidden",
           "text", "annotated")


def _row(doc) -> RecordRow:
    return RecordRow(position=timeline_position(doc["ts"], doc["seq"]), **{name: doc[name] for name in _FIELDS})


class MongoRecordRows(MongoConnection, RecordRowStore):
    """The record rows part."""

    def _generation(self) -> int:
        doc = self.db.meta.find_one({"_id": "record_rows"})
        return doc["generation"] if doc else 0

    def record_rows_changed(self) -> None:
        """Every person's rows are checked whole at their next sync (after an erasure changed statements)."""
        self.db.meta.update_one({"_id": "record_rows"}, {"$inc": {"generation": 1}}, upsert=True)

    def sync_record_rows(self, person_id, make_rows, *, reach) -> int:
        db = self.db
        mark = reach_mark(reach)
        top = db.statements.find_one({}, {"seq": 1}, sort=[("seq", -1)])
        last, generation = (top["seq"] if top else 0), self._generation()
        state = db.record_row_state.find_one({"_id": person_id})
        if state is not None and (state["reach"], state["seq"], state["generation"]) == (mark, last, generation):
            return 0
        if state is not None and state["reach"] != mark:
            db.record_rows.delete_many({"person_id": person_id})
        selector = self._timeline_filter(StatementQuery(order="timestamp"), reach)
        records = {d["seq"]: d["ts"] for d in db.statements.find(selector, {"seq": 1, "ts": 1})} if selector else {}
        have = {d["seq"]: d["ts"] for d in db.record_rows.find({"person_id": person_id}, {"seq": 1, "ts": 1})}
        stale = [seq for seq, ts in have.items() if records.get(seq) != ts]
        if stale:
            db.record_rows.delete_many({"person_id": person_id, "seq": {"$in": stale}})
        missing = sorted(seq for seq in records if seq not in have or seq in stale)
        made = 0
        for start in range(0, len(missing), BATCH):
            part = missing[start:start + BATCH]
            stored = [StoredStatement(id=d["_id"], json=d["body"], stored=d["stored"],
                                      position=timeline_position(d["ts"], d["seq"]))
                      for d in db.statements.find({"seq": {"$in": part}}, {"body": 1, "stored": 1, "seq": 1, "ts": 1})]
            rows = make_rows(stored)
            if self._generation() != generation:
                return made  # an erasure meanwhile: the next sync checks again
            for row in rows:
                ts, seq = parse_position(row.position)
                doc = {name: getattr(row, name) for name in _FIELDS}
                doc.update(person_id=person_id, seq=seq, ts=ts, statement_id=row.statement_id.lower(),
                           minutes=int(row.minutes), timed=bool(row.timed), hidden=bool(row.hidden))
                db.record_rows.replace_one({"_id": f"{person_id}:{seq}"}, doc, upsert=True)
            made += len(rows)
        if self._generation() == generation:
            db.record_row_state.replace_one({"_id": person_id},
                                            {"reach": mark, "seq": last, "generation": generation}, upsert=True)
        return made

    def forget_record_rows(self, person_id, statement_ids, *, reach) -> int:
        reach_mark(reach)
        ids = [i.lower() for i in dict.fromkeys(statement_ids)]
        if not ids:
            return 0
        gone = self.db.record_rows.delete_many({"person_id": person_id, "statement_id": {"$in": ids}}).deleted_count
        if gone:
            self.db.record_row_state.update_one({"_id": person_id}, {"$set": {"seq": -1}})
        return gone

    def _state_matches(self, person_id, reach) -> bool:
        state = self.db.record_row_state.find_one({"_id": person_id}, {"reach": 1})
        return state is not None and state["reach"] == reach_mark(reach)

    def annotated_record_rows(self, person_id, *, reach) -> dict[str, str]:
        if not self._state_matches(person_id, reach):
            return {}
        return {d["statement_id"]: d["annotated"] for d in self.db.record_rows.find(
            {"person_id": person_id, "annotated": {"$ne": ""}}, {"statement_id": 1, "annotated": 1})}

    @staticmethod
    def _selector(person_id, where: RecordFilter) -> dict:
        conditions: list[dict] = [{"person_id": person_id, "hidden": bool(where.hidden)}]
        for name in ("source", "verb", "type", "way"):
            if getattr(where, name):
                conditions.append({name: getattr(where, name)})
        if where.tag:
            conditions.append({"tags": where.tag})
        days = {}
        if where.since:
            days["$gte"] = where.since
        if where.until:
            days["$lte"] = where.until
        if days:
            conditions.append({"day": days})
        conditions += [{"text": {"$regex": re.escape(word)}} for word in where.words]
        return {"$and": conditions}

    def query_record_rows(self, person_id, where, limit, *, reach, position=None, ascending=False) -> list[RecordRow]:
        if not self._state_matches(person_id, reach):
            return []
        selector = self._selector(person_id, where)
        if position:
            ts, seq = parse_position(position)
            op = "$gt" if ascending else "$lt"
            selector["$and"].append({"$or": [{"ts": {op: ts}}, {"ts": ts, "seq": {op: seq}}]})
        direction = 1 if ascending else -1
        return [_row(d) for d in self.db.record_rows.find(selector).sort([("ts", direction), ("seq", direction)])
                .limit(limit)]

    def count_record_rows(self, person_id, where, *, reach) -> int:
        if not self._state_matches(person_id, reach):
            return 0
        return self.db.record_rows.count_documents(self._selector(person_id, where))

    def sum_record_rows(self, person_id, where, *, reach) -> list[RecordSum]:
        if not self._state_matches(person_id, reach):
            return []
        sums: dict[tuple[str, str], list[int]] = {}
        for d in self.db.record_rows.find(self._selector(person_id, where), {"day": 1, "way": 1, "minutes": 1,
                                                                           "timed": 1}):
            found = sums.setdefault((d["day"][:7], d["way"]), [0, 0, 0])
            found[0] += 1
            found[1] += d["minutes"]
            found[2] += bool(d["timed"])
        return [RecordSum(month, way, *found) for (month, way), found in sorted(sums.items())]

    def record_row_values(self, person_id, *, reach) -> RecordValues:
        values = RecordValues(set(), {}, set(), set())
        if not self._state_matches(person_id, reach):
            return values
        selector = {"person_id": person_id, "hidden": False}
        values.sources = set(self.db.record_rows.distinct("source", selector))
        values.types = {t for t in self.db.record_rows.distinct("type", selector) if t}
        values.tags = set(self.db.record_rows.distinct("tags", selector))
        for verb in self.db.record_rows.distinct("verb", selector):
            newest = self.db.record_rows.find_one({**selector, "verb": verb}, {"verb_label": 1},
                                                  sort=[("ts", -1), ("seq", -1)])
            values.verbs[verb] = newest["verb_label"]
        return values
