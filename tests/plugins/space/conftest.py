"""A space app with people, and a browser-like client that keeps cookies and sends CSRF tokens."""

from __future__ import annotations

import re

import pytest

from lrs.app import create_app
from lrs.auth.personal import create_person
from tests.conftest import SECRET_KEY

PASSWORD = "a-long-password-1"


class Browser:
    """Flask's test client with a cookie jar, reading the CSRF token from each form page."""

    def __init__(self, app):
        self.client = app.test_client()

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def token(self, path="/space/signin"):
        page = self.client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def post(self, path, data=None, *, token_from=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from or "/space/signin"))
        return self.client.post(path, data=data, **kw)

    def signin(self, username, password=PASSWORD):
        response = self.post("/space/signin", {"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return self


@pytest.fixture
def space_app(tmp_path):
    return create_app({"home": tmp_path, "secret_key": SECRET_KEY, "load_plugins": ("space", "cpd", "cpd_nursing", "chat")})


@pytest.fixture
def space_store(space_app):
    return space_app.extensions["lrs"].store


@pytest.fixture
def people(space_app, space_store):
    config = space_app.extensions["lrs"].config
    return {name: create_person(space_store, config, name, PASSWORD, is_admin=(name == "admin"))
            for name in ("admin", "ann", "bob")}


@pytest.fixture
def browser(space_app):
    return lambda: Browser(space_app)
