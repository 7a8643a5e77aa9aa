"""The authorization server: Authlib's, with Learnfolio's store behind it.

Grants: authorization code with PKCE S256 required (RFC 6749 §4.1, RFC 7636; RFC 9700 §2.1.1),
refresh tokens rotated on every use with reuse detection (RFC 9700 §4.14.2), the device
authorization grant (RFC 8628), and revocation (RFC 7009). Codes, device codes and refresh
tokens are taken from the store atomically (``Store.take_item``), so each is used once even
when two requests race with it.
"""

from __future__ import annotations

import secrets

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import AccessDeniedError, InvalidGrantError, InvalidRequestError, \
    InvalidScopeError, UnauthorizedClientError
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc8628 import DEVICE_CODE_GRANT_TYPE, AuthorizationPendingError, DeviceAuthorizationEndpoint, \
    DeviceCodeGrant, ExpiredTokenError, SlowDownError

from lrs import Item, lrs_app
from lrs_oauth import tokens
from lrs_oauth.clients import OAUTH_SCOPES, clients
from lrs_oauth.settings import load as load_settings

#: where a person enters a device's code (the space's page)
DEVICE_PAGE = "/space/oauth/device"


class AuthorizationCode(dict):
    """An authorization code as kept (its item's body), for Authlib's grant."""

    def get_redirect_uri(self):
        return self["redirect_uri"]

    def get_scope(self):
        return self["scope"]


class RefreshToken(dict):
    """A refresh token as kept, for Authlib's refresh grant."""

    def check_client(self, client):
        return self["client_id"] == client.get_client_id()

    def get_scope(self):
        return self["scope"]


class DeviceCredential(dict):
    def get_client_id(self):
        return self["client_id"]

    def get_scope(self):
        return self["scope"]

    def get_user_code(self):
        return self["user_code"]

    def is_expired(self):
        return self["expires_at"] < tokens.now()


class PKCE(CodeChallenge):
    """PKCE with S256 only, and a challenge required in every authorization request: every client is public."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge and code_challenge_method=S256")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code):
        return authorization_code["code_challenge"]

    def get_authorization_code_challenge_method(self, authorization_code):
        return authorization_code["code_challenge_method"]


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]

    def save_authorization_code(self, code, request):
        lrs = lrs_app()
        tokens.forget_expired(lrs.store, tokens.CODE, person_id=request.user.id)
        data = request.payload.data
        lrs.store.put_item(Item(tokens.CODE, tokens.digest(lrs, code), request.user.id, {
            "client_id": request.client.get_client_id(), "redirect_uri": request.payload.redirect_uri,
            "scope": request.scope, "code_challenge": data.get("code_challenge"),
            "code_challenge_method": data.get("code_challenge_method"),
            "expires_at": tokens.now() + load_settings(lrs)["code_seconds"],
        }))

    def query_authorization_code(self, code, client):
        """The code, taken from the store: a second use finds nothing and revokes what the first made."""
        lrs = lrs_app()
        key = tokens.digest(lrs, code)
        item = lrs.store.take_item(tokens.CODE, key)
        if item is None:
            used = lrs.store.get_item(tokens.USED_CODE, key)
            if used is not None:
                tokens.revoke(lrs.store, used.body["grant"])
            return None
        if item.body["expires_at"] < tokens.now() or item.body["client_id"] != client.get_client_id():
            return None
        return AuthorizationCode(item.body, person_id=item.person_id, key=key)

    def delete_authorization_code(self, authorization_code):
        """Nothing to do: the code was taken from the store when it was presented."""

    def authenticate_user(self, authorization_code):
        return lrs_app().store.get_person_by_id(authorization_code["person_id"])


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        """The refresh token, taken from the store (each is used once); a used one revokes its connection.

        Scopes wider than the connection's are refused before the token is taken, so a tool's
        mistake does not cost it its connection.
        """
        lrs = lrs_app()
        key = tokens.digest(lrs, refresh_token)
        item = lrs.store.get_item(tokens.REFRESH, key)
        if item is None:
            used = lrs.store.get_item(tokens.USED_REFRESH, key)
            if used is not None:
                tokens.revoke(lrs.store, used.body["grant"])
            return None
        grant = lrs.store.get_item(tokens.GRANT, item.body["grant"])
        if grant is None or item.body["expires_at"] < tokens.now():
            return None
        asked = (self.request.payload.scope or "").split()
        if not set(asked) <= set(grant.body["scope"].split()):
            raise InvalidScopeError("a refresh cannot ask for more than was allowed")
        if lrs.store.take_item(tokens.REFRESH, key) is None:  # used by another request just now
            return None
        lrs.store.put_item(Item(tokens.USED_REFRESH, key, item.person_id, {"grant": grant.item_id, "at": tokens.now()},
                                ref=tokens.grant_ref(grant.item_id)))
        return RefreshToken(grant=grant.item_id, person_id=grant.person_id, client_id=grant.body["client_id"],
                            scope=grant.body["scope"])

    def authenticate_user(self, refresh_token):
        return lrs_app().store.get_person_by_id(refresh_token["person_id"])

    def revoke_old_credential(self, refresh_token):
        """Nothing to do: the old refresh token was taken from the store when it was presented."""


class DeviceGrant(DeviceCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]

    def query_device_credential(self, device_code):
        lrs = lrs_app()
        item = lrs.store.get_item(tokens.DEVICE, tokens.digest(lrs, device_code))
        return None if item is None else DeviceCredential(item.body, key=item.item_id, person_id=item.person_id)

    def validate_device_credential(self, credential):
        """Pending, slow down, denied, expired, or the person who allowed it (once: the code is then taken)."""
        store = lrs_app().store
        if credential.is_expired():
            store.delete_item(tokens.DEVICE, credential["key"])
            raise ExpiredTokenError()
        decision = credential.get("decision")
        if decision == "deny":
            store.delete_item(tokens.DEVICE, credential["key"])
            raise AccessDeniedError()
        if decision == "allow":
            if store.take_item(tokens.DEVICE, credential["key"]) is None:
                raise InvalidGrantError("this device code has been used")
            return store.get_person_by_id(credential["person_id"])
        last, now = credential.get("last_poll", 0), tokens.now()
        store.put_item(Item(tokens.DEVICE, credential["key"], None, {**_body(credential), "last_poll": now},
                            ref=credential["ref"]))
        if now - last < credential["interval"]:
            raise SlowDownError()
        raise AuthorizationPendingError()

    def query_user_grant(self, user_code):  # pragma: no cover (validate_device_credential decides)
        raise NotImplementedError

    def should_slow_down(self, credential):  # pragma: no cover
        raise NotImplementedError


def _body(credential: DeviceCredential) -> dict:
    return {k: v for k, v in credential.items() if k not in ("key", "person_id")}


def user_code_ref(user_code: str) -> str:
    """How a device code is found by the code a person types (any case, with or without the dash)."""
    letters = "".join(c for c in user_code.upper() if c.isalnum())
    return f"user-code:{letters[:4]}-{letters[4:]}"


class DeviceAuthorization(DeviceAuthorizationEndpoint):
    CLIENT_AUTH_METHODS = ["none"]
    INTERVAL = 5

    def create_endpoint_response(self, request):
        client = self.authenticate_client(request)
        if not client.check_grant_type(DEVICE_CODE_GRANT_TYPE):
            raise UnauthorizedClientError("this client does not use the device authorization grant")
        self.EXPIRES_IN = load_settings(lrs_app())["device_seconds"]
        return super().create_endpoint_response(request)

    def get_verification_uri(self):
        return lrs_app().config.public_origin + DEVICE_PAGE

    def save_device_credential(self, client_id, scope, data):
        lrs = lrs_app()
        tokens.forget_expired(lrs.store, tokens.DEVICE)
        client = self.server.query_client(client_id)
        ref = user_code_ref(data["user_code"])
        lrs.store.put_item(Item(tokens.DEVICE, tokens.digest(lrs, data["device_code"]), None, {
            "client_id": client_id, "scope": client.get_allowed_scope(scope), "user_code": data["user_code"],
            "expires_at": tokens.now() + data["expires_in"], "interval": data["interval"], "decision": None,
            "ref": ref}, ref=ref))


class Revocation(RevocationEndpoint):
    """RFC 7009: a tool disconnects itself; any of its tokens ends the whole connection."""

    CLIENT_AUTH_METHODS = ["none"]

    def query_token(self, token_string, token_type_hint):
        lrs = lrs_app()
        key = tokens.digest(lrs, token_string)
        for kind in (tokens.ACCESS, tokens.REFRESH):
            item = lrs.store.get_item(kind, key)
            if item is not None:
                grant = lrs.store.get_item(tokens.GRANT, item.body["grant"])
                if grant is not None:
                    return RefreshToken(grant=grant.item_id, client_id=grant.body["client_id"])
        return None

    def revoke_token(self, token, request):
        tokens.revoke(lrs_app().store, token["grant"])


class Server(AuthorizationServer):
    """One per application (the plugin's state): the grants and endpoints above, over its clients."""

    def __init__(self, lrs):
        settings = load_settings(lrs)
        self.clients = clients(settings)
        super().__init__(query_client=self.clients.get, save_token=save_token)
        self.scopes_supported = list(OAUTH_SCOPES)
        seconds = settings["access_seconds"]
        self.register_token_generator("default", BearerTokenGenerator(
            lambda **kw: secrets.token_urlsafe(32), lambda **kw: secrets.token_urlsafe(48),
            lambda client, grant_type: seconds))
        self.register_grant(CodeGrant, [PKCE(required=True)])
        self.register_grant(RefreshGrant)
        self.register_grant(DeviceGrant)
        self.register_endpoint(DeviceAuthorization)
        self.register_endpoint(Revocation)


def save_token(token, request):
    """Keep a token response: a new connection for a code or a device code, the same one on a refresh."""
    lrs = lrs_app()
    if request.refresh_token is not None:
        connection = lrs.store.get_item(tokens.GRANT, request.refresh_token["grant"])
        if connection is None:
            raise InvalidGrantError("this connection has been revoked")
    else:
        connection = tokens.connect(lrs.store, request.user.id, request.client, token["scope"])
    tokens.keep_tokens(lrs, connection, token)
    if request.authorization_code is not None:
        lrs.store.put_item(Item(tokens.USED_CODE, request.authorization_code["key"], connection.person_id,
                                {"grant": connection.item_id}, ref=tokens.grant_ref(connection.item_id)))
