"""Rule 25: only administrators administer people, never leaving the site without an enabled
administrator; and administering gives no one's records.

Decided in the access gate (lrs/access.py: ``Access.may_administer``, ``Access.check_people_change``,
``Access.may_create_credential``), asked by the people page (plugins/space/lrs_space/views/admin.py)."""

from __future__ import annotations

import re

import pytest

from lrs.auth.personal import create_person
from tests.conftest import XAPIClient, auth_header, make_app
from tests.plugins.space.conftest import PASSWORD, Browser
from tests.security.realserver import account, statement

ACTIONS = ("disable", "enable", "make-admin", "unmake-admin", "remove", "send-reset")


@pytest.fixture
def site(tmp_path):
    app = make_app(tmp_path, load=("space",))
    lrs = app.extensions["lrs"]
    people = {name: create_person(lrs.store, lrs.config, name, PASSWORD, is_admin=(name == "admin"))
              for name in ("admin", "ann", "bob")}
    return app, lrs.store, people


def act(who: Browser, person_id: int, action: str, token_from: str = "/space/admin/people"):
    return who.post(f"/space/admin/people/{person_id}", {"action": action}, token_from=token_from)


def state(store):
    return [(p.username, p.is_admin, p.disabled) for p in store.list_people()]


@pytest.mark.parametrize("action", ACTIONS)
def test_only_an_administrator_may_change_a_person(site, action):
    app, store, people = site
    bob = Browser(app).signin("bob")
    before = state(store)
    assert bob.get("/space/admin/people").status_code == 403
    refused = act(bob, people["ann"].id, action, token_from="/space/")
    assert refused.status_code == 403
    assert state(store) == before


@pytest.mark.parametrize("action", ("unmake-admin", "disable", "remove"))
def test_the_last_administrator_cannot_be_taken_away(site, action):
    app, store, people = site
    admin = Browser(app).signin("admin")
    before = state(store)
    refused = act(admin, people["admin"].id, action)
    assert refused.status_code == 409, refused.get_data(as_text=True)
    assert "last administrator" in refused.get_data(as_text=True)
    assert state(store) == before


def test_a_disabled_administrator_does_not_count(site):
    app, store, people = site
    admin = Browser(app).signin("admin")
    assert act(admin, people["ann"].id, "make-admin").status_code in (200, 302)
    assert act(admin, people["ann"].id, "disable").status_code in (200, 302)
    refused = act(admin, people["admin"].id, "unmake-admin")  # ann is an admin, but a disabled one
    assert refused.status_code == 409
    assert act(admin, people["ann"].id, "enable").status_code in (200, 302)
    assert act(admin, people["admin"].id, "unmake-admin").status_code in (200, 302)
    assert not store.get_person("admin").is_admin and store.get_person("ann").is_admin


def test_the_people_page_shows_no_records_and_its_tool_keys_read_none(site):
    app, store, people = site
    ann_key = auth_header(*_personal_key(app, people["ann"]))
    ann = XAPIClient(app.test_client(), ann_key, version="2.0.0")
    assert ann.post("/xapi/statements", json=statement(account("ann"), "A secret course of ann's")).status_code == 200

    admin = Browser(app).signin("admin")
    page = admin.get("/space/admin/people").get_data(as_text=True)
    assert "ann" in page and "A secret course" not in page
    # a tool key made on the page writes statements; it cannot be made to read anyone's
    for scope in ("all", "statements/read", "all/read", "state", "profile"):
        refused = admin.post("/space/admin/credentials", {"name": "lms", "scope": scope},
                             token_from="/space/admin/people")
        assert refused.status_code == 403, (scope, refused.get_data(as_text=True))
    made = admin.post("/space/admin/credentials", {"name": "lms", "scope": "statements/write"},
                      token_from="/space/admin/people")
    assert made.status_code == 201
    text = made.get_data(as_text=True)
    key = re.search(r'id="new-key">([^<]+)<', text).group(1)
    secret = re.search(r'id="new-secret">([^<]+)<', text).group(1)
    tool = XAPIClient(app.test_client(), auth_header(key, secret), version="2.0.0")
    assert tool.post("/xapi/statements", json=statement(account("ann"))).status_code == 200
    assert tool.get("/xapi/statements").status_code == 403


def _personal_key(app, person):
    from lrs.auth.personal import create_personal_key

    credential, secret = create_personal_key(app.extensions["lrs"].store, app.extensions["lrs"].config, person, "t")
    return credential.key, secret
