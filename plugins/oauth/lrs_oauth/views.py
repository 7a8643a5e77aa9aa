"""The pages a person sees (consent, a device's code, revoking a connection) and the endpoints tools call.

Pages are the space's (``lrs.page_blueprint``: a signed-in person, CSRF on every form). The
endpoints tools call are plain: the token endpoint (RFC 6749 §3.2), device authorization
(RFC 8628 §3.1), revocation (RFC 7009), the person a token acts for (``/oauth/userinfo``) and
the server's metadata (RFC 8414), from which a tool finds the rest.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import orjson
from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Response, abort, g, make_response, redirect, request, url_for

from lrs import CSP, Item, Unauthorized, lrs_app, page_blueprint, person_agent, render, signed_in
from lrs_oauth import tokens
from lrs_oauth.clients import OAUTH_SCOPES, SCOPE_WORDS
from lrs_oauth.server import DEVICE_PAGE, user_code_ref

pages = page_blueprint("oauth", __name__, url_prefix="/space/oauth")
api = Blueprint("oauth_api", __name__)

#: wrong device codes a person may enter in 15 minutes (a code has 20^8 values and lives 10 minutes)
CODE_ATTEMPTS = 10
CODE_WINDOW = 15 * 60


def server():
    return lrs_app().plugin_state("oauth")["server"]


def _scopes(scope: str) -> list[tuple[str, str]]:
    return [(s, SCOPE_WORDS[s]) for s in scope.split() if s in SCOPE_WORDS]


# -- consent (authorization endpoint, RFC 6749 §3.1) --------------------------------------------


@pages.route("/authorize", methods=["GET", "POST"])
@signed_in
def authorize():
    """Ask the signed-in person whether the tool may act for them; a POST (CSRF) answers."""
    try:
        grant = server().get_consent_grant(end_user=g.person)
    except OAuth2Error as error:
        if getattr(error, "redirect_uri", None):  # the redirect URI is the client's own: tell the tool
            return server().handle_error_response(None, error)
        return render("oauth_error.html", error=error.description or error.error), 400
    if request.method == "POST":
        allowed = request.form.get("decision") == "allow"
        return server().create_authorization_response(grant_user=g.person if allowed else None, grant=grant)
    response = make_response(render("oauth_consent.html", client=grant.client, scopes=_scopes(grant.request.scope),
                                    redirect_uri=grant.redirect_uri))
    # the answer redirects to the tool: a form may lead there (CSP form-action covers redirects)
    target = urlsplit(grant.redirect_uri)
    response.headers["Content-Security-Policy"] = CSP.replace(
        "form-action 'self'", f"form-action 'self' {target.scheme}://{target.netloc}")
    return response


# -- a device's code (RFC 8628 §3.3) -------------------------------------------------------------


@pages.route("/device", methods=["GET", "POST"])
@signed_in
def device():
    """Enter the code a tool shows, see what it asks, allow or deny (each a POST with CSRF)."""
    store = lrs_app().store
    user_code = (request.values.get("user_code") or "").strip()
    if request.method == "GET" or not user_code:
        return render("oauth_device.html", user_code=user_code, pending=None, error=None)
    found = _device(user_code)
    if found is None:
        if store.count_attempt("oauth-user-code", str(g.person.id), CODE_WINDOW) > CODE_ATTEMPTS:
            return render("oauth_device.html", user_code="", pending=None,
                          error="Too many wrong codes; try again in 15 minutes."), 429
        return render("oauth_device.html", user_code=user_code, pending=None,
                      error="No tool is waiting with that code; check it, or start again in the tool."), 400
    client = server().clients[found.body["client_id"]]
    decision = request.form.get("decision")
    if decision in ("allow", "deny"):
        store.put_item(Item(tokens.DEVICE, found.item_id, g.person.id, {**found.body, "decision": decision},
                            ref=found.ref))
        return render("oauth_done.html", client=client, allowed=decision == "allow")
    return render("oauth_device.html", user_code=found.body["user_code"], pending=found, client=client,
                  scopes=_scopes(found.body["scope"]), error=None)


def _device(user_code: str):
    """The waiting device authorization with this code: unexpired and not answered yet."""
    for item in lrs_app().store.list_items(tokens.DEVICE, ref=user_code_ref(user_code)):
        if item.body["expires_at"] > tokens.now() and item.body.get("decision") is None:
            return item
    return None


# -- "My keys": revoking a connection ------------------------------------------------------------


@pages.route("/connections/<grant_id>/revoke", methods=["POST"])
@signed_in
def revoke(grant_id):
    store = lrs_app().store
    if not g.access.owns_item(store.get_item(tokens.GRANT, grant_id)):
        abort(404, description="not found")
    tokens.revoke(store, grant_id)
    return redirect(url_for("space.keys"))


# -- endpoints tools call ------------------------------------------------------------------------


@api.route("/oauth/token", methods=["POST"])
def token():
    return server().create_token_response()


@api.route("/oauth/device_authorization", methods=["POST"])
def device_authorization():
    return server().create_endpoint_response("device_authorization")


@api.route("/oauth/revoke", methods=["POST"])
def revocation():
    return server().create_endpoint_response("revocation")


@api.route("/oauth/userinfo", methods=["GET"])
def userinfo():
    """Whom a token acts for: the actor a tool should send, and every verified identity of the person."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    lrs = lrs_app()
    connection = tokens.connection_for_access_token(lrs, value.strip()) if scheme.lower() == "bearer" else None
    person = lrs.store.get_person_by_id(connection.person_id) if connection else None
    if person is None:
        raise Unauthorized("a valid bearer token is needed", headers=BEARER_CHALLENGE)
    body = {
        "username": person.username,
        "actor": person_agent(lrs.config, person.username),
        "identities": [i.agent for i in lrs.store.list_identities(person.id, verified=True)],
        "scope": connection.scope.split(),
        "client_id": connection.client_id,
    }
    return _json(body)


@api.route("/.well-known/oauth-authorization-server", methods=["GET"])
def metadata():
    """RFC 8414: where a tool finds the endpoints, from the xAPI endpoint's origin."""
    origin = lrs_app().config.public_origin
    return _json({
        "issuer": origin,
        "authorization_endpoint": origin + url_for("oauth.authorize"),
        "token_endpoint": origin + url_for("oauth_api.token"),
        "device_authorization_endpoint": origin + url_for("oauth_api.device_authorization"),
        "revocation_endpoint": origin + url_for("oauth_api.revocation"),
        "userinfo_endpoint": origin + url_for("oauth_api.userinfo"),
        "xapi_endpoint": origin + lrs_app().config.xapi_prefix + "/",
        "scopes_supported": list(OAUTH_SCOPES),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token",
                                  "urn:ietf:params:oauth:grant-type:device_code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
    })


BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="xAPI", error="invalid_token"'}


def _json(body: dict) -> Response:
    response = Response(orjson.dumps(body), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
