"""A real server: `lrs init` and `lrs serve` (gunicorn, several workers on one SQLite file)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

LRS = str(Path(sys.executable).parent / "lrs")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("lrs-home")
    port = free_port()
    env = {**os.environ, "LRS_HOME": str(home), "LRS_PORT": str(port)}
    env.pop("LRS_STORE", None)
    info = json.loads(subprocess.run([LRS, "init", "--json"], env=env, check=True, capture_output=True,
                                     text=True).stdout)
    proc = subprocess.Popen([LRS, "serve", "--workers", "3"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/xapi"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if requests.get(f"{base}/about", timeout=5).status_code == 200:
                break
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the server did not start: " + proc.stdout.read().decode())
    session = requests.Session()
    session.auth = (info["credential"]["key"], info["credential"]["secret"])
    session.headers["X-Experience-API-Version"] = "1.0.3"
    yield base, session, home
    proc.terminate()
    proc.wait(timeout=15)


