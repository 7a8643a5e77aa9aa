"""Crash safety: sustained concurrent ingest against ``lrs serve`` while the whole server
(Granian's main process and workers, one process group) is killed with SIGKILL at random moments
and restarted. Afterwards every statement the server acknowledged must be there and
complete, no batch may be half stored, and the contended document must be one that a
client wrote, with the ETag of its content.

``make test`` runs a bounded version (tests/e2e/test_crash.py); for a longer run::

    .venv/bin/python -m tests.soak.crash --kills 200
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

LRS = str(Path(sys.executable).parent / "lrs")
DOCUMENT = {"activityId": "http://example.org/crash/profile", "profileId": "contended"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lrs_env(home: Path, port: int, **extra) -> dict:
    env = {**os.environ, "LRS_HOME": str(home), "LRS_PORT": str(port), **extra}
    env.pop("LRS_STORE", None)
    return env


def init_home(home: Path, port: int) -> tuple[str, str]:
    """``lrs init``; the key and secret of the first credential."""
    out = subprocess.run([LRS, "init", "--json"], env=lrs_env(home, port), check=True, capture_output=True,
                         text=True).stdout
    credential = json.loads(out)["credential"]
    return credential["key"], credential["secret"]


class Server:
    """``lrs serve`` in its own process group, so one signal reaches master and workers."""

    def __init__(self, home: Path, port: int, workers: int = 2, threads: int = 4, **env):
        self.home, self.port, self.workers, self.threads = home, port, workers, threads
        self.env = lrs_env(home, port, **env)
        self.base = f"http://127.0.0.1:{port}/xapi"
        self.proc: subprocess.Popen | None = None
        self.log = open(home / "server.log", "ab")

    def start(self, timeout: float = 30) -> None:
        self.proc = subprocess.Popen([LRS, "serve", "--workers", str(self.workers), "--threads", str(self.threads)],
                                     env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/about", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.02)
        self.kill()
        raise RuntimeError("the server did not start; see " + str(self.home / "server.log"))

    def kill(self) -> None:
        """SIGKILL to every process of the server, then wait until the port is closed."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                time.sleep(0.02)
            except OSError:
                return

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        self.log.close()


def statement(statement_id: str, client: int, n: int) -> dict:
    return {
        "id": statement_id,
        "actor": {"objectType": "Agent", "name": f"client {client}", "mbox": f"mailto:client{client}@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": f"http://example.org/crash/{n % 50}",
                   "definition": {"name": {"en-US": f"activity {n % 50}"}}},
        "result": {"response": f"{client}-{n}", "score": {"raw": n, "min": 0, "max": 10**9}},
        "context": {"registration": str(uuid.uuid4()), "extensions": {"http://example.org/n": n}},
    }


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    batches: list[list[str]] = field(default_factory=list)   # every batch sent
    acked: list[list[str]] = field(default_factory=list)     # batches answered 200 with their ids
    sent: dict[str, dict] = field(default_factory=dict)      # statement id -> statement
    doc_attempts: dict[int, list[bytes]] = field(default_factory=dict)  # version -> contents tried
    doc_acked: dict[int, tuple[bytes, str]] = field(default_factory=dict)  # version -> (content, ETag)
    errors: list[str] = field(default_factory=list)

    def acked_ids(self) -> list[str]:
        with self.lock:
            return [i for batch in self.acked for i in batch]


class Ingest:
    """Clients that keep posting batches and rewriting one document while the server comes and goes."""

    def __init__(self, base: str, auth: tuple[str, str], ledger: Ledger, *, clients: int = 4,
                 document_clients: int = 2, batch: tuple[int, int] = (1, 20)):
        self.base, self.auth, self.ledger = base, auth, ledger
        self.batch = batch
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._statements, args=(c,), daemon=True) for c in range(clients)]
        self.threads += [threading.Thread(target=self._document, args=(c,), daemon=True)
                         for c in range(document_clients)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _session(self) -> requests.Session:
        session = requests.Session()
        session.auth = self.auth
        session.headers["X-Experience-API-Version"] = "1.0.3"
        return session

    def _statements(self, client: int) -> None:
        session, rng, n = self._session(), random.Random(client), 0
        while not self.stop.is_set():
            size = rng.randint(*self.batch)
            batch = [statement(str(uuid.uuid4()), client, n + i) for i in range(size)]
            n += size
            ids = [s["id"] for s in batch]
            with self.ledger.lock:
                self.ledger.batches.append(ids)
                self.ledger.sent.update((s["id"], s) for s in batch)
            try:
                response = session.post(f"{self.base}/statements", json=batch, timeout=20)
            except requests.RequestException:
                time.sleep(0.02)  # the server is down: this batch is unacknowledged
                session = self._session()
                continue
            if response.status_code == 200:
                if response.json() != ids:
                    self.ledger.errors.append(f"ids answered {response.text[:100]} differ from ids sent")
                with self.ledger.lock:
                    self.ledger.acked.append(ids)
            elif response.status_code != 503:
                self.ledger.errors.append(f"POST answered {response.status_code}: {response.text[:200]}")

    def _document(self, client: int) -> None:
        session, url = self._session(), f"{self.base}/activities/profile"
        while not self.stop.is_set():
            try:
                current = session.get(url, params=DOCUMENT, timeout=20)
                if current.status_code == 200:
                    version = current.json()["version"] + 1
                    condition = {"If-Match": current.headers["ETag"]}
                elif current.status_code == 404:
                    version, condition = 1, {"If-None-Match": "*"}
                else:
                    self.ledger.errors.append(f"document GET answered {current.status_code}")
                    continue
                content = json.dumps({"version": version, "client": client, "pad": uuid.uuid4().hex}).encode()
                with self.ledger.lock:
                    self.ledger.doc_attempts.setdefault(version, []).append(content)
                response = session.put(url, params=DOCUMENT, data=content, timeout=20,
                                       headers={**condition, "Content-Type": "application/json"})
            except requests.RequestException:
                time.sleep(0.02)
                session = self._session()
                continue
            if response.status_code == 204:
                with self.ledger.lock:
                    if version in self.ledger.doc_acked:
                        self.ledger.errors.append(f"two writes of document version {version} were acknowledged")
                    self.ledger.doc_acked[version] = (content, response.headers["ETag"])
            elif response.status_code not in (412, 503):
                self.ledger.errors.append(f"document PUT answered {response.status_code}: {response.text[:200]}")


@dataclass
class Report:
    kills: int = 0
    batches_sent: int = 0
    batches_acked: int = 0
    statements_acked: int = 0
    statements_found: int = 0
    half_stored_batches: int = 0
    document_writes_acked: int = 0
    document_version: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def lines(self) -> str:
        return (f"kills: {self.kills}\n"
                f"batches sent: {self.batches_sent}, acknowledged: {self.batches_acked}, "
                f"half stored: {self.half_stored_batches}\n"
                f"statements acknowledged: {self.statements_acked}, found complete: {self.statements_found}\n"
                f"document writes acknowledged: {self.document_writes_acked}, "
                f"final version: {self.document_version}\n"
                f"duration: {self.seconds:.1f} s\n"
                f"problems: {len(self.problems)}" + "".join(f"\n  {p}" for p in self.problems[:20]))


def stored_ids(database: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT id FROM statements")}
    finally:
        conn.close()


def verify(server: Server, auth: tuple[str, str], ledger: Ledger, report: Report) -> None:
    """Against the restarted server: acknowledged statements complete, batches whole, document sound."""
    session = requests.Session()
    session.auth = auth
    session.headers["X-Experience-API-Version"] = "1.0.3"
    acked = ledger.acked_ids()
    report.batches_sent, report.batches_acked = len(ledger.batches), len(ledger.acked)
    report.statements_acked = len(acked)

    def found_complete(statement_id: str) -> bool:
        response = session.get(f"{server.base}/statements", params={"statementId": statement_id}, timeout=30)
        if response.status_code != 200:
            return False
        got, sent = response.json(), ledger.sent[statement_id]
        return all(got.get(key) == sent[key] for key in ("id", "actor", "verb", "object", "result", "context"))

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(found_complete, acked))
    report.statements_found = sum(results)
    missing = [i for i, ok in zip(acked, results) if not ok]
    if missing:
        report.problems.append(f"{len(missing)} acknowledged statements missing or incomplete, e.g. {missing[0]}")

    present = stored_ids(server.home / "lrs.sqlite3")
    for batch in ledger.batches:
        count = sum(i in present for i in batch)
        if count not in (0, len(batch)):
            report.half_stored_batches += 1
    if report.half_stored_batches:
        report.problems.append(f"{report.half_stored_batches} batches are half stored")

    report.document_writes_acked = len(ledger.doc_acked)
    response = session.get(f"{server.base}/activities/profile", params=DOCUMENT, timeout=30)
    if ledger.doc_acked or response.status_code == 200:
        content, etag = response.content, response.headers.get("ETag")
        if etag != '"' + hashlib.sha1(content).hexdigest() + '"':
            report.problems.append(f"the document's ETag {etag} is not that of its content")
        version = json.loads(content)["version"]
        report.document_version = version
        if ledger.doc_acked and version < max(ledger.doc_acked):
            report.problems.append(f"document version {version} is older than acknowledged {max(ledger.doc_acked)}")
        if version in ledger.doc_acked and ledger.doc_acked[version] != (content, etag):
            report.problems.append(f"document version {version} differs from the acknowledged write")
        if content not in ledger.doc_attempts.get(version, []):
            report.problems.append(f"document version {version} is not one a client wrote")
    check = subprocess.run([LRS, "check"], env=server.env, capture_output=True, text=True)
    if check.returncode != 0:
        report.problems.append("lrs check: " + check.stdout.strip())
    report.problems += ledger.errors[:20]


def run(home: Path, *, kills: int, clients: int = 4, workers: int = 2, uptime: tuple[float, float] = (0.1, 0.6),
        batch: tuple[int, int] = (1, 20), seed: int | None = None, out=None) -> Report:
    """Start, ingest, SIGKILL ``kills`` times at random moments, restart, verify."""
    rng = random.Random(seed)
    port = free_port()
    auth = init_home(home, port)
    server = Server(home, port, workers=workers)
    ledger, report = Ledger(), Report()
    started = time.monotonic()
    try:
        with Ingest(server.base, auth, ledger, clients=clients, batch=batch):
            for _ in range(kills):
                server.start()
                time.sleep(rng.uniform(*uptime))
                server.kill()
                report.kills += 1
                if out and report.kills % 10 == 0:
                    print(f"  {report.kills} kills, {len(ledger.acked)} batches acknowledged", file=out, flush=True)
            server.start()
            time.sleep(uptime[0])  # acknowledged writes after the last restart count too
        verify(server, auth, ledger, report)
    finally:
        server.stop()
    report.seconds = time.monotonic() - started
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=100, help="SIGKILLs of the whole server (default 100)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent statement clients (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="server workers (default 2)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--home", type=Path, default=None, help="data folder (default: a new temporary one)")
    args = parser.parse_args(argv)
    import tempfile

    home = args.home or Path(tempfile.mkdtemp(prefix="lrs-crash-"))
    home.mkdir(parents=True, exist_ok=True)
    print(f"crash test: {args.kills} kills, {args.clients} clients, {args.workers} workers, data in {home}")
    report = run(home, kills=args.kills, clients=args.clients, workers=args.workers, seed=args.seed,
                 out=sys.stdout)
    print(report.lines())
    ok = not report.problems and report.statements_found == report.statements_acked
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
