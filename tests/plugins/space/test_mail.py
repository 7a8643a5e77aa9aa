"""Verifying a claimed address by mail, through a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from aiosmtpd.controller import Controller

from lrs.app import create_app
from lrs.auth.personal import create_person
from tests.conftest import SECRET_KEY
from tests.e2e.server import free_port
from tests.plugins.space.conftest import PASSWORD, Browser


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message.get_content()))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def test_claimed_address_is_verified_by_the_link_in_the_mail(tmp_path, smtp):
    inbox, port = smtp
    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "load_plugins": ("space",), "smtp_url": f"smtp://127.0.0.1:{port}"})
    store = app.extensions["lrs"].store
    ann = create_person(store, app.extensions["lrs"].config, "ann", PASSWORD)
    b = Browser(app).signin("ann")
    page = b.post("/space/identities", {"kind": "mbox", "email": "ann@example.org"}, token_from="/space/identities")
    assert "We sent a link to ann@example.org" in page.get_data(as_text=True)
    [(recipients, text)] = inbox.messages
    assert recipients == ["ann@example.org"]
    link = re.search(r"http://\S+/space/identities/verify\?token=\S+", text).group(0)
    assert store.identity_owner("Agent|mbox|mailto:ann@example.org") is None
    path = link.split("127.0.0.1:8080", 1)[1]  # no LRS_PUBLIC_URL: the configured host and port
    landing = b.get(path)  # opening the link only shows a page (mail scanners open links)
    assert landing.status_code == 200 and ">Confirm<" in landing.get_data(as_text=True)
    assert store.identity_owner("Agent|mbox|mailto:ann@example.org") is None
    token = path.split("token=", 1)[1]
    confirmed = b.post("/space/identities/verify", {"token": token}, token_from=path)
    assert confirmed.status_code == 200 and "confirmed" in confirmed.get_data(as_text=True)
    assert store.identity_owner("Agent|mbox|mailto:ann@example.org") == ann.id
    assert b.post("/space/identities/verify", {"token": token}, token_from="/space/identities").status_code == 404
    assert Browser(app).get("/space/identities/verify?token=forged").status_code == 404


def test_without_mail_an_admin_verifies(tmp_path):
    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "load_plugins": ("space",)})
    create_person(app.extensions["lrs"].store, app.extensions["lrs"].config, "ann", PASSWORD)
    b = Browser(app).signin("ann")
    page = b.post("/space/identities", {"kind": "mbox", "email": "ann@example.org"}, token_from="/space/identities")
    assert "An administrator verifies it" in page.get_data(as_text=True)
