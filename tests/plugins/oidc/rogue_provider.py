"""A small OpenID provider that misbehaves on request, run as its own process on loopback for the
negative sign-in tests: ``python -m tests.plugins.oidc.rogue_provider PORT``.

It serves discovery, JWKS, an authorization endpoint that consents at once (redirecting back with
a code) and a token endpoint that checks the client's secret and the PKCE verifier, then issues an
ID token as ``PUT /mode`` says: ``good``, or with one thing wrong (issuer, audience, expiry, an
earlier sign-in's nonce, no signature, an algorithm not allowed, a key not published, a bad
signature, an e-mail not verified), or it answers the authorization with another ``state``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import sys
import time
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

CLIENT_ID = "learnfolio-test"
CLIENT_SECRET = "a-client-secret-for-tests"

app = Flask(__name__)
KEY = RSAKey.generate_key(2048, parameters={"kid": "published", "use": "sig", "alg": "RS256"})
UNPUBLISHED = RSAKey.generate_key(2048, parameters={"kid": "unpublished"})
IMPOSTOR = RSAKey.generate_key(2048, parameters={"kid": "published"})  # same kid, another key
STATE = {"mode": "good", "claims": {}, "codes": {}, "nonces": []}


def issuer() -> str:
    return request.host_url.rstrip("/")


@app.put("/mode")
def set_mode():
    body = request.get_json()
    STATE["mode"], STATE["claims"] = body["mode"], body.get("claims") or {}
    return "", 204


@app.get("/.well-known/openid-configuration")
def discovery():
    jwks = issuer() + "/jwks"
    if STATE["mode"] == "jwks-elsewhere":  # a key endpoint on an address the guard does not admit
        jwks = jwks.replace("127.0.0.1", "127.0.0.2")
    return jsonify({"issuer": issuer(), "authorization_endpoint": issuer() + "/authorize",
                    "token_endpoint": issuer() + "/token", "jwks_uri": jwks,
                    "response_types_supported": ["code"], "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "code_challenge_methods_supported": ["S256"]})


@app.get("/jwks")
def jwks():
    return jsonify(KeySet([KEY]).as_dict(private=False))


@app.get("/authorize")
def authorize():
    args = request.args
    if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code" \
            or args.get("code_challenge_method") != "S256" or not args.get("code_challenge") or not args.get("nonce"):
        abort(400, description="bad authorization request")
    code = secrets.token_urlsafe(16)
    STATE["codes"][code] = {"nonce": args["nonce"], "challenge": args["code_challenge"],
                            "redirect_uri": args["redirect_uri"]}
    STATE["nonces"].append(args["nonce"])
    state = "forged-" + secrets.token_urlsafe(8) if STATE["mode"] == "wrong-state" else args.get("state", "")
    return redirect(args["redirect_uri"] + "?" + urlencode({"code": code, "state": state}))


def _client_ok() -> bool:
    auth = request.authorization
    return auth is not None and auth.username == CLIENT_ID and auth.password == CLIENT_SECRET


@app.post("/token")
def token():
    if not _client_ok():
        return jsonify({"error": "invalid_client"}), 401
    grant = STATE["codes"].pop(request.form.get("code", ""), None)
    if grant is None or request.form.get("redirect_uri") != grant["redirect_uri"]:
        return jsonify({"error": "invalid_grant"}), 400
    verifier = request.form.get("code_verifier", "")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    if challenge != grant["challenge"]:
        return jsonify({"error": "invalid_grant", "error_description": "PKCE verifier does not match"}), 400
    return jsonify({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                    "id_token": id_token(grant["nonce"])})


def id_token(nonce: str) -> str:
    mode, now = STATE["mode"], int(time.time())
    claims = {"iss": issuer(), "aud": CLIENT_ID, "sub": "rogue-subject-1", "iat": now, "exp": now + 300,
              "nonce": nonce, "email": "rae@example.org", "email_verified": True, "preferred_username": "rae",
              "name": "Rae Rogue", **STATE["claims"]}
    if mode == "wrong-issuer":
        claims["iss"] = "https://impostor.example"
    elif mode == "wrong-audience":
        claims["aud"] = "another-client"
    elif mode == "expired":
        claims.update(iat=now - 3600, exp=now - 1800)
    elif mode == "replayed-nonce":
        claims["nonce"] = STATE["nonces"][0]  # the first sign-in's, not this one's
    elif mode == "unverified-email":
        claims["email_verified"] = False
    if mode == "alg-none":
        def part(value):
            return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
        return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."
    if mode == "alg-hs256":  # keyed with the client secret: anyone holding it could forge one
        return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(CLIENT_SECRET))
    if mode == "unknown-key":
        return jwt.encode({"alg": "RS256", "kid": "unpublished"}, claims, UNPUBLISHED)
    if mode == "bad-signature":
        return jwt.encode({"alg": "RS256", "kid": "published"}, claims, IMPOSTOR)
    return jwt.encode({"alg": "RS256", "kid": "published"}, claims, KEY)


if __name__ == "__main__":
    from werkzeug.serving import run_simple

    run_simple("127.0.0.1", int(sys.argv[1]), app, threaded=True)
