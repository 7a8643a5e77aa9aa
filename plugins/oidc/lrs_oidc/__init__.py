"""Sign in with an organisation's identity provider through OpenID Connect (authorization code
flow with PKCE, ``state`` and ``nonce``; the ID token checked against the provider's keys).

A sign-in provider of the ``register_sign_in`` hook; settings ``LRS_OIDC_*`` (docs/sign-in.md).
"""

from lrs_oidc.provider import Settings, SignInFailed

__all__ = ["Settings", "SignInFailed"]
