"""The request path's CPU without any HTTP server: the app ``lrs serve`` runs (metrics in
Prometheus multiprocess mode, as under ``lrs serve``) called as WSGI with ready-made environs,
one thread, CPU time per request; with ``--profile`` a cProfile of it; with ``--compare-log``
the same requests with and without the request log ``make serve`` turns on.

    .venv/bin/python -m bench.profile_app --statements 20000 --requests 3000
    .venv/bin/python -m bench.profile_app --workloads "post 1" --profile --top 40
    .venv/bin/python -m bench.profile_app --compare-log --rounds 5
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from bench.dataset import batches, ensure_dataset

WORK = Path(__file__).resolve().parent / ".work" / "profile"
LRS = str(Path(sys.executable).parent / "lrs")


def prepare(home: Path, count: int) -> tuple[str, str]:
    """A data folder with ``count`` statements, made once and kept (``lrs init``, then POSTs)."""
    marker = home / f"loaded-{count}"
    info_path = home / "first-login.json"
    if marker.exists():
        credential = json.loads(info_path.read_text())["credential"]
        return credential["key"], credential["secret"]
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    out = subprocess.run([LRS, "init", "--json"], env={**os.environ, "LRS_HOME": str(home)}, check=True,
                         capture_output=True, text=True).stdout
    credential = json.loads(out)["credential"]
    info_path.write_text(out)
    app = make_app(home, request_log="")
    dataset, _ = ensure_dataset(max(count, 100_000))
    auth = (credential["key"], credential["secret"])
    for body in batches(dataset, 0, count // 100):
        status, _ = call(app, environ(auth, "POST", "/xapi/statements", body=body))
        assert status.startswith("200"), status
    marker.touch()
    return auth


def make_app(home: Path, **overrides):
    """The app as a worker of ``lrs serve`` has it: built, then settled (lrs.rsgi.settle)."""
    from lrs.app import create_app
    from lrs.config import Config
    from lrs.rsgi import settle

    app = create_app(Config.from_env({"home": home, **overrides}))
    settle()
    return app


def environ(auth, method: str, path: str, query: str = "", body: bytes = b"", version: str = "1.0.3") -> dict:
    token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    return {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000", "HTTP_HOST": "127.0.0.1:8080",
        "HTTP_AUTHORIZATION": f"Basic {token}", "HTTP_X_EXPERIENCE_API_VERSION": version,
        "CONTENT_TYPE": "application/json" if body else "", "CONTENT_LENGTH": str(len(body)) if body else "",
        "wsgi.input": body, "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }


def call(app, env: dict) -> tuple[str, bytes]:
    env = dict(env)
    env["wsgi.input"] = io.BytesIO(env["wsgi.input"])
    answer = []
    result = app(env, lambda status, headers, exc_info=None: answer.append(status))
    body = b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return answer[0], body


def workloads(auth, meta: dict, extra_path: Path, size: int):
    rng = random.Random(7)
    ids = [statement_id for position, statement_id in meta["statement_ids"] if position < size]
    fresh = (json.loads(line) for line in batches(extra_path))
    pending: list = []

    def statements(n):
        while len(pending) < n:
            pending.extend(next(fresh))
        out = pending[:n]
        del pending[:n]
        for statement in out:  # new every time: a re-sent statement takes another path (the comparison)
            statement["id"] = str(uuid.uuid4())
        return json.dumps(out).encode()

    def get(build):
        return lambda: environ(auth, "GET", "/xapi/statements", urlencode({**build(), "limit": 100}))

    return {
        "get agent": get(lambda: {"agent": json.dumps(rng.choice(meta["agents"]))}),
        "get verb": get(lambda: {"verb": rng.choice(meta["verbs"])}),
        "get activity": get(lambda: {"activity": rng.choice(meta["activities"])}),
        "get registration": get(lambda: {"registration": rng.choice(meta["registrations"])}),
        "get verb+since": get(lambda: {"verb": rng.choice(meta["verbs"]), "since": "2026-01-01T00:00:00Z"}),
        "get latest": get(lambda: {}),
        "get by id": lambda: environ(auth, "GET", "/xapi/statements",
                                     urlencode({"statementId": rng.choice(ids)})),
        "post 1": lambda: environ(auth, "POST", "/xapi/statements", body=statements(1)),
        "post 100": lambda: environ(auth, "POST", "/xapi/statements", body=statements(100)),
        "about": lambda: environ(auth, "GET", "/xapi/about"),
    }


def run(app, make, n: int, profile: cProfile.Profile | None = None) -> float:
    """CPU µs per request over ``n`` requests (environs made beforehand)."""
    envs = [make() for _ in range(n)]
    if profile:
        profile.enable()
    started = time.process_time()
    for env in envs:
        status, _ = call(app, env)
        if status[0] not in "23":
            raise RuntimeError(f"{status} for {env['REQUEST_METHOD']} {env['QUERY_STRING'][:80]}")
    spent = time.process_time() - started
    if profile:
        profile.disable()
    return spent / n * 1e6


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workloads", default="about,get by id,get agent,get verb,get activity,post 1,post 100")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--compare-log", action="store_true", help="with and without LRS_REQUEST_LOG, alternating")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare", nargs=2, metavar="SETTING=VALUE", default=None,
                        help="two apps on the same store differing in one Config field (ints as ints), alternating; "
                             "e.g. --compare sqlite_mmap_bytes=0 sqlite_mmap_bytes=2147483648")
    parser.add_argument("--home", default=None, help="an existing data folder (e.g. a kept bench store) instead")
    args = parser.parse_args(argv)
    home = Path(args.home) if args.home else WORK / f"home-{args.statements}"
    metrics = WORK / "metrics"
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)  # as lrs serve runs its workers
    if args.home:  # kept as it is: only its first credential is read (lrs init prints it again)
        out = subprocess.run([LRS, "init", "--json"], env={**os.environ, "LRS_HOME": str(home)}, check=True,
                             capture_output=True, text=True).stdout
        auth = tuple(json.loads(out)["credential"][k] for k in ("key", "secret"))
    else:
        auth = prepare(home, args.statements)
    _, meta = ensure_dataset(max(args.statements, 100_000))
    extra, _ = ensure_dataset(300_000, seed=7)
    names = [w.strip() for w in args.workloads.split(",")]
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    if args.compare_log or args.compare:
        log = WORK / "requests.log"
        if args.compare:
            settings = [dict([(k, int(v) if v.isdigit() else v) for k, v in [pair.split("=", 1)]])
                        for pair in args.compare]
            apps = {label: make_app(home, metrics_dir=str(metrics), **setting)
                    for label, setting in zip(args.compare, settings)}
        else:
            apps = {"no log": make_app(home, request_log="", metrics_dir=str(metrics)),
                    "request log": make_app(home, request_log=str(log), metrics_dir=str(metrics))}
        first, second = list(apps)
        for name in names:
            figures = {k: [] for k in apps}
            makers = {k: workloads(auth, meta, extra, args.statements)[name] for k in apps}
            for _ in range(args.rounds):
                for label, app in apps.items():
                    run(app, makers[label], 50)  # warm
                    figures[label].append(run(app, makers[label], args.requests))
            base, other = statistics.median(figures[first]), statistics.median(figures[second])
            print(f"{name:<14} {first} {base:7.0f} µs  {second} {other:7.0f} µs  "
                  f"difference {other - base:+6.0f} µs ({(other - base) / base:+.1%})  "
                  f"[rounds: {[round(x) for x in figures[first]]} / {[round(x) for x in figures[second]]}]")
        return
    app = make_app(home, metrics_dir=str(metrics))
    makers = workloads(auth, meta, extra, args.statements)
    for name in names:
        run(app, makers[name], 50)
        profile = cProfile.Profile() if args.profile else None
        per = run(app, makers[name], args.requests, profile)
        print(f"{name:<14} {per:7.0f} µs CPU per request (one thread, no HTTP server)", flush=True)
        if profile:
            stats = pstats.Stats(profile)
            stats.sort_stats("tottime").print_stats(args.top)
            stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
