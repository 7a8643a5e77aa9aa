"""The servers a benchmark measures: Learnfolio (`lrs serve`) and the peer (Ralph),
each started fresh in its own data folder on a loopback port, with what it costs
(CPU seconds, RSS, disk) read from the operating system."""

from __future__ import annotations

import abc
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
LRS = str(Path(sys.executable).parent / "lrs")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(abc.ABC):
    name = "server"
    xapi_path = "/xapi"

    def __init__(self, home: Path, pin_cpus: str | None = None):
        self.home = Path(home)
        self.port = free_port()
        self.pin_cpus = pin_cpus
        self.proc: subprocess.Popen | None = None
        self.auth: tuple[str, str] = ("", "")

    @abc.abstractmethod
    def command(self) -> list[str]:
        """The command line that starts this server."""

    def prepare(self, env: dict) -> None:
        pass

    def env(self) -> dict:
        return dict(os.environ)

    #: keep the data folder as it is (a store loaded by an earlier run) instead of starting afresh
    keep_home = False

    def start(self) -> "Server":
        if self.home.exists() and not self.keep_home:
            shutil.rmtree(self.home)
        self.home.mkdir(parents=True, exist_ok=True)
        env = self.env()
        self.prepare(env)
        command = self.command()
        if self.pin_cpus:
            command = ["taskset", "-c", self.pin_cpus] + command
        self.log = open(self.home.parent / f"{self.home.name}.log", "a" if self.keep_home else "w")
        self.proc = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{self.port}{self.xapi_path}/about", timeout=5)
                return self
            except requests.RequestException:  # not listening yet, or its first answer is slow
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start; see {self.log.name}")

    def processes(self) -> list[psutil.Process]:
        root = psutil.Process(self.proc.pid)
        return [root] + root.children(recursive=True)

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes():
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def worker_rss(self) -> list[int]:
        """RSS of each process that serves requests (the workers; the master only for one-process servers)."""
        processes = self.processes()
        workers = processes[1:] or processes
        return [p.memory_info().rss for p in workers if p.is_running()]

    def disk_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.home.rglob("*") if f.is_file())

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class Learnfolio(Server):
    name = "learnfolio"

    def __init__(self, home, pin_cpus=None, workers: int | None = None, keep: bool = False):
        super().__init__(home, pin_cpus)
        self.workers = workers
        self.keep_home = keep
        #: with ``keep``, how far loading got (bench/run.py writes it as it goes)
        self.kept = Path(home) / "bench-progress.json" if keep else None

    def env(self):
        return {**os.environ, "LRS_HOME": str(self.home), "LRS_PORT": str(self.port)}

    def prepare(self, env):
        out = subprocess.run([LRS, "init", "--json"], env=env, check=True, capture_output=True, text=True)
        credential = json.loads(out.stdout)["credential"]
        self.auth = (credential["key"], credential["secret"])

    def command(self):
        return [LRS, "serve"] + (["--workers", str(self.workers)] if self.workers else [])

    def disk_bytes(self):
        return sum(f.stat().st_size for f in self.home.glob("lrs.sqlite3*"))


class Ralph(Server):
    """Ralph with its file backend, from its own virtual environment (PEER_VENV)."""

    name = "ralph"
    xapi_path = "/xAPI"

    def __init__(self, home, venv: Path, pin_cpus=None):
        super().__init__(home, pin_cpus)
        self.venv = Path(venv)

    def env(self):
        return {**os.environ, "RALPH_APP_DIR": str(self.home / "app"), "RALPH_RUNSERVER_BACKEND": "fs"}

    def prepare(self, env):
        (self.home / "app").mkdir()
        subprocess.run([str(self.venv / "bin" / "ralph"), "auth", "-u", "bench", "-p", "benchsecret", "-s", "all",
                        "-M", "mailto:bench@example.org", "-w"], env=env, check=True, capture_output=True)
        self.auth = ("bench", "benchsecret")

    def command(self):
        return [str(self.venv / "bin" / "python"), str(ROOT / "bench" / "peer_ralph.py"), str(self.port),
                str(self.home)]
