"""What the security tests share: a real SMTP server on loopback, people put straight into a
running server's store, and a browser-like HTTP client that keeps cookies, reads each form's CSRF
token and can connect from a chosen loopback address (so a real server sees several clients)."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller
from requests.adapters import HTTPAdapter

from lrs.auth.personal import create_person
from lrs.config import Config
from lrs.store.sqlite import SQLiteStore
from tests.e2e.server import free_port
from tests.plugins.space.conftest import browser, people, space_app, space_store  # noqa: F401 (fixtures)

PASSWORD = "a-long-password-1"


class Inbox:
    """What the SMTP server received: (recipients, text) of each message."""

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


def add_people(home: Path, *names: str, admin: str | None = None) -> dict:
    """People in the SQLite store of a server running on ``home`` (the workers read the same file)."""
    store = SQLiteStore(home / "lrs.sqlite3")
    try:
        return {name: create_person(store, Config(home=home), name, PASSWORD, is_admin=(name == admin))
                for name in names}
    finally:
        store.close()


class _FromAddress(HTTPAdapter):
    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Web:
    """A browser on a real server: cookies, CSRF tokens from forms, no redirects followed."""

    def __init__(self, url: str, address: str = "127.0.0.1"):
        self.url = url
        self.address = address
        self.session = requests.Session()
        self.session.mount("http://", _FromAddress(address))

    def get(self, path: str, **kw) -> requests.Response:
        return self.session.get(self.url + path, allow_redirects=False, timeout=60, **kw)

    def token(self, path: str = "/space/signin") -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', self.get(path).text).group(1)

    def post(self, path: str, data: dict | None = None, *, token_from: str = "/space/signin",
             token: str | None = None, **kw) -> requests.Response:
        data = {"csrf_token": token or self.token(token_from), **(data or {})}
        headers = kw.pop("headers", {})
        if "Host" in headers:  # requests would then pick cookies by that host: send ours as they are
            headers["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)
        kw["headers"] = headers
        return self.session.post(self.url + path, data=data, allow_redirects=False, timeout=60, **kw)

    def signin(self, username: str, password: str = PASSWORD) -> "Web":
        response = self.post("/space/signin", {"username": username, "password": password})
        assert response.status_code == 302, response.text
        return self
