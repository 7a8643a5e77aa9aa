"""API credentials: a public key and a long random secret, stored only as a keyed hash.

Secrets are 256-bit random values, so a fast keyed hash (HMAC-SHA256 with the
server's secret key) is as safe as a slow password hash would be for them, and
keeps every request fast. People's passwords use argon2 (:mod:`lrs.auth.passwords`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

AUTHORITY_HOME_PAGE = "https://learnfolio.example/credentials"


@dataclass(frozen=True)
class Credential:
    """A key with xAPI scopes; ``authority`` is the Agent (or Group) stored on its statements."""

    key: str
    name: str
    scopes: tuple[str, ...]
    authority: dict
    person_id: int | None = None
    created: str = ""
    revoked: str | None = None
    last_used: str | None = None
    secret_hash: str = field(default="", repr=False)

    def to_public(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "scopes": list(self.scopes),
            "person_id": self.person_id,
            "created": self.created,
            "revoked": self.revoked,
            "last_used": self.last_used,
            "authority": self.authority,
        }


def new_key() -> str:
    return secrets.token_hex(10)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str, server_key: str) -> str:
    return hmac.new(server_key.encode(), secret.encode(), hashlib.sha256).hexdigest()


def secret_matches(secret: str, secret_hash: str, server_key: str) -> bool:
    return hmac.compare_digest(hash_secret(secret, server_key), secret_hash)


def tool_authority(key: str, name: str, home_page: str = AUTHORITY_HOME_PAGE) -> dict:
    """The authority of a tool credential: an Agent identified by an account named by the key."""
    return {"objectType": "Agent", "name": name, "account": {"homePage": home_page, "name": key}}


def create_tool_credential(store, config, name: str, scopes) -> tuple[Credential, str]:
    """A tool credential (no person) with these xAPI scopes; the secret is returned once and stored
    only hashed. Who may make which is the access gate's question (``Access.may_create_credential``)."""
    from lrs.auth.scopes import parse_scopes

    key, secret = new_key(), new_secret()
    credential = Credential(key=key, name=name, scopes=parse_scopes(scopes), authority=tool_authority(key, name),
                            person_id=None, created=dt.datetime.now(dt.timezone.utc).isoformat(),
                            secret_hash=hash_secret(secret, config.resolved_secret_key()))
    store.add_credential(credential)
    return credential, secret
