"""The OpenID Connect relying party: settings, the provider's discovery document and keys, the
authorization request, the code exchange and the ID token's checks.

Authlib builds the OAuth 2.0 parts (PKCE's S256 challenge, the authorization URL, the token
request) and joserfc, the JOSE library Authlib now points to, verifies the ID token. Every
request to the provider goes through :class:`lrs.Guard`: no redirects, bounded answers and
time, and only to public addresses or the operator's allow-list. The issuer's own host and
port count as allowed for these requests (the operator named them in ``LRS_OIDC_ISSUER``), so
an identity provider on the organisation's network needs no entry in ``LRS_OUTBOUND_ALLOW``,
which would also admit it for the addresses people give; an endpoint the discovery document
names elsewhere must be public or allow-listed.

OpenID Connect Core 1.0 §3.1.3.7 lists the ID token checks made here: issuer, audience (and
``azp`` when there are several), signature with a key of the provider's JWKS and an allowed
algorithm, expiry, issue time, and the nonce of this very sign-in.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet

from lrs import Forbidden, Guard, LRSError

#: settings (``LRS_OIDC_<KEY>``) and their defaults; docs/sign-in.md describes each
DEFAULTS = {
    "issuer": "",
    "client_id": "",
    "client_secret": "",
    "title": "Sign in with your organisation",
    "scopes": "openid email profile",
    "username_claim": "preferred_username",
    "name_claim": "name",
    "email_claim": "email",
    "email_verified_claim": "email_verified",
    "groups_claim": "groups",
    "admin_group": "",
    "accounts": "invite",
    "algorithms": "RS256",
    "leeway": "60",
    "token_auth": "client_secret_basic",
}

#: signature algorithms an ID token may use: asymmetric only. ``none`` and the HMAC ones (keyed with
#: the client secret, which the provider shares with every holder of it) are never accepted
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
#: how long the discovery document and the keys are kept before they are asked for again
CACHE_SECONDS = 3600
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


class SignInFailed(Forbidden):
    """The provider's answer is not a sign-in this site accepts; the message says why, in our words."""


@dataclass(frozen=True)
class Settings:
    """The provider's settings, checked when the application starts."""

    issuer: str
    client_id: str
    client_secret: str
    title: str
    scopes: str
    username_claim: str
    name_claim: str
    email_claim: str
    email_verified_claim: str
    groups_claim: str
    admin_group: str
    just_in_time: bool
    algorithms: tuple[str, ...]
    leeway: int
    token_auth: str

    @classmethod
    def of(cls, values: dict) -> "Settings | None":
        """The settings, or None when no issuer is configured (the plugin then offers nothing)."""
        issuer = (values.get("issuer") or "").rstrip("/")
        if not issuer:
            return None
        parts = urlsplit(issuer)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ValueError(f"LRS_OIDC_ISSUER must be an https URL (http only on loopback), not {issuer!r}")
        if parts.query or parts.fragment:
            raise ValueError("LRS_OIDC_ISSUER has no query or fragment")
        if not values.get("client_id"):
            raise ValueError("LRS_OIDC_CLIENT_ID is needed with LRS_OIDC_ISSUER")
        accounts = values.get("accounts", "invite")
        if accounts not in ("invite", "just-in-time"):
            raise ValueError(f"LRS_OIDC_ACCOUNTS is invite or just-in-time, not {accounts!r}")
        algorithms = tuple(a.strip() for a in str(values.get("algorithms", "RS256")).split(",") if a.strip())
        refused = [a for a in algorithms if a not in ASYMMETRIC]
        if refused or not algorithms:
            raise ValueError(f"LRS_OIDC_ALGORITHMS may name only {', '.join(ASYMMETRIC)}; not {', '.join(refused)}")
        token_auth = values.get("token_auth", "client_secret_basic")
        if token_auth not in ("client_secret_basic", "client_secret_post"):
            raise ValueError("LRS_OIDC_TOKEN_AUTH is client_secret_basic or client_secret_post")
        return cls(issuer=issuer, client_id=values["client_id"], client_secret=values.get("client_secret", ""),
                   title=values.get("title") or DEFAULTS["title"], scopes=values.get("scopes") or "openid",
                   username_claim=values.get("username_claim", ""), name_claim=values.get("name_claim", ""),
                   email_claim=values.get("email_claim", ""),
                   email_verified_claim=values.get("email_verified_claim", ""),
                   groups_claim=values.get("groups_claim", ""), admin_group=values.get("admin_group", ""),
                   just_in_time=accounts == "just-in-time", algorithms=algorithms,
                   leeway=int(values.get("leeway") or 60), token_auth=token_auth)


class Provider:
    """One identity provider, for one application (kept in ``lrs.plugin_state("oidc")``)."""

    def __init__(self, settings: Settings, config):
        self.settings = settings
        issuer = urlsplit(settings.issuer)
        port = issuer.port or (443 if issuer.scheme == "https" else 80)
        host = f"[{issuer.hostname}]" if ":" in (issuer.hostname or "") else issuer.hostname
        self.guard = Guard.of(replace(config, outbound_allow=(*config.outbound_allow, f"{host}:{port}")))
        self._metadata: tuple[float, dict] | None = None
        self._keys: tuple[float, KeySet] | None = None

    # -- what the provider publishes ----------------------------------------------------------
    def _fetch_json(self, url: str, what: str) -> dict:
        try:
            answer = self.guard.get(url, headers={"Accept": "application/json"})
        except LRSError as error:
            raise SignInFailed(f"the identity provider's {what} could not be read: {error.message}") from None
        if answer.status_code != 200:
            raise SignInFailed(f"the identity provider's {what} could not be read (status {answer.status_code})")
        try:
            body = answer.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise SignInFailed(f"the identity provider's {what} is not a JSON object")
        return body

    def metadata(self) -> dict:
        """The discovery document (OpenID Connect Discovery 1.0 §4), whose issuer must be ours exactly."""
        if self._metadata and time.monotonic() - self._metadata[0] < CACHE_SECONDS:
            return self._metadata[1]
        document = self._fetch_json(self.settings.issuer + "/.well-known/openid-configuration", "discovery document")
        if document.get("issuer", "").rstrip("/") != self.settings.issuer:
            raise SignInFailed("the identity provider's discovery document names another issuer than the "
                               "configured LRS_OIDC_ISSUER")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(name), str) or urlsplit(document[name]).scheme not in ("https", "http"):
                raise SignInFailed(f"the identity provider's discovery document has no usable {name}")
        self._metadata = (time.monotonic(), document)
        return document

    def keys(self, fresh: bool = False) -> KeySet:
        if self._keys and not fresh and time.monotonic() - self._keys[0] < CACHE_SECONDS:
            return self._keys[1]
        try:
            keys = KeySet.import_key_set(self._fetch_json(self.metadata()["jwks_uri"], "keys (JWKS)"))
        except (JoseError, ValueError, TypeError, KeyError):
            raise SignInFailed("the identity provider's keys (JWKS) could not be read") from None
        self._keys = (time.monotonic(), keys)
        return keys

    # -- the flow ----------------------------------------------------------------------------------
    def authorization_url(self, redirect_uri: str, state: str, nonce: str, verifier: str) -> str:
        return prepare_grant_uri(self.metadata()["authorization_endpoint"], self.settings.client_id, "code",
                                 redirect_uri=redirect_uri, scope=self.settings.scopes, state=state, nonce=nonce,
                                 code_challenge=create_s256_code_challenge(verifier), code_challenge_method="S256")

    @staticmethod
    def new_secrets() -> tuple[str, str]:
        """A nonce and a PKCE code verifier (RFC 7636 §4.1: 43 to 128 characters)."""
        return generate_token(32), generate_token(64)

    def exchange(self, code: str, redirect_uri: str, verifier: str) -> dict:
        """The token endpoint's answer for this code (client authenticated, PKCE verifier sent)."""
        settings = self.settings
        fields = {"redirect_uri": redirect_uri, "code_verifier": verifier}
        auth = None
        if settings.token_auth == "client_secret_basic":
            auth = (settings.client_id, settings.client_secret)
        else:
            fields.update(client_id=settings.client_id, client_secret=settings.client_secret)
        body = prepare_token_request("authorization_code", code=code, **fields)
        try:
            answer = self.guard.post(self.metadata()["token_endpoint"], data=body, auth=auth,
                                     headers={"Content-Type": "application/x-www-form-urlencoded",
                                              "Accept": "application/json"})
        except LRSError as error:
            raise SignInFailed(f"the identity provider's token endpoint could not be reached: {error.message}") \
                from None
        if answer.status_code != 200:
            raise SignInFailed(f"the identity provider did not accept the sign-in (its token endpoint answered "
                               f"status {answer.status_code})")
        try:
            tokens = answer.json()
        except ValueError:
            tokens = None
        if not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
            raise SignInFailed("the identity provider answered without an ID token")
        return tokens

    def id_token_claims(self, id_token: str, nonce: str) -> dict:
        """The claims of an ID token that passes every check; SignInFailed naming the first that fails."""
        header = _header(id_token)
        algorithm = header.get("alg")
        if algorithm not in self.settings.algorithms:
            raise SignInFailed(f"the ID token is signed with {algorithm!r}, an algorithm this site does not accept"
                               f" (LRS_OIDC_ALGORITHMS: {', '.join(self.settings.algorithms)})")
        keys = self.keys()
        if not _has_key(keys, header):
            keys = self.keys(fresh=True)  # the provider may have rotated its keys
            if not _has_key(keys, header):
                raise SignInFailed("the ID token is signed with a key that is not among the identity provider's "
                                   "published keys (JWKS)")
        try:
            token = jwt.decode(id_token, keys, algorithms=list(self.settings.algorithms))
        except BadSignatureError:
            raise SignInFailed("the ID token's signature does not verify with the identity provider's keys") from None
        except (JoseError, ValueError, TypeError):
            raise SignInFailed("the ID token could not be read as a signed JWT") from None
        claims = token.claims
        registry = jwt.JWTClaimsRegistry(
            leeway=self.settings.leeway,
            iss={"essential": True, "value": self.settings.issuer},
            aud={"essential": True, "value": self.settings.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            raise SignInFailed("the ID token has expired") from None
        except (InvalidClaimError, MissingClaimError) as error:
            raise SignInFailed(_claim_problem(error)) from None
        except JoseError:
            raise SignInFailed("the ID token's claims are not valid") from None
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != self.settings.client_id:
            raise SignInFailed("the ID token is meant for several parties and names another as authorized (azp)")
        return claims


def _header(token: str) -> dict:
    try:
        part = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, IndexError):
        raise SignInFailed("the ID token could not be read as a signed JWT") from None
    if not isinstance(header, dict):
        raise SignInFailed("the ID token could not be read as a signed JWT")
    return header


def _has_key(keys: KeySet, header: dict) -> bool:
    kid = header.get("kid")
    if kid is None:
        return len(keys.keys) == 1  # a provider with one key may leave kid out
    return any(key.kid == kid for key in keys.keys)


_CLAIM_WORDS = {
    "iss": "the ID token was not issued by the configured identity provider (issuer)",
    "aud": "the ID token is not meant for this site (audience)",
    "nonce": "the ID token does not answer this sign-in (its nonce is another's): a replayed or mixed-up token",
    "sub": "the ID token names no subject",
    "exp": "the ID token has no valid expiry",
    "iat": "the ID token has no valid issue time",
}


def _claim_problem(error: JoseError) -> str:
    names = str(getattr(error, "claim", "") or "").split(",") or []
    text = str(error)
    for name in names + [n for n in _CLAIM_WORDS if f"'{n}'" in text]:
        if name in _CLAIM_WORDS:
            return _CLAIM_WORDS[name]
    return "the ID token's claims are not valid"
