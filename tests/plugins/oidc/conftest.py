"""A misbehaving OpenID provider process (rogue_provider.py) and an app that signs in through it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import make_app
from tests.e2e.server import free_port
from tests.plugins.oidc.rogue_provider import CLIENT_ID, CLIENT_SECRET

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def rogue():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.plugins.oidc.rogue_provider", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if requests.get(url + "/jwks", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def oidc_site(tmp_path, rogue, accounts="just-in-time", **config):
    app = make_app(tmp_path, load=("space", "oidc"), oidc_issuer=rogue, oidc_client_id=CLIENT_ID,
                   oidc_client_secret=CLIENT_SECRET, oidc_accounts=accounts, **config)
    return app, app.extensions["lrs"].store


def sign_in(browser, rogue: str, mode: str, claims: dict | None = None, start: str = "/space/signin/oidc"):
    """Start at the LRS, let the provider answer as ``mode`` says, come back; the LRS's last answer."""
    assert requests.put(rogue + "/mode", json={"mode": mode, "claims": claims}, timeout=5).status_code == 204
    started = browser.get(start)
    assert started.status_code == 302 and started.location.startswith(rogue + "/authorize"), started.location
    answer = requests.get(started.location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return browser.get(f"{back.path}?{back.query}")
