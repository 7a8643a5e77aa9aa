"""`more` cursors as the Statements resource hands them out and takes them back.

A store's cursor (:meth:`lrs.xapi.query.StatementQuery.to_cursor`) says which query to go
on with and where; it comes back from the client, so the API tags it with an HMAC-SHA256
keyed by the server's secret and takes back only cursors whose tag matches: a client cannot
change a field (``upto``, ``authority_key``, ``agent`` …) or make up a cursor. Signing
here, at the HTTP boundary, keeps the domain and the stores free of keys; in-process users
(the space, CPD exports) page with the stores' unsigned cursors, which never leave the server.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from lrs.errors import BadRequest
from lrs.xapi.query import CURSOR_REFUSED

#: cursors get a key of their own, derived from the server's secret by hashing (not by an HMAC
#: with the secret, which is how credential secrets and CSRF tokens are keyed): no stored hash
#: or token is ever the cursor key or a cursor's tag
_PURPOSE = b"learnfolio: more cursor tags, v1\x00"


@functools.lru_cache(maxsize=8)
def _cursor_key(secret_key: str) -> bytes:
    """The key of cursor tags for a secret: derived once, not for every page with a ``more``."""
    return hashlib.sha256(_PURPOSE + secret_key.encode()).digest()


def _tag(cursor: str, secret_key: str) -> str:
    # hmac.digest: the same HMAC-SHA256 as hmac.new(...).digest(), in one call into OpenSSL
    digest = hmac.digest(_cursor_key(secret_key), cursor.encode(), "sha256")
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(cursor: str, secret_key: str) -> str:
    """The cursor as handed to clients: ``<cursor>.<tag>`` (both URL-safe base64)."""
    return f"{cursor}.{_tag(cursor, secret_key)}"


def verify(token: str, secret_key: str) -> str:
    """The store's cursor inside a token :func:`sign` made; BadRequest for anything else."""
    cursor, dot, tag = token.rpartition(".")
    if not (dot and token.isascii() and hmac.compare_digest(tag.encode(), _tag(cursor, secret_key).encode())):
        raise BadRequest(CURSOR_REFUSED, location="more")
    return cursor
