"""The server choice: the same Learnfolio app (``lrs.wsgi:app``, metrics on, one store) served by
each candidate HTTP server in turn, in one run, with the same workloads; then the slow-client
checks of tests/e2e/test_slow_clients.py against each.

    .venv/bin/python -m bench.serverchoice --size 50000 --duration 5 --rounds 2

Candidates are started the way ``lrs serve`` starts its server (4 processes × 4 threads,
Prometheus multiprocess folder, header timeout); rounds alternate their order so that a
change of the machine's load does not favour one. Server CPU per request is read from the
OS (psutil) over each server's whole process tree.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from bench.dataset import ensure_dataset
from bench.run import Workloads, closed_loop, load
from bench.servers import LRS, ROOT, Learnfolio, Server, free_port
from tests.e2e.test_slow_clients import _trickle  # the very checks of the e2e test, with a figure each

WORK = Path(__file__).resolve().parent / ".work" / "serverchoice"
BIN = Path(sys.executable).parent


class Candidate(Server):
    """One HTTP server serving the app of an existing data folder (kept between candidates)."""

    name = "candidate"

    def __init__(self, name: str, home: Path, auth, workers: int = 4, threads: int = 4,
                 header_timeout: float = 10, body_timeout: float = 60):
        super().__init__(home)
        self.name, self.auth = name, auth
        self.workers, self.threads = workers, threads
        self.header_timeout, self.body_timeout = header_timeout, body_timeout

    def env(self):
        metrics = self.home / f"metrics-{self.port}"
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir(parents=True)
        return {**os.environ, "LRS_HOME": str(self.home), "LRS_PORT": str(self.port),
                "PROMETHEUS_MULTIPROC_DIR": str(metrics), "LRS_HEADER_TIMEOUT": str(self.header_timeout),
                "LRS_BODY_TIMEOUT": str(self.body_timeout)}

    def command(self):
        w, t, port = str(self.workers), str(self.threads), str(self.port)
        if self.name == "gunicorn-lrs":  # `lrs serve` before the choice: gunicorn 27 + its extended gthread worker
            return [str(BIN / "gunicorn"), "--worker-class", "bench.legacy_gunicorn.Worker", "--workers", w,
                    "--threads", t, "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--keep-alive", "2",
                    "--graceful-timeout", "10", "lrs.wsgi:app"]
        if self.name == "granian-wsgi":  # Granian's own WSGI interface
            return [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", port,
                    "--workers", w, "--blocking-threads", t, "--http", "1", "--no-ws",
                    "--http1-header-read-timeout", str(int(self.header_timeout * 1000)), "--log-level", "warning",
                    "lrs.wsgi:app"]
        if self.name == "granian-lrs":  # `lrs serve`: Granian + lrs/rsgi.py (body deadline, xAPI reads inline)
            return [LRS, "serve", "--workers", w, "--threads", t]
        if self.name in ("uwsgi-router", "uwsgi-direct"):
            common = ["--master", "--processes", w, "--threads", t, "--module", "lrs.wsgi:app", "--enable-threads",
                      "--lazy-apps", "--disable-logging", "--socket-timeout", str(int(self.body_timeout)),
                      "--die-on-term", "--need-app"]
            if self.name == "uwsgi-router":  # the async HTTP router in front: heads are read without a thread
                sock = self.home / f"uwsgi-{self.port}.sock"
                return [str(BIN / "uwsgi"), "--http", f"127.0.0.1:{port}", "--http-keepalive",
                        "--http-timeout", str(int(self.header_timeout)), "--socket", str(sock)] + common
            return [str(BIN / "uwsgi"), "--http-socket", f"127.0.0.1:{port}", "--http-keepalive",
                    "--add-header", "Connection: Keep-Alive"] + common
        raise ValueError(self.name)

    def start(self):
        self.port = free_port()
        env = self.env()
        self.log = open(self.home.parent / f"{self.name}.log", "w")
        self.proc = subprocess.Popen(self.command(), env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT,
                                     start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/xapi/about", timeout=1).status_code == 200:
                    time.sleep(1.0)  # every worker up
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not start; see {self.log.name}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
        self.log.close()


# -- the slow-client checks (as tests/e2e/test_slow_clients.py, with a figure each) ----------------

def slow_clients(port: int) -> dict:
    """With 1 process × 2 threads and 2 s timeouts: 8 clients sending heads a byte at a time, a body
    that never arrives (alone, and 6 at once), 8 idle connections; how others fare and what closes."""
    base = f"http://127.0.0.1:{port}/xapi"
    out = {}
    stop, closed = threading.Event(), []
    head = b"GET /xapi/about HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: yes\r\n" * 100
    threads = [threading.Thread(target=_trickle, args=(port, head, stop, closed), daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    worst = 0.0
    try:
        for _ in range(16):
            started = time.monotonic()
            requests.get(f"{base}/about", timeout=5)
            worst = max(worst, time.monotonic() - started)
            time.sleep(0.25)
    except requests.RequestException:
        worst = float("inf")
    time.sleep(1)
    stop.set()
    out["slow heads: others' worst (s)"] = round(worst, 3)
    out["slow heads: closed by 3.5 s"] = sum(1 for c in closed if c < 3.5)

    def open_body():
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"PUT /xapi/statements?statementId=00000000-0000-4000-8000-000000000000 HTTP/1.1\r\n"
                     b"Host: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
                     b"X-Experience-API-Version: 1.0.3\r\n\r\n{")
        return sock

    sock = open_body()
    started, answer = time.monotonic(), b""
    sock.settimeout(10)
    try:
        while data := sock.recv(4096):
            answer += data
    except OSError:
        pass
    sock.close()
    out["slow body: closed after (s)"] = round(time.monotonic() - started, 2)
    out["slow body: answer"] = answer.split(b"\r\n", 1)[0].decode(errors="replace") or "(none)"
    socks = [open_body() for _ in range(6)]
    time.sleep(0.5)
    started = time.monotonic()
    try:
        requests.get(f"{base}/about", timeout=5)
        out["6 slow bodies: another request (s)"] = round(time.monotonic() - started, 3)
    except requests.RequestException as error:
        out["6 slow bodies: another request (s)"] = f"failed ({type(error).__name__})"
    for s in socks:
        s.close()
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
    worst = 0.0
    try:
        for _ in range(5):
            started = time.monotonic()
            requests.get(f"{base}/about", timeout=5)
            worst = max(worst, time.monotonic() - started)
    except requests.RequestException:
        worst = float("inf")
    for s in idle:
        s.close()
    out["8 idle connections: worst (s)"] = round(worst, 3)
    out["passes"] = (out["slow heads: others' worst (s)"] < 1 and out["slow heads: closed by 3.5 s"] == 8
                     and out["slow body: closed after (s)"] < 5 and not out["slow body: answer"].startswith("HTTP/1.1 2")
                     and isinstance(out["6 slow bodies: another request (s)"], float)
                     and out["6 slow bodies: another request (s)"] < 1 and worst < 1)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", default="4,16")
    parser.add_argument("--candidates", default="gunicorn-lrs,granian-lrs,granian-wsgi,uwsgi-router")
    parser.add_argument("--workloads", default="get agent,get verb,get by id,post 1")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-slow", action="store_true", help="skip the slow-client checks")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    names = args.candidates.split(",")
    wanted = args.workloads.split(",")
    concurrency = [int(c) for c in args.concurrency.split(",")]
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    dataset, meta = ensure_dataset(max(args.size, 100_000))
    extra, _ = ensure_dataset(300_000, seed=7)
    home = WORK / f"home-{args.size}"
    marker = home.parent / f"loaded-{args.size}.json"
    if marker.exists():  # loaded by an earlier run (the write workloads add a few statements each run)
        auth = tuple(json.loads(marker.read_text()))
    else:
        marker.unlink(missing_ok=True)
        loader = Learnfolio(home)
        loader.start()
        try:
            info = asyncio.run(load(loader, dataset, 0, args.size))
            print(f"loaded {info['statements']:,} statements", flush=True)
            auth = loader.auth
        finally:
            loader.stop()
        marker.write_text(json.dumps(list(auth)))
    rows: dict[tuple, list] = {}
    for round_ in range(args.rounds):
        order = names if round_ % 2 == 0 else list(reversed(names))
        for name in order:
            server = Candidate(name, home, auth, workers=args.workers, threads=args.threads).start()
            try:
                work = Workloads(server, meta, extra, args.size)
                makers = {f"get {n}": work.get(b) for n, b in work.filters().items()}
                makers.update({"get by id": work.by_id, "post 1": work.post(1), "post 100": work.post(100)})
                for c in concurrency:
                    for workload in wanted:
                        result = asyncio.run(closed_loop(server, workload, makers[workload], c, args.duration,
                                                         args.size))
                        print(f"  round {round_ + 1} " + result.row(), flush=True)
                        rows.setdefault((name, workload, c), []).append(result.to_dict() | {
                            "cpu_us": result.server_cpu / max(1, result.requests) * 1e6})
            finally:
                server.stop()
    print("\n== median over rounds: req/s, server CPU µs per request, p50 / p99 ms")
    table = []
    for (name, workload, c), runs in rows.items():
        row = {"server": name, "workload": workload, "c": c,
               "req_s": statistics.median(r["requests_per_s"] for r in runs),
               "cpu_us": statistics.median(r["cpu_us"] for r in runs),
               "p50": statistics.median(r["p50_ms"] for r in runs),
               "p99": statistics.median(r["p99_ms"] for r in runs),
               "errors": max(r["error_rate"] for r in runs),
               "rss_mb": max(r["worker_rss_mb"] for r in runs)}
        table.append(row)
        print(f"  {name:<14} {workload:<12} c={c:<3} {row['req_s']:7.0f} req/s  cpu {row['cpu_us']:6.0f} µs/req  "
              f"p50 {row['p50']:6.1f}  p99 {row['p99']:6.1f} ms  err {row['errors']:.1%}  rss {row['rss_mb']:.0f} MB")
    slow = {}
    if not args.no_slow:
        print("\n== slow clients (1 process × 2 threads, 2 s timeouts)")
        for name in names:
            server = Candidate(name, home, auth, workers=1, threads=2, header_timeout=2, body_timeout=2).start()
            try:
                slow[name] = slow_clients(server.port)
            finally:
                server.stop()
            print(f"  {name}: {slow[name]}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"table": table, "slow": slow, "rounds": {
            "|".join(map(str, k)): v for k, v in rows.items()}}, indent=1))


if __name__ == "__main__":
    main()
