"""A real Learnfolio server for the connectors, which can be stopped and started again (offline tests)."""

from __future__ import annotations

import json
import os
import signal
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


class LiveServer:
    """`lrs serve` on a free port, over a store made by `lrs init`."""

    def __init__(self, home: Path):
        self.port = free_port()
        self.env = {**os.environ, "LRS_HOME": str(home), "LRS_PORT": str(self.port)}
        self.env.pop("LRS_STORE", None)
        # the people's account homePage the tests' actors name (lrs init would derive one from the address)
        self.env.setdefault("LRS_PEOPLE_HOME_PAGE", "https://learnfolio.example/people")
        self.endpoint = f"http://127.0.0.1:{self.port}/xapi/"
        self.process = None
        first = json.loads(self.lrs("init", "--json"))["credential"]
        self.admin_credential = (first["key"], first["secret"])

    def lrs(self, *args: str) -> str:
        return subprocess.run([LRS, *args], env=self.env, check=True, capture_output=True, text=True).stdout

    def credential(self, name: str, *args: str) -> tuple[str, str]:
        made = json.loads(self.lrs("credentials", "create", "--name", name, "--json", *args))
        return made["key"], made["secret"]

    def personal_key(self, username: str, agent: dict) -> tuple[str, str]:
        """A person with a verified identity and a personal key for them (what "My keys" hands
        out): it writes only statements whose actor is that person."""
        from lrs.app import open_store
        from lrs.auth.passwords import hash_password, new_password
        from lrs.config import Config
        from lrs.plugins import get_plugin_manager

        config = Config.from_env({"home": self.env["LRS_HOME"]})
        store = open_store(config, get_plugin_manager(config))
        try:
            person = store.add_person(username, hash_password(new_password()))
            store.add_identity(person.id, agent, verified_by="test")
        finally:
            store.close()
        return self.credential(f"{username}'s key", "--person", username)

    def start(self) -> None:
        self.process = subprocess.Popen([LRS, "serve", "--workers", "2", "--threads", "2"], env=self.env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90  # a loaded machine (tests/e2e/conftest.py waits as long)
        while time.monotonic() < deadline:
            try:
                if requests.get(self.endpoint + "about", timeout=5).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        self.process.kill()
        pytest.fail("the server did not start: " + self.process.stdout.read().decode())

    def stop(self) -> None:
        """Stop at once, the way a server goes away (a quick shutdown, no graceful wait)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGQUIT)
            self.process.wait(timeout=15)
            self.process = None

    def session(self, credential=None) -> requests.Session:
        session = requests.Session()
        session.auth = credential or self.admin_credential
        session.headers["X-Experience-API-Version"] = "1.0.3"
        return session

    def statements(self, **params) -> list[dict]:
        """Every statement matching the query, following `more` links."""
        session = self.session()
        if "agent" in params and not isinstance(params["agent"], str):
            params["agent"] = json.dumps(params["agent"])
        answer = session.get(self.endpoint + "statements", params={"limit": 1000, **params}, timeout=30)
        answer.raise_for_status()
        found = answer.json()["statements"]
        while answer.json().get("more"):
            answer = session.get(f"http://127.0.0.1:{self.port}{answer.json()['more']}", timeout=30)
            answer.raise_for_status()
            found += answer.json()["statements"]
        return found


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("connectors-lrs"))
    server.start()
    yield server
    server.stop()
