"""End to end: `lrs init` and `lrs serve` as an operator runs them (Granian, several
workers on one SQLite file), spoken to over real HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import statement
from tests.e2e.server import LRS, running_server

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


def _refused(url: str, seconds: float = 15.0) -> bool:
    """Whether the port stops answering within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
        except requests.ConnectionError:
            return True
        except requests.Timeout:
            pass
        time.sleep(0.2)
    return False


def _workers_of(pid: int) -> list[int]:
    children = f"/proc/{pid}/task/{pid}/children"
    with open(children) as listed:
        return [int(p) for p in listed.read().split()]


def _gone(pids: list[int], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(os.path.exists(f"/proc/{p}") and "zombie" not in _state(p) for p in pids):
            return True
        time.sleep(0.2)
    return False


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(line for line in status if line.startswith("State:")).lower()
    except (OSError, StopIteration):
        return "gone"


@pytest.mark.parametrize("signal_name", ["SIGQUIT", "SIGKILL"])
def test_the_workers_end_with_the_main_process(tmp_path, signal_name):
    """SIGQUIT stops at once (as gunicorn's quick shutdown did); after SIGKILL or a crash of the main
    process no worker is left serving the port on its own."""
    with running_server(tmp_path / "home") as server:
        workers = _workers_of(server.process.pid)
        assert len(workers) == 2
        server.process.send_signal(getattr(signal, signal_name))
        server.process.wait(timeout=15)
        assert _gone(workers), f"workers {workers} outlived the main process"
        assert _refused(f"{server.url}/xapi/about")
