"""Items in MongoDB: the small JSON records plugins keep per person."""

from __future__ import annotations

import json

from lrs.store.contract.items import Item, ItemStore
from lrs.store.mongo.connection import DuplicateKeyError, MongoConnection, _now, pymongo
from lrs.xapi.jsontext import dumps


class MongoItems(MongoConnection, ItemStore):
    """The items part."""

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
