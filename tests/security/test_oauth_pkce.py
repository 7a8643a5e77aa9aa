"""OAuth rule: PKCE is required (RFC 7636; RFC 9700 §2.1.1). Every client is public, so an
authorization request without an S256 code challenge gets no code, and a code is exchanged
only with the verifier of its challenge: a code without the verifier is refused."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.plugins.oauth.conftest import (  # noqa: F401 (fixtures)
    allow, ann_browser, authorize_query, code_from, consent_path, exchange, oauth_app, oauth_people, oauth_store,
    pkce,
)


def refused_at_authorization(browser, query) -> dict:
    answer = browser.get(consent_path(query))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return parse_qs(urlsplit(answer.headers["Location"]).query)


def test_an_authorization_request_without_a_challenge_gets_no_code(ann_browser, oauth_store):
    error = refused_at_authorization(ann_browser, authorize_query(None, method=None))
    assert error["error"] == ["invalid_request"] and "PKCE" in error["error_description"][0]
    assert "code" not in error and oauth_store.list_items("oauth-code") == []


@pytest.mark.parametrize("method", ["plain", None, "S512"])
def test_only_s256_is_accepted(ann_browser, oauth_store, method):
    verifier, challenge = pkce()
    error = refused_at_authorization(ann_browser, authorize_query(verifier if method == "plain" else challenge,
                                                                  method=method))
    assert error["error"] == ["invalid_request"] and oauth_store.list_items("oauth-code") == []


def test_a_code_without_the_verifier_is_refused(oauth_app, ann_browser, oauth_store):
    _, challenge = pkce()
    code = code_from(allow(ann_browser, authorize_query(challenge)))
    answer = exchange(oauth_app.test_client(), code, None)
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_request"
    assert "access_token" not in answer.get_json() and oauth_store.list_items("oauth-access") == []


def test_a_code_with_another_verifier_is_refused(oauth_app, ann_browser, oauth_store):
    _, challenge = pkce()
    other, _ = pkce()
    code = code_from(allow(ann_browser, authorize_query(challenge)))
    answer = exchange(oauth_app.test_client(), code, other)
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_grant"
    assert oauth_store.list_items("oauth-access") == []
