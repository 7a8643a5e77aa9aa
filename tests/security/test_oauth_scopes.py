"""OAuth rule: a token can do only what its scopes allow, and a tool can be granted only a person's
xAPI scopes (statements/write, statements/read/mine, state): never one that reads everyone's
records, and a refresh never widens what was allowed."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.plugins.oauth.conftest import (  # noqa: F401 (fixtures)
    EXTENSION, account, ann_browser, authorize_query, bearer, connect, consent_path, oauth_app, oauth_people,
    oauth_store, pkce, statement,
)


def test_a_write_only_token_cannot_read(oauth_app, ann_browser):
    token = connect(ann_browser, scope="statements/write")
    client = oauth_app.test_client()
    assert client.post("/xapi/statements", json=statement(account("ann")), headers=bearer(token)).status_code == 200
    assert client.get("/xapi/statements", headers=bearer(token)).status_code == 403
    params = {"activityId": "https://example.org/course", "agent": json.dumps(account("ann")), "stateId": "s"}
    assert client.put("/xapi/activities/state", query_string=params, json={}, headers=bearer(token)).status_code == 403


def test_a_read_only_token_cannot_write(oauth_app, ann_browser):
    token = connect(ann_browser, scope="statements/read/mine")
    client = oauth_app.test_client()
    assert client.get("/xapi/statements", headers=bearer(token)).status_code == 200
    assert client.post("/xapi/statements", json=statement(account("ann")), headers=bearer(token)).status_code == 403


@pytest.mark.parametrize("scope", ["statements/read", "all/read", "all", "define", "profile",
                                   "statements/write all"])
def test_scopes_beyond_a_persons_are_refused_before_consent(ann_browser, oauth_store, scope):
    _, challenge = pkce()
    answer = ann_browser.get(consent_path(authorize_query(challenge, scope=scope)))
    assert answer.status_code == 302  # back to the (exactly registered) tool, with the error
    error = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert error["error"] == ["invalid_scope"] and "code" not in error
    assert oauth_store.list_items("oauth-code") == []


def test_a_refresh_cannot_widen_the_scopes(oauth_app, ann_browser):
    token = connect(ann_browser, scope="statements/write")
    client = oauth_app.test_client()
    form = {"grant_type": "refresh_token", "client_id": EXTENSION, "refresh_token": token["refresh_token"]}
    answer = client.post("/oauth/token", data={**form, "scope": "statements/write statements/read/mine"})
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_scope"
    # the refused request did not spend the refresh token, and what it gets is no wider
    again = client.post("/oauth/token", data=form)
    assert again.status_code == 200 and again.get_json()["scope"] == "statements/write"
    assert client.get("/xapi/statements", headers=bearer(again.get_json())).status_code == 403
