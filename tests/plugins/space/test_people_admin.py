"""The people page, invitations that verify an address, the actor and curl line people are shown,
and ``lrs people`` (the security rules of people admin are tests/security/test_people_admin.py)."""

from __future__ import annotations

import email
import email.policy
import html
import json
import re
import shlex
import subprocess

import pytest
import requests
from aiosmtpd.controller import Controller

from lrs.auth.personal import create_person
from tests.conftest import XAPIClient, auth_header, make_app
from tests.e2e.server import LRS, free_port, running_server
from tests.plugins.space.conftest import PASSWORD, Browser
from tests.security.realserver import make_person

PUBLIC_URL = "https://lrs.example.org"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message["Subject"], message.get_content()))
        return "250 OK"


@pytest.fixture
def inbox():
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.url = f"smtp://127.0.0.1:{controller.port}"
    yield box
    controller.stop()


@pytest.fixture
def site(tmp_path, inbox):
    app = make_app(tmp_path, load=("space",), public_url=PUBLIC_URL, smtp_url=inbox.url)
    lrs = app.extensions["lrs"]
    people = {name: create_person(lrs.store, lrs.config, name, PASSWORD, is_admin=(name == "admin"))
              for name in ("admin", "ann", "bob")}
    return app, lrs.store, people


def invitation_link(admin: Browser, address: str) -> str:
    page = admin.post("/space/admin", {"email": address}, token_from="/space/admin").get_data(as_text=True)
    return re.search(r'<code id="invite-link">([^<]+)</code>', page).group(1)


def test_signing_up_through_an_invitation_verifies_the_invited_address(site):
    app, store, _ = site
    admin = Browser(app).signin("admin")
    token = invitation_link(admin, "cat@example.org").split("invite=")[1]
    cat = Browser(app)
    made = cat.post(f"/space/signup?invite={token}", {"invite": token, "username": "cat", "password": PASSWORD,
                                                     "password2": PASSWORD}, token_from=f"/space/signup?invite={token}")
    assert made.status_code == 302
    person = store.get_person("cat")
    assert store.identity_owner("Agent|mbox|mailto:cat@example.org") == person.id
    assert person.email == "cat@example.org"
    # a tool statement with that address is in her record at once: no admin step
    tool = XAPIClient(app.test_client(), _tool_key(app), version="2.0.0")
    sent = {"actor": {"mbox": "mailto:cat@example.org"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": "https://example.org/course/safety", "definition": {"name": {"en": "Safety at work"}}}}
    assert tool.post("/xapi/statements", json=sent).status_code == 200
    assert "Safety at work" in cat.get("/space/").get_data(as_text=True)


def test_an_invitation_to_an_address_someone_holds_leaves_it_a_claim(site):
    app, store, people = site
    store.add_identity(people["ann"].id, {"mbox": "mailto:shared@example.org"}, verified_by="admin:test")
    token = invitation_link(Browser(app).signin("admin"), "shared@example.org").split("invite=")[1]
    Browser(app).post(f"/space/signup?invite={token}", {"invite": token, "username": "dan", "password": PASSWORD,
                                                        "password2": PASSWORD}, token_from=f"/space/signup?invite={token}")
    dan = store.get_person("dan")
    assert store.identity_owner("Agent|mbox|mailto:shared@example.org") == people["ann"].id
    assert [i.verified for i in store.list_identities(dan.id) if "mbox" in i.agent] == [False]


def _tool_key(app):
    from tests.conftest import add_credential

    return add_credential(app.extensions["lrs"].store, key="lms", secret="lms-secret", scopes=("statements/write",))


def test_my_keys_shows_the_actor_and_a_curl_line_that_works(site):
    app, store, people = site
    store.add_identity(people["ann"].id, {"mbox": "mailto:ann@example.org"}, verified_by="admin:test")
    ann = Browser(app).signin("ann")
    page = ann.post("/space/keys", {"name": "my quiz app"}, token_from="/space/keys").get_data(as_text=True)
    actors = [json.loads(html.unescape(a)) for a in re.findall(r'<code class="actor-json">(.*?)</code>', page, re.S)]
    assert actors[0] == {"objectType": "Agent", "name": "ann", "mbox": "mailto:ann@example.org"}
    assert {"objectType": "Agent", "name": "ann",
            "account": {"homePage": "https://learnfolio.example/people", "name": "ann"}} in actors
    assert f"<code id=\"xapi-endpoint\">{PUBLIC_URL}/xapi/</code>" in page
    curl = shlex.split(html.unescape(re.search(r'<code id="new-curl">(.*?)</code>', page, re.S).group(1)))
    assert curl[0] == "curl" and curl[-1] == f"{PUBLIC_URL}/xapi/statements"
    key, secret = curl[curl.index("-u") + 1].split(":")
    body = json.loads(curl[curl.index("-d") + 1])
    # what the line sends, sent to this LRS: accepted, and in ann's record
    client = XAPIClient(app.test_client(), auth_header(key, secret), version="1.0.3")
    assert client.post("/xapi/statements", json=body).status_code == 200
    assert "A first test from my tool" in ann.get("/space/").get_data(as_text=True)
    identities = ann.get("/space/identities").get_data(as_text=True)
    assert identities.count('class="actor-json"') == 2 and "curl -u" in identities


def test_the_people_page_lists_what_an_administrator_needs(site):
    app, store, people = site
    Browser(app).signin("ann")
    store.add_identity(people["bob"].id, {"mbox": "mailto:bob@example.org"})
    page = Browser(app).signin("admin").get("/space/admin/people").get_data(as_text=True)
    rows = {name: re.search(rf'<th scope="row">{name}.*?</tr>', page, re.S).group(0) for name in ("admin", "ann", "bob")}
    assert "never" not in rows["ann"] and "never" in rows["bob"]  # last sign-in
    assert "administrator" in rows["admin"] and "administrator" not in rows["ann"].replace("Make administrator", "")
    assert "mailto:bob@example.org" in rows["bob"] and "(waiting)" in rows["bob"]
    assert people["ann"].created[:10] in rows["ann"]


def test_revoking_an_invitation_and_rejecting_a_claim(site):
    app, store, people = site
    admin = Browser(app).signin("admin")
    token = invitation_link(admin, "eve@example.org").split("invite=")[1]
    page = admin.get("/space/admin").get_data(as_text=True)
    assert "for <strong>eve@example.org</strong>, by admin" in page
    action = re.search(r'action="(/space/admin/invitations/[^"]+/revoke)"', page).group(1)
    assert admin.post(action, token_from="/space/admin").status_code == 302
    assert Browser(app).get(f"/space/signup?invite={token}").status_code == 403

    store.add_identity(people["bob"].id, {"mbox": "mailto:not-bobs@example.org"})
    assert admin.post("/space/admin/reject", {"person_id": str(people["bob"].id),
                                              "key": "Agent|mbox|mailto:not-bobs@example.org"},
                      token_from="/space/admin").status_code == 302
    assert store.list_identities(people["bob"].id, verified=False) == []


def test_tool_keys_are_made_listed_and_revoked_on_the_page(site):
    app, store, _ = site
    admin = Browser(app).signin("admin")
    made = admin.post("/space/admin/credentials", {"name": "the LMS", "scope": ["statements/write",
                                                                               "statements/read/mine"]},
                      token_from="/space/admin").get_data(as_text=True)
    key = re.search(r'id="new-key">([^<]+)<', made).group(1)
    secret = re.search(r'id="new-secret">([^<]+)<', made).group(1)
    assert store.get_credential(key).scopes == ("statements/write", "statements/read/mine")
    assert f"<code>{key}</code>" in admin.get("/space/admin").get_data(as_text=True)
    client = XAPIClient(app.test_client(), auth_header(key, secret), version="2.0.0")
    assert client.get("/xapi/statements").status_code == 200  # its own, none yet
    assert admin.post(f"/space/admin/credentials/{key}/revoke", token_from="/space/admin").status_code == 302
    assert client.get("/xapi/statements").status_code == 401


def test_removal_erases_the_person_and_tells_them(site, inbox):
    app, store, people = site
    store.add_identity(people["bob"].id, {"mbox": "mailto:bob@example.org"}, verified_by="admin:test")
    admin = Browser(app).signin("admin")
    done = admin.post(f"/space/admin/people/{people['bob'].id}", {"action": "remove"}, token_from="/space/admin")
    assert done.status_code == 302
    assert store.get_person("bob") is None and store.identity_owner("Agent|mbox|mailto:bob@example.org") is None
    [(to, subject, text)] = inbox.messages
    assert to == ["bob@example.org"] and "removed" in subject and "bob" in text


def test_an_administrator_sends_a_reset_link_only_to_the_person(site, inbox):
    app, store, people = site
    store.add_identity(people["ann"].id, {"mbox": "mailto:ann@example.org"}, verified_by="admin:test")
    admin = Browser(app).signin("admin")
    done = admin.post(f"/space/admin/people/{people['ann'].id}", {"action": "send-reset"}, token_from="/space/admin")
    assert done.status_code == 302
    page = admin.get(done.location).get_data(as_text=True)
    assert "mailed" in page and "/space/password/reset" not in page  # the admin never sees the link
    [(to, _, text)] = inbox.messages
    assert to == ["ann@example.org"] and f"{PUBLIC_URL}/space/password/reset?token=" in text
    nowhere = admin.post(f"/space/admin/people/{people['bob'].id}", {"action": "send-reset"}, token_from="/space/admin")
    assert nowhere.status_code == 409 and "lrs people reset-password bob" in nowhere.get_data(as_text=True)


def test_passwords_off_leaves_only_the_providers(tmp_path):
    app = make_app(tmp_path, load=("space",), passwords=False)
    create_person(app.extensions["lrs"].store, app.extensions["lrs"].config, "ann", PASSWORD)
    browser = Browser(app)
    page = browser.get("/space/signin").get_data(as_text=True)
    assert 'name="password"' not in page
    import hashlib
    import hmac

    from tests.conftest import SECRET_KEY

    visitor = browser.client.get_cookie("lf_visitor", path="/space").value  # no form to read a token from
    token = hmac.new(SECRET_KEY.encode(), f"csrf|{visitor}".encode(), hashlib.sha256).hexdigest()
    refused = browser.client.post("/space/signin", data={"csrf_token": token, "username": "ann",
                                                          "password": PASSWORD})
    assert refused.status_code == 403 and "turned off" in refused.get_data(as_text=True)
    assert browser.get("/space/password/forgot").status_code == 403


def test_the_operator_hands_over_a_reset_link(tmp_path):
    with running_server(tmp_path, workers=1, env={"LRS_PUBLIC_URL": "http://127.0.0.1:1"}) as server:
        make_person(server, "ann")
        out = subprocess.run([LRS, "people", "reset-password", "ann"], env=server.env, check=True,
                             capture_output=True, text=True).stdout
        link = re.search(r"http://127\.0\.0\.1:1(/space/password/reset\?token=\S+)", out).group(1)
        session = requests.Session()
        page = session.get(server.url + link, timeout=10)
        assert page.status_code == 200 and "Choose a new password for ann" in page.text
        fields = dict(re.findall(r'name="(csrf_token|token)" value="([^"]+)"', page.text))
        changed = session.post(server.url + "/space/password/reset",
                               data={**fields, "new": "handed-over-password", "new2": "handed-over-password"},
                               timeout=10)
        assert changed.status_code == 200 and "changed" in changed.text
        signin = requests.Session()
        token = re.search(r'name="csrf_token" value="([^"]+)"', signin.get(server.url + "/space/signin").text).group(1)
        assert signin.post(server.url + "/space/signin", data={"csrf_token": token, "username": "ann",
                                                               "password": "handed-over-password"},
                           allow_redirects=False, timeout=10).status_code == 302
        listed = json.loads(subprocess.run([LRS, "people", "list", "--json"], env=server.env, check=True,
                                           capture_output=True, text=True).stdout)
        assert [p["username"] for p in listed] == ["admin", "ann"] and listed[1]["last_sign_in"]
        last = subprocess.run([LRS, "people", "unmake-admin", "admin"], env=server.env, capture_output=True,
                              text=True)
        assert last.returncode != 0 and "last administrator" in last.stderr
