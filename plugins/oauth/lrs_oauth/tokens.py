"""Connections, codes and tokens, kept as the person's items (so erasure removes them).

A *connection* (item ``oauth-grant``) is one tool connected by one person: what "My keys"
lists and revokes. Its access and refresh tokens, authorization codes and device codes are
items too, found by an HMAC-SHA256 of the token keyed with the server's secret (as credential
secrets are kept): the store never holds a usable token. Every bearer request reads its token
and its connection, so revoking a connection stops its tokens at their next request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from lrs import Credential, Item, personal_authority
from lrs_oauth.settings import load as load_settings

GRANT = "oauth-grant"
ACCESS = "oauth-access"
REFRESH = "oauth-refresh"
#: a refresh token already exchanged: presented again, it revokes its connection (RFC 9700 §4.14.2)
USED_REFRESH = "oauth-refresh-used"
CODE = "oauth-code"
#: an authorization code already exchanged: presented again, it revokes its connection (RFC 6749 §4.1.2)
USED_CODE = "oauth-code-used"
DEVICE = "oauth-device"

#: how often a connection's "last used" is written (not on every request)
TOUCH_EVERY = 60
#: how long a spent refresh token is remembered, to end its connection if it comes back
USED_REFRESH_KEPT = 7 * 86400


def now() -> float:
    return time.time()


def iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).isoformat(timespec="seconds")


def digest(lrs, token: str) -> str:
    """What the store keeps of a token: HMAC-SHA256 keyed with the server's secret."""
    return hmac.new(lrs.config.secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def grant_ref(grant_id: str) -> str:
    return f"grant:{grant_id}"


@dataclass(frozen=True)
class Connection:
    """One tool connected by one person (an ``oauth-grant`` item), as "My keys" shows it."""

    id: str
    person_id: int
    client_id: str
    client_name: str
    scope: str
    created: str
    last_used: str | None

    @classmethod
    def of(cls, item: Item) -> "Connection":
        body = item.body
        return cls(item.item_id, item.person_id, body["client_id"], body["client_name"], body["scope"],
                   body["created"], body.get("last_used"))

    @property
    def key(self) -> str:
        """The credential key its requests act with (rate limits, the stored ``authority``)."""
        return f"oauth-{self.id}"


def connect(store, person_id: int, client, scope: str) -> Item:
    """A new connection of ``client`` for the person, with the scopes they allowed."""
    item = Item(GRANT, secrets.token_hex(8), person_id,
                {"client_id": client.client_id, "client_name": client.name, "scope": scope, "created": iso(now())})
    return store.put_item(item)


def keep_tokens(lrs, connection: Item, token: dict) -> None:
    """Keep the HMACs of a token response's access and refresh tokens, tied to the connection.

    The connection's earlier access tokens end here (a tool that refreshed uses the new one), and
    spent refresh tokens older than a week are forgotten, so a connection refreshed every hour
    for months keeps a handful of items, not thousands.
    """
    settings = load_settings(lrs)
    ref = grant_ref(connection.item_id)
    for old in lrs.store.list_items(ACCESS, ref=ref):
        lrs.store.delete_item(ACCESS, old.item_id)
    for spent in lrs.store.list_items(USED_REFRESH, ref=ref):
        if spent.body.get("at", 0) < now() - USED_REFRESH_KEPT:
            lrs.store.delete_item(USED_REFRESH, spent.item_id)
    lrs.store.put_item(Item(ACCESS, digest(lrs, token["access_token"]), connection.person_id,
                            {"grant": connection.item_id, "expires_at": now() + int(token["expires_in"])}, ref=ref))
    if token.get("refresh_token"):
        lrs.store.put_item(Item(REFRESH, digest(lrs, token["refresh_token"]), connection.person_id,
                                {"grant": connection.item_id, "expires_at": now() + settings["refresh_seconds"]},
                                ref=ref))


def revoke(store, grant_id: str) -> bool:
    """End a connection and every token and code of it, at once."""
    found = store.delete_item(GRANT, grant_id)
    for kind in (ACCESS, REFRESH, USED_REFRESH, USED_CODE):
        for item in store.list_items(kind, ref=grant_ref(grant_id)):
            store.delete_item(kind, item.item_id)
    return found


def forget_expired(store, kind: str, **where) -> None:
    """Delete the codes of a kind (authorization, device) that ran out unused."""
    for item in store.list_items(kind, **where):
        if item.body.get("expires_at", 0) < now():
            store.delete_item(kind, item.item_id)


def connections(store, person_id: int) -> list[Connection]:
    return [Connection.of(item) for item in store.list_items(GRANT, person_id=person_id)]


def connection_for_access_token(lrs, token: str) -> Connection | None:
    """The live connection an access token belongs to, or None (unknown, expired, revoked)."""
    store = lrs.store
    access = store.get_item(ACCESS, digest(lrs, token))
    if access is None:
        return None
    if access.body["expires_at"] < now():
        store.delete_item(ACCESS, access.item_id)
        return None
    grant = store.get_item(GRANT, access.body["grant"])
    if grant is None:  # revoked: the connection is gone
        return None
    connection = Connection.of(grant)
    last = grant.body.get("last_used_at", 0)
    if now() - last > TOUCH_EVERY:
        store.put_item(Item(GRANT, grant.item_id, grant.person_id,
                            {**grant.body, "last_used_at": now(), "last_used": iso(now())}))
    return connection


def credential(lrs, connection: Connection) -> Credential | None:
    """The person's credential a connection acts with: its scopes, an authority naming the tool and the person."""
    person = lrs.store.get_person_by_id(connection.person_id)
    if person is None:
        return None
    return Credential(
        key=connection.key, name=connection.client_name, scopes=tuple(connection.scope.split()),
        authority=personal_authority(connection.key, connection.client_name, lrs.config, person.username),
        person_id=person.id, created=connection.created, last_used=connection.last_used,
    )
