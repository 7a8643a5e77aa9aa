"""Rule 23: a password reset token is one-time, short-lived and single-use, and asking for one tells
no one whether an address has an account here.

Against a real server (lrs serve, 2 workers) and a real SMTP server (aiosmtpd) on loopback: the
person asks on "Forgot password", the mail's link is on LRS_PUBLIC_URL whatever the Host header,
the new password works and ends every other session; the same link is refused a second time
and after it expired (its expiry moved into the past in the store file the server reads, not by
waiting); an unknown or unverified address gets the same answer and no mail."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest

from lrs.store.sqlite import SQLiteStore
from tests.e2e.server import free_port, running_server
from tests.security.conftest import PASSWORD, Inbox, Web, add_people

PUBLIC_URL = "https://lrs.example.org"
NEW_PASSWORD = "a-brand-new-password-2"


@pytest.fixture(scope="module")
def mailing_server(tmp_path_factory):
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    home = tmp_path_factory.mktemp("reset")
    env = {"LRS_SMTP_URL": f"smtp://127.0.0.1:{controller.port}", "LRS_PUBLIC_URL": PUBLIC_URL}
    try:
        with running_server(home, workers=2, env=env) as server:
            people = add_people(home, "ann", "bob", "cat", "dan")
            store = SQLiteStore(home / "lrs.sqlite3")
            for name, verified in (("ann", True), ("bob", True), ("cat", True), ("dan", False)):
                store.add_identity(people[name].id, {"mbox": f"mailto:{name}@example.org"},
                                   verified_by="admin:test" if verified else None)
            store.close()
            yield server, inbox
    finally:
        controller.stop()


def ask_for_reset(server, address: str, **kw):
    visitor = Web(server.url)
    return visitor.post("/space/password/forgot", {"email": address}, token_from="/space/password/forgot", **kw)


def reset_link(inbox, address: str) -> str:
    texts = [text for to, text in inbox.messages if to == [address]]
    assert texts, f"no mail to {address}"
    return re.search(r"\S+/space/password/reset\S*", texts[-1]).group(0)


def path_of(link: str) -> str:
    return "{0.path}?{0.query}".format(urlsplit(link))


def set_password(server, link: str, password: str = NEW_PASSWORD):
    visitor = Web(server.url)
    path = path_of(link)
    page = visitor.get(path)
    if page.status_code != 200:
        return page
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    return visitor.post("/space/password/reset", {"token": token, "new": password, "new2": password},
                        token_from=path)


def signs_in(server, username: str, password: str) -> bool:
    return Web(server.url).post("/space/signin", {"username": username, "password": password}).status_code == 302


def test_a_password_is_reset_by_mail_end_to_end(mailing_server):
    server, inbox = mailing_server
    elsewhere = Web(server.url).signin("ann")  # a session on another machine
    asked = ask_for_reset(server, "ann@example.org", headers={"Host": "evil.example"})
    assert asked.status_code == 200, asked.text
    link = reset_link(inbox, "ann@example.org")
    assert link.startswith(PUBLIC_URL + "/space/password/reset?token="), link
    done = set_password(server, link)
    assert done.status_code == 200 and "changed" in done.text, done.text
    assert signs_in(server, "ann", NEW_PASSWORD) and not signs_in(server, "ann", PASSWORD)
    assert elsewhere.get("/space/").status_code == 302  # every session ended: sent to sign in


def test_the_link_is_refused_on_second_use(mailing_server):
    server, inbox = mailing_server
    ask_for_reset(server, "bob@example.org")
    link = reset_link(inbox, "bob@example.org")
    assert set_password(server, link).status_code == 200
    second = set_password(server, link, "yet-another-password-3")
    assert second.status_code == 404 and "expired" in second.text
    assert signs_in(server, "bob", NEW_PASSWORD) and not signs_in(server, "bob", "yet-another-password-3")


def test_the_link_is_refused_after_it_expired(mailing_server):
    server, inbox = mailing_server
    ask_for_reset(server, "cat@example.org")
    link = reset_link(inbox, "cat@example.org")
    store = SQLiteStore(server.home / "lrs.sqlite3")
    [item] = [i for i in store.list_items("password-reset") if i.person_id == store.get_person("cat").id]
    past = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)).isoformat()
    store.put_item(type(item)(item.kind, item.item_id, item.person_id, {**item.body, "expires": past}))
    store.close()
    refused = set_password(server, link)
    assert refused.status_code == 404 and "expired" in refused.text
    assert signs_in(server, "cat", PASSWORD) and not signs_in(server, "cat", NEW_PASSWORD)


def test_the_answer_is_the_same_whether_or_not_the_address_is_someones(mailing_server):
    server, inbox = mailing_server
    before = len(inbox.messages)
    known = ask_for_reset(server, "ann@example.org")
    unknown = ask_for_reset(server, "nobody@example.org")
    unverified = ask_for_reset(server, "dan@example.org")  # claimed, never verified: not his to reset with
    answers = [re.sub(r'name="csrf_token" value="[^"]+"', "", r.text) for r in (known, unknown, unverified)]
    assert known.status_code == unknown.status_code == unverified.status_code == 200
    assert answers[0] == answers[1] == answers[2]
    assert [to for to, _ in inbox.messages[before:]] == [["ann@example.org"]]


def test_a_forged_token_is_not_found(mailing_server):
    server, _ = mailing_server
    assert Web(server.url).get("/space/password/reset?token=forged").status_code == 404
