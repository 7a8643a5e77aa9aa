"""Rule 6: links in mail come from the configured public URL, never from the request's Host header,
and a mailed confirmation link verifies nothing until the signed-in claimant presses Confirm.

Against a real server and a real SMTP server (aiosmtpd) on loopback, except where the Flask test
client runs the same code (the fallback URL when none is configured)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from lrs.app import create_app
from lrs.auth.personal import create_person
from lrs.store.sqlite import SQLiteStore
from tests.conftest import SECRET_KEY
from tests.e2e.server import running_server
from tests.plugins.space.conftest import Browser
from tests.security.conftest import PASSWORD, Inbox, Web, add_people

PUBLIC_URL = "https://lrs.example.org"
ANN_KEY = "Agent|mbox|mailto:ann@example.org"


@pytest.fixture(scope="module")
def mailing_server(tmp_path_factory):
    from aiosmtpd.controller import Controller

    from tests.e2e.server import free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    home = tmp_path_factory.mktemp("mailed-links")
    env = {"LRS_SMTP_URL": f"smtp://127.0.0.1:{controller.port}", "LRS_PUBLIC_URL": PUBLIC_URL}
    try:
        with running_server(home, workers=2, env=env) as server:
            add_people(home, "ann", "bob", "cat")
            yield server, inbox
    finally:
        controller.stop()


def owner(server, key):
    store = SQLiteStore(server.home / "lrs.sqlite3")
    try:
        return store.identity_owner(key)
    finally:
        store.close()


def person_id(server, username):
    store = SQLiteStore(server.home / "lrs.sqlite3")
    try:
        return store.get_person(username).id
    finally:
        store.close()


def mailed_link(inbox, address):
    [text] = [text for to, text in inbox.messages if to == [address]]
    return re.search(r"\S+/space/identities/verify\S*", text).group(0), text


def from_host(b: Browser, host: str) -> Browser:
    """The test client picks cookies by the Host header: give it this browser's for ``host`` too."""
    for name in ("lf_visitor", "lf_session"):
        cookie = b.client.get_cookie(name, path="/space")
        if cookie is not None:
            b.client.set_cookie(name, cookie.value, domain=host, path="/space")
    return b


def test_the_mailed_link_is_on_the_public_url_whatever_the_host_header(mailing_server):
    server, inbox = mailing_server
    cat = Web(server.url).signin("cat")
    token = cat.token("/space/identities")
    claimed = cat.post("/space/identities", {"kind": "mbox", "email": "cat@example.org"}, token=token,
                       headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    assert claimed.status_code == 200, claimed.text
    link, text = mailed_link(inbox, "cat@example.org")
    assert link.startswith(PUBLIC_URL + "/space/identities/verify?token="), link
    assert "evil.example" not in text


def test_opening_the_link_verifies_nothing_until_the_claimant_confirms(mailing_server):
    server, inbox = mailing_server
    ann, bob = Web(server.url).signin("ann"), Web(server.url).signin("bob")
    assert ann.post("/space/identities", {"kind": "mbox", "email": "ann@example.org"},
                    token_from="/space/identities").status_code == 200
    link, _ = mailed_link(inbox, "ann@example.org")
    path = "{0.path}?{0.query}".format(urlsplit(link))

    # a mail scanner (no session) and the claimant herself open the link: a page, nothing verified
    scanner = Web(server.url)
    for visitor in (scanner, ann, bob):
        page = visitor.get(path)
        assert page.status_code == 200, page.text
        assert owner(server, ANN_KEY) is None
    page = ann.get(path).text
    confirm = [form for form in re.findall(r"<form method=\"post\".*?</form>", page, re.S) if ">Confirm<" in form]
    assert len(confirm) == 1, page
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', confirm[0]))
    fields.pop("csrf_token")
    action = re.search(r'action="([^"]+)"', confirm[0]).group(1)

    # anyone else pressing Confirm with that link (a scanner, another signed-in person) verifies nothing
    assert scanner.post(action, fields).status_code in (302, 403)
    refused = bob.post(action, fields, token_from=path)
    assert refused.status_code == 403, refused.text
    assert owner(server, ANN_KEY) is None
    # the claimant's Confirm does
    confirmed = ann.post(action, fields, token_from=path)
    assert confirmed.status_code == 200 and "confirmed" in confirmed.text
    assert owner(server, ANN_KEY) == person_id(server, "ann")
    # once
    assert ann.post(action, fields, token_from="/space/identities").status_code == 404


def test_a_get_of_a_forged_or_used_link_is_not_found(mailing_server):
    server, _ = mailing_server
    assert Web(server.url).get("/space/identities/verify?token=forged").status_code == 404


def test_without_a_public_url_links_use_the_configured_host_and_port(tmp_path, smtp):
    inbox, port = smtp
    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "load_plugins": ("space",), "smtp_url": f"smtp://127.0.0.1:{port}",
                      "host": "127.0.0.1", "port": 8123})
    create_person(app.extensions["lrs"].store, app.extensions["lrs"].config, "ann", PASSWORD)
    b = from_host(Browser(app).signin("ann"), "evil.example")
    b.post("/space/identities", {"kind": "mbox", "email": "ann@example.org"}, token_from="/space/identities",
           headers={"Host": "evil.example"})
    link, text = mailed_link(inbox, "ann@example.org")
    assert link.startswith("http://127.0.0.1:8123/space/identities/verify?token="), link
    assert "evil.example" not in text


def test_invitation_links_are_on_the_public_url_too(tmp_path):
    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "load_plugins": ("space",), "public_url": PUBLIC_URL})
    create_person(app.extensions["lrs"].store, app.extensions["lrs"].config, "admin", PASSWORD, is_admin=True)
    admin = from_host(Browser(app).signin("admin"), "evil.example")
    page = admin.post("/space/admin", {"email": "cat@example.org"}, token_from="/space/admin",
                      headers={"Host": "evil.example"}).get_data(as_text=True)
    link = re.search(r'<code id="invite-link">([^<]+)</code>', page).group(1)
    assert link.startswith(PUBLIC_URL + "/space/signup?invite="), link


def test_a_public_url_that_is_not_an_origin_is_refused_at_start(tmp_path):
    for bad in ("lrs.example.org", "ftp://lrs.example.org", "https://lrs.example.org/space?x=1",
                "https://", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="LRS_PUBLIC_URL"):
            create_app({"home": tmp_path, "secret_key": SECRET_KEY, "load_plugins": ("space",), "public_url": bad})
