"""OAuth rule: redirect URIs match exactly as registered (RFC 9700 §4.1.3). A URI that differs in
any way (another extension's id, a path, a query, a port, the scheme, letter case, user info)
gets an error page from Learnfolio: no code and no redirect to it. The token request must name
the same URI as the authorization request."""

from __future__ import annotations

import pytest

from tests.plugins.oauth.conftest import (  # noqa: F401 (fixtures)
    EXTENSION_REDIRECT, allow, ann_browser, authorize_query, code_from, consent_path, exchange, oauth_app,
    oauth_people, oauth_store, pkce,
)

ID = "cdmbgbleojpimbogafafbdjdbgkggblm"
NEAR_MISSES = [
    "https://aaaabbbbccccddddeeeeffffgggghhhh.chromiumapp.org/",  # another extension
    f"https://{ID}.chromiumapp.org/callback",
    f"https://{ID}.chromiumapp.org",
    f"https://{ID}.chromiumapp.org//",
    f"https://{ID}.chromiumapp.org/?next=https://evil.example",
    f"https://{ID}.chromiumapp.org/#x",
    f"https://{ID}.chromiumapp.org:8443/",
    f"http://{ID}.chromiumapp.org/",
    f"https://{ID.upper()}.chromiumapp.org/",
    f"https://evil.example@{ID}.chromiumapp.org/",
    f"https://{ID}.chromiumapp.org.evil.example/",
    "https://evil.example/",
]


@pytest.mark.parametrize("redirect_uri", NEAR_MISSES)
def test_a_redirect_uri_that_is_not_exactly_registered_gets_no_code(ann_browser, oauth_store, redirect_uri):
    _, challenge = pkce()
    page = ann_browser.get(consent_path(authorize_query(challenge, redirect_uri=redirect_uri)))
    assert page.status_code == 400 and "Location" not in page.headers
    assert "cannot connect" in page.get_data(as_text=True)
    answer = ann_browser.client.post(consent_path(authorize_query(challenge, redirect_uri=redirect_uri)),
                                     data={"csrf_token": ann_browser.token("/space/keys"), "decision": "allow"})
    assert answer.status_code == 400 and "Location" not in answer.headers
    assert oauth_store.list_items("oauth-code") == []


def test_the_registered_uri_itself_is_accepted(ann_browser):
    _, challenge = pkce()
    answer = allow(ann_browser, authorize_query(challenge))
    assert answer.headers["Location"].startswith(EXTENSION_REDIRECT + "?code=")


def test_the_token_request_must_name_the_same_redirect_uri(oauth_app, ann_browser, oauth_store):
    verifier, challenge = pkce()
    code = code_from(allow(ann_browser, authorize_query(challenge)))
    answer = exchange(oauth_app.test_client(), code, verifier, redirect_uri=NEAR_MISSES[1])
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_grant"
    assert oauth_store.list_items("oauth-access") == []
