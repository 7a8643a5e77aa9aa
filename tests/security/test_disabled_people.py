"""Rule 24: a disabled person acts through nothing: no sign-in of any kind, no session they had,
no personal key, no password reset; re-enabled, everything of theirs works again, nothing lost.

Decided in one place each: sessions in lrs/web.py (``start_session`` refuses, a session of a
disabled person is no session), keys in lrs/access.py (``Access.for_credential``). The sign-in
through an identity provider is refused the same way (tests/plugins/oidc/test_browser.py)."""

from __future__ import annotations

import json

import pytest

from lrs.auth.personal import create_person, create_personal_key
from tests.conftest import XAPIClient, auth_header, make_app
from tests.plugins.space.conftest import PASSWORD, Browser
from tests.security.realserver import account, statement


@pytest.fixture
def site(tmp_path):
    app = make_app(tmp_path, load=("space",))
    lrs = app.extensions["lrs"]
    people = {name: create_person(lrs.store, lrs.config, name, PASSWORD, is_admin=(name == "admin"))
              for name in ("admin", "ann", "bob")}
    return app, lrs.store, people


def people_action(admin: Browser, person_id: int, action: str):
    return admin.post(f"/space/admin/people/{person_id}", {"action": action}, token_from="/space/admin/people")


def test_a_disabled_person_is_signed_out_cannot_sign_in_and_their_keys_are_refused(site):
    app, store, people = site
    ann = Browser(app).signin("ann")
    credential, secret = create_personal_key(store, app.extensions["lrs"].config, people["ann"], "ann's tool")
    xapi = XAPIClient(app.test_client(), auth_header(credential.key, secret), version="2.0.0")
    assert xapi.post("/xapi/statements", json=statement(account("ann"))).status_code == 200

    admin = Browser(app).signin("admin")
    assert people_action(admin, people["ann"].id, "disable").status_code in (200, 302)
    assert store.get_person("ann").disabled

    assert ann.get("/space/").status_code == 302  # her open session is over
    refused = ann.post("/space/signin", {"username": "ann", "password": PASSWORD})
    assert refused.status_code == 403 and "disabled" in refused.get_data(as_text=True)
    for response in (xapi.post("/xapi/statements", json=statement(account("ann"))), xapi.get("/xapi/statements")):
        assert response.status_code == 403, response.get_data(as_text=True)
        assert "disabled" in response.get_json()["message"]

    assert people_action(admin, people["ann"].id, "enable").status_code in (200, 302)
    assert Browser(app).signin("ann")  # raises unless signed in
    assert xapi.get("/xapi/statements").status_code == 200
    assert len(xapi.get("/xapi/statements").get_json()["statements"]) == 1  # nothing of hers was lost


def test_a_disabled_person_gets_no_reset_and_cannot_use_an_earlier_one(site, smtp):
    from dataclasses import replace

    app, store, people = site
    inbox, port = smtp
    lrs = app.extensions["lrs"]
    lrs.config = replace(lrs.config, smtp_url=f"smtp://127.0.0.1:{port}")
    store.add_identity(people["bob"].id, {"mbox": "mailto:bob@example.org"}, verified_by="admin:test")
    visitor = Browser(app)
    visitor.post("/space/password/forgot", {"email": "bob@example.org"}, token_from="/space/password/forgot")
    [(to, text)] = inbox.messages
    link = text[text.index("/space/password/reset"):].split()[0]
    store.update_person(people["bob"].id, disabled=True)
    visitor.post("/space/password/forgot", {"email": "bob@example.org"}, token_from="/space/password/forgot")
    assert len(inbox.messages) == 1  # none for a disabled person
    page = visitor.get(link)
    assert page.status_code == 403 and "disabled" in page.get_data(as_text=True)


def test_a_session_cannot_be_started_for_a_disabled_person(site):
    from lrs import Forbidden, start_session

    app, store, people = site
    store.update_person(people["bob"].id, disabled=True)
    with app.test_request_context("/space/"):
        with pytest.raises(Forbidden, match="disabled"):
            start_session(store.get_person("bob"))


def test_chat_refuses_a_disabled_person(site):
    """Every credential acting for a person goes through the gate: a plugin's too."""
    from lrs import Access, Credential, Forbidden

    app, store, people = site
    store.update_person(people["bob"].id, disabled=True)
    credential = Credential(key="chat:1", name="chat", scopes=("statements/write",), authority={},
                            person_id=people["bob"].id)
    with pytest.raises(Forbidden, match="disabled"):
        Access.for_credential(credential, store)
    with pytest.raises(Forbidden, match="disabled"):
        Access.for_person(store, store.get_person("bob"), credential=credential)
    assert json.dumps(Access.for_person(store, store.get_person("ann")).kind) == '"person"'
