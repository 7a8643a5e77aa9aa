"""Credentials in MongoDB."""

from __future__ import annotations

import json

from lrs.auth.credentials import Credential
from lrs.errors import Conflict
from lrs.store.contract.credentials import CredentialStore
from lrs.store.mongo.connection import DuplicateKeyError, MongoConnection, PyMongoError
from lrs.xapi.jsontext import dumps


class MongoCredentials(MongoConnection, CredentialStore):
    """The credentials part."""

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
