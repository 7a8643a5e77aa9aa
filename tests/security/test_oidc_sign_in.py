"""Rule 26: only an ID token that passes every check signs anyone in through an identity provider,
and a refused one creates nothing: no person, no identity, no session.

The provider is a real process on loopback (tests/plugins/oidc/rogue_provider.py, started with
subprocess.Popen by the ``rogue`` fixture) that answers
each sign-in as the test tells it: right, or with one thing wrong. The LRS side is the Flask test
client of an app with the space and lrs_oidc; its requests to the provider are real HTTP through
lrs.Guard. A control test shows the same provider's right answer signs in, so each refusal is
the check's doing. Checked in plugins/oidc/lrs_oidc/provider.py; the state in lrs/web.py
(``finish_sign_in``); what may be created in lrs/accounts.py."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from lrs.auth.personal import create_person
from tests.plugins.oidc.conftest import oidc_site, rogue, sign_in  # noqa: F401 (the provider's fixture)
from tests.plugins.oidc.rogue_provider import CLIENT_ID
from tests.plugins.space.conftest import PASSWORD, Browser


def site(tmp_path, rogue, accounts="just-in-time"):
    return oidc_site(tmp_path, rogue, accounts)


def everything(store) -> dict:
    """What a refused sign-in must leave as it was."""
    return {"people": [p.username for p in store.list_people()],
            "identities": sorted(i.key for i in store.list_identities()),
            "sessions": len(store.list_items("session")), "invitations": len(store.list_items("invite"))}


def test_the_authorization_request_carries_pkce_state_and_nonce(tmp_path, rogue):
    app, _ = site(tmp_path, rogue)
    query = parse_qs(urlsplit(Browser(app).get("/space/signin/oidc").location).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["redirect_uri"][0].endswith("/space/oidc/callback")


def test_control_the_right_answer_signs_in(tmp_path, rogue):
    app, store = site(tmp_path, rogue)
    browser = Browser(app)
    done = sign_in(browser, rogue, "good")
    assert done.status_code == 302, done.get_data(as_text=True)
    assert browser.get("/space/").status_code == 200
    [person] = store.list_people()
    keys = {i.key for i in store.list_identities(person.id, verified=True)}
    assert f"Agent|account|{rogue}|rogue-subject-1" in keys and "Agent|mbox|mailto:rae@example.org" in keys


REFUSALS = {
    "wrong-issuer": "issuer",
    "wrong-audience": "audience",
    "expired": "expired",
    "alg-none": "algorithm",
    "alg-hs256": "algorithm",
    "unknown-key": "published keys",
    "bad-signature": "signature does not verify",
    "wrong-state": "not started in this browser",
    "jwks-elsewhere": "a loopback address",
}


@pytest.mark.parametrize("mode", REFUSALS)
def test_a_wrong_answer_is_refused_with_a_clear_page_and_creates_nothing(tmp_path, rogue, mode):
    app, store = site(tmp_path, rogue)
    before = everything(store)
    browser = Browser(app)
    refused = sign_in(browser, rogue, mode)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 403, text
    assert REFUSALS[mode] in text and "<h1" in text  # a page that says why
    assert everything(store) == before
    # the state is used up by any answer to it (a forged state leaves the real one unused, to expire)
    assert len(store.list_items("sign-in")) == (1 if mode == "wrong-state" else 0)
    assert browser.get("/space/").status_code == 302  # not signed in


def test_a_replayed_nonce_is_refused(tmp_path, rogue):
    app, store = site(tmp_path, rogue)
    assert sign_in(Browser(app), rogue, "good").status_code == 302  # the first sign-in's nonce
    before = everything(store)
    other = Browser(app)
    refused = sign_in(other, rogue, "replayed-nonce", claims={"sub": "someone-else", "email": "sam@example.org"})
    assert refused.status_code == 403 and "nonce" in refused.get_data(as_text=True)
    assert everything(store) == before
    assert other.get("/space/").status_code == 302


def test_a_callback_replayed_in_another_browser_is_refused(tmp_path, rogue):
    """The state is bound to the browser that started: a code and state handed to a victim sign no one in."""
    app, store = site(tmp_path, rogue)
    attacker, victim = Browser(app), Browser(app)
    requests.put(rogue + "/mode", json={"mode": "good"}, timeout=5)
    answer = requests.get(attacker.get("/space/signin/oidc").location, allow_redirects=False, timeout=10)
    back = urlsplit(answer.headers["Location"])
    before = everything(store)
    refused = victim.get(f"{back.path}?{back.query}")
    assert refused.status_code == 403 and "not started in this browser" in refused.get_data(as_text=True)
    assert everything(store) == before


def test_an_unverified_email_claim_is_no_identity_and_no_invitation(tmp_path, rogue):
    # by invitation: an invitation sent to the address does not admit a token that merely claims it
    app, store = site(tmp_path / "invite", rogue, accounts="invite")
    admin = create_person(store, app.extensions["lrs"].config, "admin", PASSWORD, is_admin=True)
    from lrs import invite

    invite(store, admin, "rae@example.org")
    before = everything(store)
    refused = sign_in(Browser(app), rogue, "unverified-email")
    assert refused.status_code == 403 and "invitation" in refused.get_data(as_text=True)
    assert everything(store) == before
    # just in time: the account is made, but the address is not made theirs
    app, store = site(tmp_path / "jit", rogue)
    assert sign_in(Browser(app), rogue, "unverified-email").status_code == 302
    [person] = store.list_people()
    keys = {i.key for i in store.list_identities(person.id)}
    assert "Agent|mbox|mailto:rae@example.org" not in keys and store.identity_owner(
        "Agent|mbox|mailto:rae@example.org") is None


def test_an_address_someone_holds_is_not_taken_by_a_provider_account(tmp_path, rogue):
    app, store = site(tmp_path, rogue)
    ann = create_person(store, app.extensions["lrs"].config, "ann", PASSWORD)
    store.add_identity(ann.id, {"mbox": "mailto:rae@example.org"}, verified_by="admin:test")
    before = everything(store)
    refused = sign_in(Browser(app), rogue, "good")
    assert refused.status_code == 409 and "already an identity" in refused.get_data(as_text=True)
    assert everything(store) == before


def test_a_disabled_person_cannot_sign_in_through_the_provider(tmp_path, rogue):
    app, store = site(tmp_path, rogue)
    assert sign_in(Browser(app), rogue, "good").status_code == 302
    [person] = store.list_people()
    store.update_person(person.id, disabled=True)
    sessions = len(store.list_items("session"))
    browser = Browser(app)
    refused = sign_in(browser, rogue, "good")
    assert refused.status_code == 403 and "disabled" in refused.get_data(as_text=True)
    assert len(store.list_items("session")) == sessions and browser.get("/space/").status_code == 302
