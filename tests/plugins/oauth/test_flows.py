"""The flows a tool takes, against the app: connect, use the xAPI as the person, refresh, disconnect."""

from __future__ import annotations

from tests.conftest import EVERYTHING
from tests.plugins.oauth.conftest import (
    DEVICE_GRANT, EXTENSION_REDIRECT, JOURNAL, account, bearer, connect, statement,
)


def test_the_extension_connects_and_posts_as_its_person(oauth_app, oauth_store, ann_browser):
    token = connect(ann_browser)
    assert token["token_type"].lower() == "bearer" and token["refresh_token"] and token["expires_in"] == 3600
    assert token["scope"] == "statements/write statements/read/mine"
    client = oauth_app.test_client()
    me = client.get("/oauth/userinfo", headers=bearer(token)).get_json()
    assert me["actor"] == account("ann") and me["username"] == "ann" and account("ann") in me["identities"]
    posted = client.post("/xapi/statements", json=statement(me["actor"]), headers=bearer(token))
    assert posted.status_code == 200, posted.get_data(as_text=True)
    stored = oauth_store.get_statement(posted.get_json()[0], reach=EVERYTHING)
    import json
    authority = json.loads(stored.json)["authority"]
    assert authority["objectType"] == "Group"
    assert authority["member"][0]["name"] == "Learnfolio browser extension"
    assert authority["member"][1] == account("ann")
    read = client.get("/xapi/statements", headers=bearer(token)).get_json()
    assert [s["id"] for s in read["statements"]] == posted.get_json()


def test_my_keys_lists_the_connection(ann_browser):
    connect(ann_browser)
    page = ann_browser.get("/space/keys").get_data(as_text=True)
    assert "Learnfolio browser extension" in page and "Connect to Learnfolio (OAuth)" in page
    assert "statements/write, statements/read/mine" in page


def test_a_refresh_gives_new_tokens_and_ends_the_old_refresh_token(oauth_app, ann_browser):
    token = connect(ann_browser)
    client = oauth_app.test_client()
    refreshed = client.post("/oauth/token", data={"grant_type": "refresh_token", "client_id": "learnfolio-extension",
                                                  "refresh_token": token["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.get_data(as_text=True)
    new = refreshed.get_json()
    assert new["access_token"] != token["access_token"] and new["refresh_token"] != token["refresh_token"]
    assert client.get("/oauth/userinfo", headers=bearer(new)).status_code == 200
    again = client.post("/oauth/token", data={"grant_type": "refresh_token", "client_id": "learnfolio-extension",
                                              "refresh_token": new["refresh_token"]})
    assert again.status_code == 200


def test_a_refresh_token_used_twice_ends_the_connection(oauth_app, ann_browser):
    """RFC 9700 §4.14.2: a rotated refresh token presented again means one of two holders is a thief."""
    token = connect(ann_browser)
    client = oauth_app.test_client()
    form = {"grant_type": "refresh_token", "client_id": "learnfolio-extension", "refresh_token": token["refresh_token"]}
    new = client.post("/oauth/token", data=form).get_json()
    replay = client.post("/oauth/token", data=form)
    assert replay.status_code == 400 and replay.get_json()["error"] == "invalid_grant"
    assert client.get("/oauth/userinfo", headers=bearer(new)).status_code == 401
    assert "Learnfolio browser extension" not in ann_browser.get("/space/keys").get_data(as_text=True)


def test_the_journal_connects_with_the_device_flow(oauth_app, ann_browser):
    client = oauth_app.test_client()
    started = client.post("/oauth/device_authorization", data={"client_id": JOURNAL}).get_json()
    assert started["verification_uri"].endswith("/space/oauth/device") and started["interval"] == 5
    poll = {"grant_type": DEVICE_GRANT, "device_code": started["device_code"], "client_id": JOURNAL}
    pending = client.post("/oauth/token", data=poll)
    assert pending.status_code == 400 and pending.get_json()["error"] == "authorization_pending"
    assert client.post("/oauth/token", data=poll).get_json()["error"] == "slow_down"
    page = ann_browser.post("/space/oauth/device", {"user_code": started["user_code"].lower().replace("-", "")},
                            token_from="/space/oauth/device")
    assert "lrs-journal" in page.get_data(as_text=True)
    done = ann_browser.post("/space/oauth/device", {"user_code": started["user_code"], "decision": "allow"},
                            token_from="/space/oauth/device")
    assert "is connected" in done.get_data(as_text=True)
    token = client.post("/oauth/token", data=poll)
    assert token.status_code == 200, token.get_data(as_text=True)
    me = client.get("/oauth/userinfo", headers=bearer(token.get_json())).get_json()
    assert me["username"] == "ann" and me["client_id"] == JOURNAL
    used = client.post("/oauth/token", data=poll)
    assert used.status_code == 400


def test_metadata_names_every_endpoint(oauth_app):
    meta = oauth_app.test_client().get("/.well-known/oauth-authorization-server").get_json()
    assert meta["authorization_endpoint"].endswith("/space/oauth/authorize")
    assert meta["token_endpoint"].endswith("/oauth/token")
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["scopes_supported"] == ["statements/write", "statements/read/mine", "state"]


def test_a_connection_refreshed_many_times_keeps_few_items(oauth_app, oauth_store, ann_browser):
    """Each refresh ends the connection's earlier access token; spent refresh tokens are kept a week."""
    token = connect(ann_browser)
    client = oauth_app.test_client()
    tokens_seen = [token]
    for _ in range(5):
        token = client.post("/oauth/token", data={"grant_type": "refresh_token", "client_id": "learnfolio-extension",
                                                  "refresh_token": token["refresh_token"]}).get_json()
        tokens_seen.append(token)
    assert len(oauth_store.list_items("oauth-access")) == 1 and len(oauth_store.list_items("oauth-refresh")) == 1
    assert len(oauth_store.list_items("oauth-refresh-used")) == 5
    answers = [client.get("/oauth/userinfo", headers=bearer(t)).status_code for t in tokens_seen]
    assert answers == [401] * 5 + [200]


def test_codes_that_ran_out_unused_are_forgotten(tmp_path):
    from lrs.app import create_app
    from lrs.auth.personal import create_person
    from tests.conftest import SECRET_KEY
    from tests.plugins.oauth.conftest import allow, authorize_query, pkce
    from tests.plugins.space.conftest import PASSWORD, Browser

    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "load_plugins": ("space", "oauth"),
                      "oauth_code_seconds": "-1", "oauth_device_seconds": "-1"})
    ctx = app.extensions["lrs"]
    create_person(ctx.store, ctx.config, "ann", PASSWORD)
    browser = Browser(app).signin("ann")
    for _ in range(3):
        allow(browser, authorize_query(pkce()[1]))
        app.test_client().post("/oauth/device_authorization", data={"client_id": JOURNAL})
    assert len(ctx.store.list_items("oauth-code")) == 1 and len(ctx.store.list_items("oauth-device")) == 1
