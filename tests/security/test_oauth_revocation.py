"""OAuth rule: a connection revoked in "My keys" stops at once. Its access token is refused at its
very next request (no cache keeps it alive), its refresh token gets nothing, only the person
can revoke it, and erasure takes every connection and token with the person."""

from __future__ import annotations

import re

from tests.plugins.oauth.conftest import (  # noqa: F401 (fixtures)
    EXTENSION, account, ann_browser, bearer, connect, oauth_app, oauth_people, oauth_store, statement,
)
from tests.plugins.space.conftest import Browser


def revoke_urls(browser) -> list[str]:
    page = browser.get("/space/keys").get_data(as_text=True)
    return re.findall(r'action="(/space/oauth/connections/[^"]+/revoke)"', page)


def test_revoking_in_my_keys_stops_the_token_at_its_next_request(oauth_app, ann_browser):
    token = connect(ann_browser)
    client = oauth_app.test_client()
    assert client.post("/xapi/statements", json=statement(account("ann")), headers=bearer(token)).status_code == 200
    [url] = revoke_urls(ann_browser)
    assert ann_browser.post(url, token_from="/space/keys").status_code == 302
    refused = client.post("/xapi/statements", json=statement(account("ann")), headers=bearer(token))
    assert refused.status_code == 401 and "Bearer" in refused.headers["WWW-Authenticate"]
    assert client.get("/xapi/statements", headers=bearer(token)).status_code == 401
    assert client.get("/oauth/userinfo", headers=bearer(token)).status_code == 401
    refresh = client.post("/oauth/token", data={"grant_type": "refresh_token", "client_id": EXTENSION,
                                                "refresh_token": token["refresh_token"]})
    assert refresh.status_code == 400 and refresh.get_json()["error"] == "invalid_grant"
    assert revoke_urls(ann_browser) == []


def test_revoking_one_connection_leaves_the_others(oauth_app, ann_browser):
    first, second = connect(ann_browser), connect(ann_browser)
    client = oauth_app.test_client()
    urls = revoke_urls(ann_browser)
    assert len(urls) == 2
    ann_browser.post(urls[0], token_from="/space/keys")
    answers = sorted(client.get("/xapi/statements", headers=bearer(t)).status_code for t in (first, second))
    assert answers == [200, 401]


def test_only_the_person_can_revoke_their_connection(oauth_app, oauth_people, ann_browser):
    token = connect(ann_browser)
    [url] = revoke_urls(ann_browser)
    bob = Browser(oauth_app).signin("bob")
    assert bob.post(url, token_from="/space/keys").status_code == 404
    nobody = Browser(oauth_app)
    assert nobody.post(url).status_code == 302  # to sign in
    assert oauth_app.test_client().get("/xapi/statements", headers=bearer(token)).status_code == 200


def test_the_tool_can_disconnect_itself(oauth_app, ann_browser):
    """RFC 7009: revoking either token ends the whole connection."""
    token = connect(ann_browser)
    client = oauth_app.test_client()
    assert client.post("/oauth/revoke", data={"token": token["refresh_token"], "client_id": EXTENSION}).status_code == 200
    assert client.get("/xapi/statements", headers=bearer(token)).status_code == 401
    assert revoke_urls(ann_browser) == []


def test_erasure_removes_every_connection_and_token(oauth_app, oauth_store, oauth_people, ann_browser):
    token = connect(ann_browser)
    kinds = ("oauth-grant", "oauth-access", "oauth-refresh", "oauth-code-used")
    assert all(oauth_store.list_items(kind, person_id=oauth_people["ann"].id) for kind in kinds)
    oauth_store.erase_person(oauth_people["ann"].id, erased_home_page="https://learnfolio.example/erased")
    assert [kind for kind in kinds if oauth_store.list_items(kind)] == []
    assert oauth_app.test_client().get("/xapi/statements", headers=bearer(token)).status_code == 401


def test_tokens_are_kept_only_as_keyed_hashes(oauth_store, ann_browser):
    token = connect(ann_browser)
    kept = repr([oauth_store.list_items(k) for k in ("oauth-grant", "oauth-access", "oauth-refresh")])
    assert token["access_token"] not in kept and token["refresh_token"] not in kept
