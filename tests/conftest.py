"""flaskr-style fixtures: each test app has its own data folder and plugin manager."""

from __future__ import annotations

import base64

import pytest
from click.testing import CliRunner

from lrs.access import Access
from lrs.app import create_app
from lrs.auth.credentials import Credential, hash_secret, tool_authority

SECRET_KEY = "test-secret-key"


#: what makes a test slow: a real server, a browser, another process, a long soak
_SLOW_MARKS = ("running_server", "sync_playwright", "launch_persistent_context", "subprocess.", "tests.soak",
               "Popen", "make_person(")


def pytest_collection_modifyitems(config, items):
    """Mark slow tests (``pytest -m "not slow"`` is the quick loop; ``make test`` runs everything): a test
    is slow when its module starts real servers, browsers or other processes, or it is in tests/e2e."""
    sources: dict = {}
    for item in items:
        path = item.path
        if path not in sources:
            text = path.read_text()
            sources[path] = "/e2e/" in str(path) or any(mark in text for mark in _SLOW_MARKS)
        if sources[path]:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def only_named_plugins(monkeypatch):
    """Test apps load the built-in plugins and only the entry-point plugins a test names
    (``make_app(load=…)``, ``load_plugins``); real servers started by tests load every plugin."""
    monkeypatch.setenv("LRS_LOAD_PLUGINS", "")


def make_app(home, *, plugins=(), load=(), **config):
    """An app in ``home`` with the entry-point plugins named in ``load`` and the plugin objects ``plugins``."""
    return create_app({"home": home, "secret_key": SECRET_KEY, "load_plugins": tuple(load), **config},
                      plugins=plugins)


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def store(app):
    return app.extensions["lrs"].store


def add_credential(store, *, key="tool", secret="s3cret", scopes=("all",), name="test tool", person_id=None):
    store.add_credential(Credential(
        key=key, name=name, scopes=tuple(scopes), authority=tool_authority(key, name), person_id=person_id,
        created="2026-01-01T00:00:00+00:00", secret_hash=hash_secret(secret, SECRET_KEY),
    ))
    return auth_header(key, secret)


def auth_header(key: str, secret: str) -> dict:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class XAPIClient:
    """A test client that sends the xAPI version header and credentials by default."""

    def __init__(self, client, headers, version="1.0.3"):
        self.client = client
        self.headers = headers
        self.version = version

    def _headers(self, extra):
        headers = {"X-Experience-API-Version": self.version, **self.headers}
        headers.update(extra or {})
        return {k: v for k, v in headers.items() if v is not None}

    def open(self, method, path, *, headers=None, **kwargs):
        return self.client.open(path, method=method, headers=self._headers(headers), **kwargs)

    def get(self, path, **kw):
        return self.open("GET", path, **kw)

    def head(self, path, **kw):
        return self.open("HEAD", path, **kw)

    def post(self, path, **kw):
        return self.open("POST", path, **kw)

    def put(self, path, **kw):
        return self.open("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.open("DELETE", path, **kw)


@pytest.fixture
def client(app, store):
    return XAPIClient(app.test_client(), add_credential(store))


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("LRS_HOME", str(tmp_path))
    monkeypatch.delenv("LRS_STORE", raising=False)
    return CliRunner()


def statement(**overrides) -> dict:
    """A small valid statement; keyword arguments replace its top-level properties."""
    body = {
        "actor": {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": "http://example.org/activities/reading",
                   "definition": {"name": {"en-US": "Reading", "fr": "Lecture"}}},
    }
    body.update(overrides)
    return body


#: what tests read stores with when they check what is stored (the operator's reach: everything)
EVERYTHING = Access.operator().reach()
