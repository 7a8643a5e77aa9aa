"""End to end: `lrs init` and `lrs serve` as an operator runs them (Granian, several
workers on one SQLite file), spoken to over real HTTP."""

from __future__ import annotations

import os
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.conftest import statement
from tests.e2e.server import LRS

def test_serves_on_the_port_from_LRS_PORT(server):
    base, session, _ = server
    about = requests.get(f"{base}/about").json()
    assert "1.0.3" in about["version"]


def test_concurrent_clients_across_workers_lose_nothing(server):
    base, session, home = server

    def send(n):
        batch = [statement(id=str(uuid.uuid4())) for _ in range(10)]
        response = session.post(f"{base}/statements", json=batch)
        assert response.status_code == 200, response.text
        return [s["id"] for s in batch]

    with ThreadPoolExecutor(8) as pool:
        sent = [i for ids in pool.map(send, range(40)) for i in ids]
    seen = []
    url = f"{base}/statements?limit=100"
    while url:
        page = session.get(url).json()
        seen += [s["id"] for s in page["statements"]]
        url = base.rsplit("/xapi", 1)[0] + page["more"] if page["more"] else None
    assert set(sent) <= set(seen)
    assert len(seen) == len(set(seen))
    check = subprocess.run([LRS, "check"], env={**os.environ, "LRS_HOME": str(home)}, capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_errors_over_http_are_json(server):
    base, session, _ = server
    response = session.post(f"{base}/statements", data="{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("the body is not valid JSON")
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
