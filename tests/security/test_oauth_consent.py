"""OAuth rule: only the signed-in person grants, by a POST of the consent form with its CSRF token.
A visitor without a session is sent to sign in; a forged or replayed POST from another site
grants nothing; the consent page cannot be framed; denying sends the tool an error, not a code.
The device page (a code typed from a tool) follows the same rule."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.plugins.oauth.conftest import (  # noqa: F401 (fixtures)
    EXTENSION_REDIRECT, JOURNAL, allow, ann_browser, authorize_query, consent_path, oauth_app, oauth_people,
    oauth_store, pkce,
)
from tests.plugins.space.conftest import Browser


def test_no_session_is_sent_to_sign_in_and_gets_no_code(oauth_app, oauth_people, oauth_store):
    _, challenge = pkce()
    path = consent_path(authorize_query(challenge))
    visitor = Browser(oauth_app)
    for answer in (visitor.get(path), visitor.post(path, {"decision": "allow"})):
        assert answer.status_code == 302 and "/space/signin?next=" in answer.headers["Location"]
    assert oauth_store.list_items("oauth-code") == []


def test_a_post_without_the_csrf_token_grants_nothing(ann_browser, oauth_store):
    _, challenge = pkce()
    path = consent_path(authorize_query(challenge))
    for token in ("", "forged", None):
        data = {"decision": "allow"} if token is None else {"decision": "allow", "csrf_token": token}
        answer = ann_browser.client.post(path, data=data)
        assert answer.status_code == 400 and "Location" not in answer.headers
    assert oauth_store.list_items("oauth-code") == []


def test_another_browsers_csrf_token_grants_nothing(oauth_app, ann_browser, oauth_store):
    """A token taken from the attacker's own visit is bound to the attacker's visitor cookie."""
    _, challenge = pkce()
    path = consent_path(authorize_query(challenge))
    attacker = Browser(oauth_app).signin("bob")
    stolen = attacker.token(path)
    answer = ann_browser.client.post(path, data={"decision": "allow", "csrf_token": stolen})
    assert answer.status_code == 400 and oauth_store.list_items("oauth-code") == []


def test_the_consent_page_cannot_be_framed_and_sends_answers_only_to_the_tool(ann_browser):
    _, challenge = pkce()
    page = ann_browser.get(consent_path(authorize_query(challenge)))
    assert page.headers["X-Frame-Options"] == "DENY"
    policy = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "form-action 'self' https://cdmbgbleojpimbogafafbdjdbgkggblm.chromiumapp.org;" in policy


def test_denying_sends_the_tool_an_error_and_no_code(ann_browser, oauth_store):
    _, challenge = pkce()
    answer = allow(ann_browser, authorize_query(challenge, state="s1"), decision="deny")
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == EXTENSION_REDIRECT
    answer = parse_qs(location.query)
    assert answer["error"] == ["access_denied"] and answer["state"] == ["s1"] and "code" not in answer
    assert oauth_store.list_items("oauth-code") == []


def test_the_device_page_needs_a_session_and_the_csrf_token(oauth_app, ann_browser, oauth_store):
    started = oauth_app.test_client().post("/oauth/device_authorization", data={"client_id": JOURNAL}).get_json()
    form = {"user_code": started["user_code"], "decision": "allow"}
    assert Browser(oauth_app).post("/space/oauth/device", form).status_code == 302  # to sign in
    assert ann_browser.client.post("/space/oauth/device", data=form).status_code == 400  # no CSRF token
    [waiting] = oauth_store.list_items("oauth-device")
    assert waiting.body["decision"] is None and waiting.person_id is None


def test_wrong_device_codes_are_limited_per_person(oauth_app, ann_browser):
    answers = [ann_browser.post("/space/oauth/device", {"user_code": f"BCDF-GH{i:02d}"},
                                token_from="/space/oauth/device").status_code for i in range(12)]
    assert answers[:10] == [400] * 10 and answers[10:] == [429, 429]
