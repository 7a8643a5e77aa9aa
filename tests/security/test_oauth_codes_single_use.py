"""OAuth rule: an authorization code is used once, by the client it was issued to, within its ten
minutes (RFC 6749 §4.1.2). A second use is refused and revokes the tokens the first use got:
one of the two users of the code was not the tool."""

from __future__ import annotations

from tests.conftest import SECRET_KEY
from tests.plugins.oauth.conftest import (  # noqa: F401 (fixtures)
    JOURNAL, allow, ann_browser, authorize_query, bearer, code_from, exchange, oauth_app, oauth_people, oauth_store,
    pkce,
)
from tests.plugins.space.conftest import PASSWORD, Browser


def test_a_code_is_exchanged_once_and_a_second_use_revokes_the_first(oauth_app, ann_browser):
    verifier, challenge = pkce()
    code = code_from(allow(ann_browser, authorize_query(challenge)))
    client = oauth_app.test_client()
    first = exchange(client, code, verifier)
    assert first.status_code == 200
    second = exchange(client, code, verifier)
    assert second.status_code == 400 and second.get_json()["error"] == "invalid_grant"
    assert client.get("/xapi/statements", headers=bearer(first.get_json())).status_code == 401


def test_a_code_issued_to_one_client_is_refused_to_another(oauth_app, ann_browser):
    verifier, challenge = pkce()
    code = code_from(allow(ann_browser, authorize_query(challenge)))
    answer = exchange(oauth_app.test_client(), code, verifier, client_id=JOURNAL)
    assert answer.status_code == 400 and "access_token" not in answer.get_json()


def test_an_expired_code_is_refused(tmp_path):
    from lrs.app import create_app
    from lrs.auth.personal import create_person

    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "load_plugins": ("space", "oauth"),
                      "oauth_code_seconds": "-1"})  # every code is already past its time
    ctx = app.extensions["lrs"]
    create_person(ctx.store, ctx.config, "ann", PASSWORD)
    verifier, challenge = pkce()
    code = code_from(allow(Browser(app).signin("ann"), authorize_query(challenge)))
    answer = exchange(app.test_client(), code, verifier)
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_grant"
