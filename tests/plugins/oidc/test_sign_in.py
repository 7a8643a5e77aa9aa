"""lrs_oidc beyond its security rule (tests/security/test_oidc_sign_in.py): settings checked at
start, the admin group, invitations carried through the provider, connecting a provider account
to an account that exists, sign-out. Against the provider process of conftest.py (started with
subprocess.Popen)."""

from __future__ import annotations

import re

import pytest

from lrs import invite
from lrs.auth.personal import create_person
from tests.conftest import make_app
from tests.plugins.oidc.conftest import oidc_site, rogue, sign_in  # noqa: F401 (the provider's fixture)
from tests.plugins.space.conftest import PASSWORD, Browser

ACCOUNT = "Agent|account|{}|rogue-subject-1"


@pytest.mark.parametrize("setting, value, message", [
    ("oidc_issuer", "http://idp.example.org", "https"),
    ("oidc_algorithms", "RS256,none", "LRS_OIDC_ALGORITHMS"),
    ("oidc_algorithms", "HS256", "LRS_OIDC_ALGORITHMS"),
    ("oidc_accounts", "everyone", "LRS_OIDC_ACCOUNTS"),
    ("oidc_client_id", "", "LRS_OIDC_CLIENT_ID"),
])
def test_a_wrong_setting_stops_the_start(tmp_path, setting, value, message):
    config = {"oidc_issuer": "https://idp.example.org", "oidc_client_id": "lf", setting: value}
    with pytest.raises(ValueError, match=message):
        make_app(tmp_path, load=("space", "oidc"), **config)


def test_without_an_issuer_there_is_no_provider(tmp_path):
    app = make_app(tmp_path, load=("space", "oidc"))
    assert "organisation" not in Browser(app).get("/space/signin").get_data(as_text=True)
    assert Browser(app).get("/space/signin/oidc").status_code == 404


def test_the_admin_group_makes_and_unmakes_administrators_but_never_the_last(tmp_path, rogue):
    app, store = oidc_site(tmp_path, rogue, oidc_admin_group="lf-admins")
    assert sign_in(Browser(app), rogue, "good", {"groups": ["staff", "lf-admins"]}).status_code == 302
    rae = store.get_person("rae")
    assert rae.is_admin
    assert sign_in(Browser(app), rogue, "good", {"groups": ["staff"]}).status_code == 302
    assert store.get_person("rae").is_admin  # the only administrator stays one
    create_person(store, app.extensions["lrs"].config, "boss", PASSWORD, is_admin=True)
    assert sign_in(Browser(app), rogue, "good", {"groups": "staff"}).status_code == 302
    assert not store.get_person("rae").is_admin


def test_an_invitation_link_is_carried_through_the_provider(tmp_path, rogue):
    app, store = oidc_site(tmp_path, rogue, accounts="invite")
    admin = create_person(store, app.extensions["lrs"].config, "admin", PASSWORD, is_admin=True)
    token = invite(store, admin, "rae.private@example.net")
    browser = Browser(app)
    page = browser.get(f"/space/signup?invite={token}").get_data(as_text=True)
    start = re.search(r'href="(/space/signin/oidc\?invite=[^"]+)"', page).group(1).replace("&amp;", "&")
    assert sign_in(browser, rogue, "good", start=start).status_code == 302
    rae = store.get_person("rae")
    keys = {i.key for i in store.list_identities(rae.id, verified=True)}
    # the provider's verified address, its account, and the address the invitation reached
    assert {"Agent|mbox|mailto:rae@example.org", ACCOUNT.format(rogue),
            "Agent|mbox|mailto:rae.private@example.net"} <= keys
    assert store.list_items("invite") == []  # used up


def test_an_invitation_to_the_verified_address_admits_without_the_link(tmp_path, rogue):
    app, store = oidc_site(tmp_path, rogue, accounts="invite")
    admin = create_person(store, app.extensions["lrs"].config, "admin", PASSWORD, is_admin=True)
    invite(store, admin, "RAE@example.org")
    assert sign_in(Browser(app), rogue, "good").status_code == 302
    assert store.get_person("rae") is not None and store.list_items("invite") == []


def test_someone_signed_in_connects_their_provider_account(tmp_path, rogue):
    app, store = oidc_site(tmp_path, rogue, accounts="invite")
    ann = create_person(store, app.extensions["lrs"].config, "ann", PASSWORD)
    browser = Browser(app).signin("ann")
    page = browser.get("/space/identities").get_data(as_text=True)
    start = re.search(r'href="(/space/signin/oidc\?next=[^"]+)"', page).group(1).replace("&amp;", "&")
    done = sign_in(browser, rogue, "good", start=start)
    assert done.status_code == 302 and done.location == "/space/identities"
    assert store.identity_owner(ACCOUNT.format(rogue)) == ann.id
    assert store.identity_owner("Agent|mbox|mailto:rae@example.org") == ann.id
    assert [p.username for p in store.list_people()] == ["ann"]
    # from now on the provider signs her in, as ann
    other = Browser(app)
    assert sign_in(other, rogue, "good").status_code == 302
    assert "Signed in as <strong>ann</strong>" in other.get("/space/").get_data(as_text=True)


def test_a_username_taken_gets_a_number(tmp_path, rogue):
    app, store = oidc_site(tmp_path, rogue)
    create_person(store, app.extensions["lrs"].config, "rae", PASSWORD)
    assert sign_in(Browser(app), rogue, "good").status_code == 302
    assert [p.username for p in store.list_people()] == ["rae", "rae-2"]


def test_sign_out_ends_a_provider_session(tmp_path, rogue):
    app, store = oidc_site(tmp_path, rogue)
    browser = Browser(app)
    assert sign_in(browser, rogue, "good").status_code == 302
    assert browser.get("/space/").status_code == 200
    browser.post("/space/signout", token_from="/space/")
    assert browser.get("/space/").status_code == 302 and store.list_items("session") == []
