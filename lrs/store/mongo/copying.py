"""Copying a MongoDB store: records dumped and loaded between stores (``lrs migrate``)."""

from __future__ import annotations

from typing import Iterator

import orjson

from lrs.auth.credentials import Credential
from lrs.errors import Conflict
from lrs.store.contract.copying import CopyingStore
from lrs.store.mongo.connection import Binary, BulkWriteError, DuplicateKeyError, MongoConnection
from lrs.store.mongo.statements import statement_owner
from lrs.store.upgrade import loaded_carries
from lrs.xapi.indexing import timeline_time
from lrs.xapi.jsontext import dumps


class MongoCopying(MongoConnection, CopyingStore):
    """Copying (it spans the parts)."""

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
