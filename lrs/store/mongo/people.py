"""People, the identities they claim and the attempt counters that limit guessing, in MongoDB."""

from __future__ import annotations

import datetime as dt
import json
import re

from lrs.errors import Conflict, StoreUnavailable
from lrs.store.contract.people import Identity, PeopleStore, Person
from lrs.store.mongo.connection import DuplicateKeyError, MongoConnection, _now, pymongo
from lrs.xapi.agents import agent_key, is_mbox_key
from lrs.xapi.jsontext import dumps

#: rounds of count_attempt's compare-and-set before giving up (each lost only to another caller's success)
ATTEMPT_ROUNDS = 20


class MongoPeople(MongoConnection, PeopleStore):
    """The people part: people, identities, attempt counters."""

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
