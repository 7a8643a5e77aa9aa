"""HTTP Basic authentication against stored credentials (the built-in scheme)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from lrs.auth.credentials import secret_matches
from lrs.errors import Unauthorized
from lrs.hookspecs import hookimpl

#: how often ``last_used`` is written for one credential (not on every request)
TOUCH_EVERY = dt.timedelta(minutes=1)


def _basic(header: str) -> tuple[str, str]:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        raise Unauthorized("the Authorization header must use HTTP Basic")
    try:
        key, sep, secret = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Unauthorized("the Authorization header is not valid HTTP Basic") from None
    if not sep:
        raise Unauthorized("the Authorization header is not valid HTTP Basic")
    return key, secret


#: Authorization header → the credential record its secret was checked against. A store that
#: reuses a read (SQLiteStore.get_credential) returns that same object until it reads the record
#: again (expiry, revocation, last_used), and only then is the secret checked again.
_verified: dict[str, object] = {}


@hookimpl(trylast=True)
def authority_from_request(request, store, config):
    header = request.headers.get("Authorization")
    if not header:
        raise Unauthorized("this resource needs credentials (HTTP Basic)")
    verified = _verified.get(header)
    credential = store.get_credential(verified.key) if verified is not None else None
    if credential is None or credential is not verified:  # not this very record checked before: check
        key, secret = _basic(header)
        credential = store.get_credential(key)
        if (
            credential is None
            or credential.revoked
            or not secret_matches(secret, credential.secret_hash, config.resolved_secret_key())
        ):
            raise Unauthorized("unknown or revoked credentials")
        if len(_verified) >= 10_000:
            _verified.clear()
        _verified[header] = credential
    now = dt.datetime.now(dt.timezone.utc)
    last = dt.datetime.fromisoformat(credential.last_used) if credential.last_used else None
    if last is None or now - last > TOUCH_EVERY:
        store.touch_credential(credential.key, now.isoformat())
    return credential
