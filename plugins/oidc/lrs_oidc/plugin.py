"""The hooks: one sign-in provider (``register_sign_in``) when ``LRS_OIDC_ISSUER`` is set, and the
page the provider sends people back to (``/space/oidc/callback``)."""

from __future__ import annotations

from flask import redirect, request

from lrs import (
    Assertion, begin_sign_in, complete_sign_in, finish_sign_in, hookimpl, lrs_app, page_blueprint, public_link,
    SignInProvider,
)
from lrs_oidc.provider import DEFAULTS, Provider, Settings, SignInFailed

NAME = "oidc"

bp = page_blueprint("oidc", __name__, "/space/oidc")


def _provider(lrs) -> Provider | None:
    state = lrs.plugin_state(NAME)
    if "provider" not in state:
        settings = Settings.of(lrs.plugin_config(NAME, DEFAULTS))
        state["provider"] = Provider(settings, lrs.config) if settings else None
    return state["provider"]


@hookimpl
def startup(lrs):
    """Settings are checked at start: a mistyped one stops the server, not someone's sign-in."""
    _provider(lrs)


@hookimpl
def register_routes():
    return [bp]


@hookimpl
def register_sign_in(lrs):
    provider = _provider(lrs)
    if provider is None:
        return []
    return [SignInProvider(name=NAME, title=provider.settings.title, start=_start,
                           just_in_time=provider.settings.just_in_time)]


def _redirect_uri() -> str:
    return public_link("oidc.callback")


def _start(next: str, invite: str | None):
    """To the provider's authorization endpoint: code flow, PKCE (S256), state and nonce."""
    provider = _provider(lrs_app())
    nonce, verifier = provider.new_secrets()
    state = begin_sign_in(NAME, next=next, invite=invite, nonce=nonce, verifier=verifier)
    return redirect(provider.authorization_url(_redirect_uri(), state, nonce, verifier))


@bp.route("/callback")
def callback():
    """Where the provider sends the browser back: the state first (this browser's, once), then the
    code exchanged and the ID token checked; only then is anyone found, made or signed in."""
    provider = _provider(lrs_app())
    if provider is None:
        raise SignInFailed("sign-in through an identity provider is not set up here")
    values = finish_sign_in(NAME, request.args.get("state"))
    if "error" in request.args:
        raise SignInFailed(f"the identity provider did not sign you in ({request.args['error'][:100]})")
    code = request.args.get("code")
    if not code:
        raise SignInFailed("the identity provider sent no authorization code")
    tokens = provider.exchange(code, _redirect_uri(), values["verifier"])
    claims = provider.id_token_claims(tokens["id_token"], values["nonce"])
    return complete_sign_in(assertion_of(provider.settings, claims), values)


def assertion_of(settings: Settings, claims: dict) -> Assertion:
    """What the checked claims say, through the configured claim names."""
    def text(name: str) -> str | None:
        value = claims.get(name) if name else None
        return value.strip()[:200] if isinstance(value, str) and value.strip() else None

    verified = claims.get(settings.email_verified_claim) if settings.email_verified_claim else None
    groups = claims.get(settings.groups_claim) if settings.groups_claim else None
    if isinstance(groups, str):
        groups = [groups]
    groups = tuple(g for g in (groups or ()) if isinstance(g, str))
    return Assertion(provider=NAME, issuer=settings.issuer, subject=str(claims["sub"]),
                     username=text(settings.username_claim), display_name=text(settings.name_claim),
                     email=text(settings.email_claim), email_verified=verified is True or verified == "true",
                     is_admin=(settings.admin_group in groups) if settings.admin_group else None, groups=groups)
