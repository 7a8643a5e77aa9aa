"""Start a real Learnfolio server (`lrs init`, `lrs serve`: Granian, several workers) for a test."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

LRS = str(Path(sys.executable).parent / "lrs")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServer:
    url: str            # http://127.0.0.1:PORT
    home: Path
    first_login: dict   # what `lrs init --json` printed
    process: subprocess.Popen
    env: dict

    @property
    def xapi(self) -> str:
        return self.url + "/xapi"


@contextlib.contextmanager
def running_server(home: Path, *, workers: int = 2, env: dict | None = None, port: int | None = None):
    port = port or free_port()
    extra = env or {}
    env = {**os.environ, "LRS_HOME": str(home), "LRS_PORT": str(port), **extra}
    if "LRS_STORE" not in extra:
        env.pop("LRS_STORE", None)
    if "LRS_LOAD_PLUGINS" not in extra:  # a real server loads every installed plugin
        env.pop("LRS_LOAD_PLUGINS", None)
    # the people's account homePage the tests' actors name (lrs init would derive one from the address)
    env.setdefault("LRS_PEOPLE_HOME_PAGE", "https://learnfolio.example/people")
    info = json.loads(subprocess.run([LRS, "init", "--json"], env=env, check=True, capture_output=True,
                                     text=True).stdout)
    proc = subprocess.Popen([LRS, "serve", "--workers", str(workers)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if requests.get(f"{url}/xapi/about", timeout=5).status_code == 200:
                break
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("the server did not start: " + proc.stdout.read().decode())
    try:
        yield RunningServer(url, home, info, proc, env)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
