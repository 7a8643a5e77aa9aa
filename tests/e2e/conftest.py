"""A real server for the end-to-end tests: `lrs init` and `lrs serve` (Granian, several workers on one SQLite file)."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.server import running_server


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("lrs-home"), workers=3) as running:
        session = requests.Session()
        session.auth = (running.first_login["credential"]["key"], running.first_login["credential"]["secret"])
        session.headers["X-Experience-API-Version"] = "1.0.3"
        yield running.xapi, session, running.home
