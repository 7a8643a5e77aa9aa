"""The OAuth plugin's hook implementations: its routes, bearer tokens on the xAPI, its rows in "My keys"."""

from __future__ import annotations

from flask import url_for

from lrs import Unauthorized, hookimpl
from lrs_oauth import tokens
from lrs_oauth.server import Server
from lrs_oauth.settings import load as load_settings
from lrs_oauth.views import BEARER_CHALLENGE, api, pages
from lrs_space import KeyRow


@hookimpl
def register_routes(app, lrs):
    load_settings(lrs)  # a wrong setting stops the start
    lrs.plugin_state("oauth")["server"] = Server(lrs)
    return [pages, api]


@hookimpl
def authority_from_request(request, lrs):
    """A bearer token (RFC 6750) is its person's credential; anything else is left to the next scheme.

    Its connection is read on every request, so a connection revoked in "My keys" stops its
    tokens at once (no cache).
    """
    scheme, _, value = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    connection = tokens.connection_for_access_token(lrs, value.strip())
    credential = tokens.credential(lrs, connection) if connection is not None else None
    if credential is None:
        raise Unauthorized("unknown, expired or revoked bearer token; refresh it or connect again",
                           headers=BEARER_CHALLENGE)
    return credential


@hookimpl(optionalhook=True)
def key_rows(person, lrs):
    return [KeyRow(name=c.client_name, how="Connect to Learnfolio (OAuth)", created=c.created,
                   last_used=c.last_used, scopes=tuple(c.scope.split()),
                   revoke_url=url_for("oauth.revoke", grant_id=c.id))
            for c in tokens.connections(lrs.store, person.id)]
