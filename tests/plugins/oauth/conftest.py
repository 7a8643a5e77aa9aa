"""An app with the space and the OAuth plugin, people in it, and the steps of each flow as a tool takes them."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest

from lrs.app import create_app
from lrs.auth.personal import create_person
from tests.conftest import SECRET_KEY
from tests.plugins.space.conftest import PASSWORD, Browser

EXTENSION_REDIRECT = "https://cdmbgbleojpimbogafafbdjdbgkggblm.chromiumapp.org/"
EXTENSION = "learnfolio-extension"
JOURNAL = "lrs-journal"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
XAPI = {"X-Experience-API-Version": "2.0.0"}


@pytest.fixture
def oauth_app(tmp_path):
    return create_app({"home": tmp_path, "secret_key": SECRET_KEY, "load_plugins": ("space", "oauth")})


@pytest.fixture
def oauth_store(oauth_app):
    return oauth_app.extensions["lrs"].store


@pytest.fixture
def oauth_people(oauth_app, oauth_store):
    config = oauth_app.extensions["lrs"].config
    return {name: create_person(oauth_store, config, name, PASSWORD) for name in ("ann", "bob")}


@pytest.fixture
def ann_browser(oauth_app, oauth_people):
    """A browser signed in as ann."""
    return Browser(oauth_app).signin("ann")


def account(name: str) -> dict:
    return {"objectType": "Agent", "name": name,
            "account": {"homePage": "https://learnfolio.example/people", "name": name}}


def statement(actor: dict) -> dict:
    return {"actor": actor, "verb": {"id": "https://w3id.org/xapi/adl/verbs/read", "display": {"en": "read"}},
            "object": {"id": f"https://example.org/{secrets.token_hex(4)}"}}


def pkce() -> tuple[str, str]:
    """(verifier, S256 challenge), RFC 7636 §4.1–4.2."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_query(challenge: str | None, *, redirect_uri: str = EXTENSION_REDIRECT, client_id: str = EXTENSION,
                    scope: str = "statements/write statements/read/mine", state: str = "st4te",
                    method: str | None = "S256") -> dict:
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope,
             "state": state}
    if challenge is not None:
        query["code_challenge"] = challenge
    if method is not None:
        query["code_challenge_method"] = method
    return query


def consent_path(query: dict) -> str:
    from urllib.parse import urlencode

    return "/space/oauth/authorize?" + urlencode(query)


def allow(browser: Browser, query: dict, decision: str = "allow"):
    """The person opens the consent page and answers; the response (a redirect to the tool, or a page)."""
    path = consent_path(query)
    page = browser.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return browser.client.post(path, data={"csrf_token": token, "decision": decision})


def code_from(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    return parse_qs(location.query)["code"][0]


def exchange(client, code: str, verifier: str | None, *, redirect_uri: str = EXTENSION_REDIRECT,
             client_id: str = EXTENSION):
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "client_id": client_id}
    if verifier is not None:
        form["code_verifier"] = verifier
    return client.post("/oauth/token", data=form)


def connect(browser: Browser, scope: str = "statements/write statements/read/mine") -> dict:
    """The whole authorization code flow with PKCE, as the extension runs it: the token response."""
    verifier, challenge = pkce()
    code = code_from(allow(browser, authorize_query(challenge, scope=scope)))
    answer = exchange(browser.client.application.test_client(), code, verifier)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def bearer(token: dict | str) -> dict:
    value = token if isinstance(token, str) else token["access_token"]
    return {"Authorization": f"Bearer {value}", **XAPI}
