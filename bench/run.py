"""Learnfolio's benchmark: load a store through the public API, run the workloads,
print the figures (and, with --peer-venv, the same against Ralph, with ratios).

    .venv/bin/python -m bench.run --sizes 100000,1000000
    .venv/bin/python -m bench.run --sizes 100000 --peer-venv /path/to/ralph-venv
    .venv/bin/python -m bench.run --sizes 20000 --duration 3 --concurrency 4   # a quick look

Everything runs on this machine over loopback; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.dataset import BATCH, CACHE, batches, dataset_path, ensure_dataset
from bench.httpclient import Connection
from bench.servers import Learnfolio, Ralph, Server

WORK = Path(__file__).resolve().parent / ".work"


def loadgen_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Result:
    server: str
    workload: str
    concurrency: int
    size: int
    requests: int = 0
    statements: int = 0
    errors: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    server_cpu: float = 0.0
    loadgen_cpu: float = 0.0
    worker_rss_mb: float = 0.0
    note: str = ""

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    @property
    def sps(self) -> float:
        return self.statements / self.elapsed if self.elapsed else 0.0

    def row(self) -> str:
        per = (self.server_cpu / self.statements * 1e6) if self.statements else (
            self.server_cpu / self.requests * 1e6 if self.requests else 0)
        unit = "µs/stmt" if self.statements else "µs/req"
        return (f"{self.server:<10} {self.workload:<16} c={self.concurrency:<3} {self.rps:8.0f} req/s "
                f"{self.sps:8.0f} stmt/s  p50 {self.pct(.5):7.1f}  p90 {self.pct(.9):7.1f}  "
                f"p99 {self.pct(.99):7.1f} ms  err {self.errors / max(1, self.requests):5.1%}  "
                f"cpu {per:6.0f} {unit}  rss {self.worker_rss_mb:5.0f} MB  loadgen {self.loadgen_cpu:4.0%}"
                + (f"  [{self.note}]" if self.note else ""))

    def to_dict(self) -> dict:
        return {"server": self.server, "workload": self.workload, "concurrency": self.concurrency,
                "size": self.size, "requests_per_s": round(self.rps, 1), "statements_per_s": round(self.sps, 1),
                "p50_ms": round(self.pct(.5), 2), "p90_ms": round(self.pct(.9), 2),
                "p99_ms": round(self.pct(.99), 2), "error_rate": self.errors / max(1, self.requests),
                "server_cpu_s": round(self.server_cpu, 2), "loadgen_cpu": round(self.loadgen_cpu, 3),
                "worker_rss_mb": round(self.worker_rss_mb, 1), "note": self.note}


class Workloads:
    """Request factories: each returns (method, path, body, headers, statements in the body)."""

    def __init__(self, server: Server, meta: dict, extra_path: Path, size: int):
        self.x = server.xapi_path
        self.meta = meta
        self.ids = [statement_id for position, statement_id in meta["statement_ids"] if position < size]
        self.rng = random.Random(7)
        self.extra_path = extra_path
        self.extra = batches(extra_path)
        self.pending: list[dict] = []
        self.etags: dict[str, str] = {}

    def _fresh(self, n: int) -> list[dict]:
        while len(self.pending) < n:
            line = next(self.extra, None)
            if line is None:  # write workloads used them all: again (as new statements: new ids)
                self.extra = batches(self.extra_path)
                continue
            batch = json.loads(line)
            for statement in batch:
                # always new: a kept store (bench.ab, bench.floor, --store) holds the ids an earlier run
                # posted, and a statement posted again is found stored and not written at all
                statement["id"] = str(uuid.uuid4())
            self.pending += batch
        out, self.pending = self.pending[:n], self.pending[n:]
        return out

    def post(self, n):
        def make():
            return "POST", f"{self.x}/statements", json.dumps(self._fresh(n)).encode(), None, n
        return make

    def get(self, build):
        def make():
            return "GET", f"{self.x}/statements?" + urlencode({**build(), "limit": 100}), b"", None, 0
        return make

    def by_id(self):
        return "GET", f"{self.x}/statements?statementId={self.rng.choice(self.ids)}", b"", None, 0

    def document(self):
        key = str(self.rng.randrange(200))
        params = urlencode({"activityId": "http://example.org/bench/doc", "stateId": key,
                            "agent": json.dumps({"mbox": f"mailto:doc{key}@example.org"})})
        path = f"{self.x}/activities/state?{params}"
        if self.rng.random() < 0.5 or key not in self.etags:
            headers = {"If-Match": self.etags[key]} if key in self.etags else {"If-None-Match": "*"}
            return "PUT", path, json.dumps({"bookmark": self.rng.randrange(1000)}).encode(), headers, 0, key
        return "GET", path, b"", None, 0, key

    def filters(self):
        m, r = self.meta, self.rng
        return {
            "agent": lambda: {"agent": json.dumps(r.choice(m["agents"]))},
            "verb": lambda: {"verb": r.choice(m["verbs"])},
            "activity": lambda: {"activity": r.choice(m["activities"])},
            "registration": lambda: {"registration": r.choice(m["registrations"])},
            "verb+since": lambda: {"verb": r.choice(m["verbs"]), "since": "2026-01-01T00:00:00Z"},
            "latest": lambda: {},
        }

    def mixed(self):
        if self.rng.random() < 0.2:
            return self.post(1)()
        name, build = self.rng.choice(list(self.filters().items()))
        return self.get(build)()


async def closed_loop(server: Server, name: str, make, concurrency: int, duration: float, size: int,
                      etags: dict | None = None) -> Result:
    result = Result(server.name, name, concurrency, size)
    deadline = time.perf_counter() + duration

    async def client():
        connection = Connection("127.0.0.1", server.port, server.auth)
        while time.perf_counter() < deadline:
            request = make()
            method, path, body, headers, count = request[:5]
            started = time.perf_counter()
            try:
                status, response_headers, data = await connection.request(method, path, body, headers=headers)
            except (ConnectionError, OSError, asyncio.IncompleteReadError):
                status, response_headers = 599, {}
                connection.close()
                connection = Connection("127.0.0.1", server.port, server.auth)
            result.latencies.append(time.perf_counter() - started)
            result.requests += 1
            if status >= 400 and not (status == 412 and len(request) > 5):
                result.errors += 1
            else:
                result.statements += count
                if etags is not None and len(request) > 5 and "etag" in response_headers:
                    etags[request[5]] = response_headers["etag"]
        connection.close()

    cpu0, gen0, t0 = server.cpu_seconds(), loadgen_cpu(), time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - t0
    result.server_cpu = server.cpu_seconds() - cpu0
    result.loadgen_cpu = (loadgen_cpu() - gen0) / result.elapsed
    result.worker_rss_mb = max(server.worker_rss()) / 2**20
    return result


async def open_loop(server: Server, name: str, make, rate: float, duration: float, size: int,
                    max_connections: int = 256) -> Result:
    """Requests arrive at a fixed rate whether or not earlier ones are done (no coordinated omission).

    Latency runs from each request's scheduled arrival, so a server that falls
    behind shows it as latency; arrivals that find every connection busy wait
    for one (counted in their latency), up to ``max_connections``.
    """
    result = Result(server.name, name, 0, size, note=f"open loop {rate:.0f}/s")
    idle: list[Connection] = []
    opened = 0
    tasks = []

    async def one(scheduled: float):
        nonlocal opened
        while not idle and opened >= max_connections:
            await asyncio.sleep(0.0005)
        if idle:
            connection = idle.pop()
        else:
            opened += 1
            connection = Connection("127.0.0.1", server.port, server.auth)
        method, path, body, headers, count = make()[:5]
        try:
            status, _, _ = await connection.request(method, path, body, headers=headers)
            idle.append(connection)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            status = 599
            connection.close()
            opened -= 1
        result.latencies.append(time.perf_counter() - scheduled)
        result.requests += 1
        if status >= 400:
            result.errors += 1
        else:
            result.statements += count

    cpu0, gen0, t0 = server.cpu_seconds(), loadgen_cpu(), time.perf_counter()
    interval = 1.0 / rate
    n = 0
    while True:
        scheduled = t0 + n * interval
        if scheduled - t0 >= duration:
            break
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(scheduled)))
        n += 1
    await asyncio.gather(*tasks)
    result.elapsed = time.perf_counter() - t0
    result.concurrency = opened
    result.server_cpu = server.cpu_seconds() - cpu0
    result.loadgen_cpu = (loadgen_cpu() - gen0) / result.elapsed
    result.worker_rss_mb = max(server.worker_rss()) / 2**20
    for connection in idle:
        connection.close()
    return result


async def follow_more(server: Server, meta: dict, size: int, target: int = 10_000) -> Result:
    """Walk `more` links from the first page of a large result to 10k statements (or its end)."""
    result = Result(server.name, "more-to-10k", 1, size)
    connection = Connection("127.0.0.1", server.port, server.auth)
    path = f"{server.xapi_path}/statements?" + urlencode({"verb": "http://adlnet.gov/expapi/verbs/answered",
                                                          "limit": 100})
    cpu0, gen0, t0 = server.cpu_seconds(), loadgen_cpu(), time.perf_counter()
    seen = 0
    while path and seen < target:
        started = time.perf_counter()
        status, _, data = await connection.request("GET", path)
        result.latencies.append(time.perf_counter() - started)
        result.requests += 1
        if status != 200:
            result.errors += 1
            break
        page = json.loads(data)
        seen += len(page["statements"])
        path = page.get("more") or ""
        if path and not path.startswith("/"):
            path = "/" + path
    result.elapsed = time.perf_counter() - t0
    result.server_cpu = server.cpu_seconds() - cpu0
    result.loadgen_cpu = (loadgen_cpu() - gen0) / result.elapsed
    result.worker_rss_mb = max(server.worker_rss()) / 2**20
    result.note = f"{seen} statements in {result.elapsed:.2f} s"
    connection.close()
    return result


async def load(server: Server, path: Path, start: int, stop: int, clients: int = 4, report_every: int = 100_000,
               progress=None):
    """POST batches [start, stop) with 4 clients; return (statements/s overall, per-window rates).

    Every ``report_every`` statements it prints the count, the window's and the overall rate, the
    time taken and the time left; ``progress(n)`` is called with the number of statements from the
    dataset's start known to be stored (every batch before it acknowledged), so a crashed load can
    go on from there (``--store``)."""
    queue = iter(enumerate(batches(path, start // BATCH, stop // BATCH), start // BATCH))
    sent = 0
    errors = 0
    windows = []
    done: set[int] = set()
    prefix = start // BATCH  # every batch before this one is acknowledged
    window_start, window_sent = time.perf_counter(), 0
    cpu0, gen0, t0 = server.cpu_seconds(), loadgen_cpu(), time.perf_counter()

    async def client():
        nonlocal sent, errors, window_start, window_sent, prefix
        connection = Connection("127.0.0.1", server.port, server.auth)
        for index, body in queue:
            status, _, data = await connection.request("POST", f"{server.xapi_path}/statements", body)
            if status != 200:
                errors += 1
                if errors < 5:
                    print(f"    load error {status}: {data[:200]!r}", file=sys.stderr)
                continue
            sent += BATCH
            window_sent += BATCH
            done.add(index)
            while prefix in done:
                done.discard(prefix)
                prefix += 1
            if window_sent >= report_every:
                now = time.perf_counter()
                rate = window_sent / (now - window_start)
                overall = sent / (now - t0)
                windows.append((start + sent, rate))
                left = (stop - start - sent) / overall if overall else 0
                print(f"    {server.name}: {start + sent:>10,} statements, {rate:6.0f}/s in the last {window_sent:,}, "
                      f"{overall:6.0f}/s overall, {_clock(now - t0)} taken, {_clock(left)} left", flush=True)
                window_start, window_sent = now, 0
                if progress is not None:
                    progress(prefix * BATCH)
        connection.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - t0
    if progress is not None and not errors:
        progress(prefix * BATCH)
    return {"statements": sent, "errors": errors, "elapsed": elapsed, "rate": sent / elapsed if elapsed else 0,
            "server_cpu_per_statement_us": (server.cpu_seconds() - cpu0) / max(1, sent) * 1e6,
            "loadgen_cpu": (loadgen_cpu() - gen0) / elapsed if elapsed else 0, "windows": windows}


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


async def measure(server: Server, meta: dict, extra_path: Path, size: int, args) -> list[Result]:
    work = Workloads(server, meta, extra_path, size)
    results = []
    reads = [(f"get {name}", work.get(build)) for name, build in work.filters().items()]
    reads += [("get by id", work.by_id)]
    for concurrency in args.concurrency:
        for name, make in reads:
            results.append(await closed_loop(server, name, make, concurrency, args.duration, size))
            print("  " + results[-1].row(), flush=True)
    if args.plain_check:
        results += await plain_check(server, work, size, args)
    results.append(await follow_more(server, meta, size))
    print("  " + results[-1].row(), flush=True)
    writes = [("post 1", work.post(1)), ("post 10", work.post(10)), ("post 100", work.post(100))]
    writes.append(("documents", work.document))
    writes.append(("mixed 80/20", work.mixed))
    for concurrency in args.concurrency:
        for name, make in writes:
            results.append(await closed_loop(server, name, make, concurrency, args.duration, size, work.etags))
            print("  " + results[-1].row(), flush=True)
    latest = work.get(work.filters()["latest"])
    for rate in args.rates:
        for name, make in (("open post 1", work.post(1)), ("open get latest", latest), ("open mixed", work.mixed)):
            results.append(await open_loop(server, name, make, rate, args.duration, size))
            print("  " + results[-1].row(), flush=True)
    return results


async def plain_check(server: Server, work: Workloads, size: int, args) -> list[Result]:
    """The bench's client and a plain threaded one (bench/plainclient.py), one right after the
    other, on the same workloads: their rates and p50 must agree within 15 % (issue 18, target 5)."""
    from bench.plainclient import plain_closed_loop

    results = []
    builds = work.filters()
    for name, make in (("get verb", work.get(builds["verb"])), ("get agent", work.get(builds["agent"])),
                       ("post 1", work.post(1))):
        for concurrency in args.concurrency:
            ours = await closed_loop(server, name, make, concurrency, args.duration, size)
            plain = await asyncio.to_thread(plain_closed_loop, server, name, make, concurrency, args.duration, size)
            rate, p50 = plain.rps / ours.rps if ours.rps else 0, plain.pct(.5) / ours.pct(.5)
            verdict = "within 15 %" if abs(rate - 1) <= .15 and abs(p50 - 1) <= .15 else "NOT within 15 %"
            plain.note = f"plain/bench: rate {rate:.2f}, p50 {p50:.2f}: {verdict}"
            for result in (ours, plain):
                print("  " + result.row(), flush=True)
            results += [ours, plain]
    return results


def disk_check(where: Path, biggest: int, dataset_cached: bool, force: bool) -> None:
    """Refuse to start a load the disk cannot hold: the store (~2.6 KB a statement, WAL included)
    and, unless cached, the dataset (~1.35 KB a statement)."""
    where.mkdir(parents=True, exist_ok=True)
    print(subprocess.run(["df", "-h", str(where), str(CACHE)], capture_output=True, text=True).stdout, end="")
    need = biggest * 2600 + (0 if dataset_cached else biggest * 1350)
    free = shutil.disk_usage(where).free
    print(f"disk: {free / 1e9:.1f} GB free, this run needs about {need / 1e9:.1f} GB", flush=True)
    if free < need * 1.1 and not force:
        raise SystemExit(f"not enough disk for {biggest:,} statements ({need / 1e9:.1f} GB needed, "
                         f"{free / 1e9:.1f} GB free); --force to try anyway")


def run_server(server: Server, dataset: Path, meta: dict, extra: Path, args) -> dict:
    report = {"server": server.name, "loads": [], "results": [], "disk": []}
    kept = getattr(server, "kept", None)  # --store: a data folder kept between runs, and its progress
    state = json.loads(kept.read_text()) if kept is not None and kept.exists() else {"loaded": 0, "posted": 0}
    server.start()

    def progress(loaded_now: int) -> None:
        if kept is not None:
            state["loaded"] = loaded_now
            kept.write_text(json.dumps(state))

    try:
        loaded = state["loaded"]
        posted = state["posted"]  # statements the write workloads added
        if loaded:
            print(f"\n== {server.name}: going on from {loaded:,} statements already stored in {server.home}", flush=True)
        for size in args.sizes:
            if size < loaded:
                print(f"  ({size:,}: the kept store is already past it; not measured)")
                continue
            print(f"\n== {server.name}: loading to {size:,} statements (100 per POST, 4 clients)", flush=True)
            info = asyncio.run(load(server, dataset, loaded, size, progress=progress))
            loaded = size
            disk = server.disk_bytes()
            stored = size + posted
            info.update(size=size, stored=stored, disk_bytes=disk, disk_bytes_per_statement=disk / stored,
                        worker_rss_mb=[round(r / 2**20, 1) for r in server.worker_rss()])
            report["loads"].append(info)
            print(f"  loaded: {info['rate']:.0f} statements/s overall, {info['errors']} errors, "
                  f"server CPU {info['server_cpu_per_statement_us']:.0f} µs/statement, loadgen CPU "
                  f"{info['loadgen_cpu']:.0%}; disk {disk / stored:.0f} bytes/statement ({stored:,} stored); worker RSS "
                  f"{info['worker_rss_mb']} MB", flush=True)
            if not args.load_only:
                results = asyncio.run(measure(server, meta, extra, size, args))
                report["results"] += [r.to_dict() for r in results]
                posted += sum(r.statements for r in results)
                state["posted"] = posted
                progress(loaded)
    finally:
        server.stop()
    return report


def ratios(ours: dict, peer: dict) -> list[str]:
    index = {(r["workload"], r["concurrency"], r["size"]): r for r in peer["results"]}
    lines = []
    for r in ours["results"]:
        other = index.get((r["workload"], r["concurrency"], r["size"]))
        if not other:
            continue
        speed = r["requests_per_s"] / other["requests_per_s"] if other["requests_per_s"] else float("inf")
        flag = "  (peer errors: %.0f%%)" % (other["error_rate"] * 100) if other["error_rate"] else ""
        lines.append(f"  {r['workload']:<16} c={r['concurrency']:<3} learnfolio {r['requests_per_s']:8.0f} req/s, "
                     f"ralph {other['requests_per_s']:8.0f} req/s -> {speed:6.1f}x; p99 {r['p99_ms']:.1f} vs "
                     f"{other['p99_ms']:.1f} ms{flag}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="store sizes to measure at (comma-separated)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per workload run")
    parser.add_argument("--concurrency", default="1,4,16", help="client counts (comma-separated)")
    parser.add_argument("--rates", default="",
                        help="open-loop arrival rates in requests/s (comma-separated), e.g. 250,500,1000")
    parser.add_argument("--pin", default=None, help="pin the server to these CPUs (taskset), e.g. 0")
    parser.add_argument("--workers", type=int, default=None, help="Learnfolio workers (default: lrs serve's)")
    parser.add_argument("--peer-venv", default=None, help="a virtualenv with ralph-malph[cli,lrs]: run it too")
    parser.add_argument("--peer-only", action="store_true", help="with --peer-venv: skip Learnfolio")
    parser.add_argument("--peer-max-size", type=int, default=100_000,
                        help="the peer is loaded and measured only up to this size (its file backend scans)")
    parser.add_argument("--load-only", action="store_true", help="only load, reporting ingest rates")
    parser.add_argument("--json", default=None, help="also write the report to this file")
    parser.add_argument("--store", default=None,
                        help="keep Learnfolio's data folder here: a later run with the same --store goes on loading "
                             "from where this one stopped (a crash loses at most 100k statements of work)")
    parser.add_argument("--plain-check", action="store_true",
                        help="also run GET/POST workloads with a plain threaded http.client client and compare")
    parser.add_argument("--force", action="store_true", help="start even if the disk check says it will not fit")
    args = parser.parse_args(argv)
    args.sizes = sorted(int(s) for s in args.sizes.split(","))
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c]
    args.rates = [float(r) for r in args.rates.split(",") if r]
    biggest = args.sizes[-1]
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    disk_check(Path(args.store) if args.store else WORK, biggest, dataset_path(biggest).exists(), args.force)
    print(f"preparing {biggest:,} statements (cached in bench/.cache) …", flush=True)
    dataset, meta = ensure_dataset(biggest)
    extra, _ = ensure_dataset(300_000, seed=7)
    reports = []
    if not args.peer_only:
        home = Path(args.store) if args.store else WORK / "learnfolio"
        reports.append(run_server(Learnfolio(home, args.pin, args.workers, keep=bool(args.store)), dataset, meta,
                                  extra, args))
    if args.peer_venv:
        peer_args = argparse.Namespace(**{**vars(args), "sizes": [s for s in args.sizes if s <= args.peer_max_size]})
        reports.append(run_server(Ralph(WORK / "ralph", Path(args.peer_venv), args.pin), dataset, meta, extra,
                                  peer_args))
    if len(reports) == 2:
        print("\n== side by side (Learnfolio / Ralph)")
        for line in ratios(reports[0], reports[1]):
            print(line)
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "reports": reports}, indent=1))


if __name__ == "__main__":
    main()
