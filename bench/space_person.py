"""The space for one person with N records (in a store of 2N): timeline (first page, an older page,
a text search, tag, way, type, source and verb filters, the hidden records) and "how I learn", timed
in-process (Flask test client, one thread): median and worst of 12 calls after the first, wall ms,
and the first call of all (the first call of a session). Then a fresh process opens the same store
and times the first call of each page. Issue 18's target 3 (p99 ≤ 100 ms at 20,000 records).

    .venv/bin/python -m bench.space_person 20000
    .venv/bin/python -m bench.space_person 20000 --in-place /work/bench-store   # in the 10M store
"""
from __future__ import annotations

import argparse
import base64
import json
import re
import statistics
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.dataset import batches, ensure_dataset
from lrs.app import create_app
from lrs.auth.credentials import create_tool_credential
from lrs.auth.personal import create_person, person_agent

PASSWORD = "a-long-password-1"
TAGS = "http://id.tincanapi.com/extension/tags"
PAGES = [("timeline", "/space/"), ("timeline older", None), ("timeline ?q=", "/space/?q=database"),
         ("timeline ?tag=", "/space/?tag=xapi"), ("timeline ?way=", "/space/?way=events"),
         ("timeline ?type=", "/space/?type=Course"), ("timeline ?source=", "/space/?source=Example+LMS"),
         ("timeline ?verb=", "/space/?verb=http://adlnet.gov/expapi/verbs/completed"),
         ("timeline hidden", "/space/?hidden=only"), ("how I learn", "/space/ways")]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("records", type=int, nargs="?", default=20000, help="the person's records (default 20000)")
    parser.add_argument("--calls", type=int, default=12, help="calls of each page after the first (default 12)")
    parser.add_argument("--store", metavar="DIR", help="a store loaded by an earlier run (--keep) to copy and "
                                                       "measure instead of loading one")
    parser.add_argument("--keep", metavar="DIR", help="keep a copy of the loaded store (before any page) here")
    parser.add_argument("--in-place", metavar="DIR", help="measure in this data folder itself, no copy (e.g. the "
                                                          "10M store of bench.run --store): the person's records "
                                                          "(and as many of others) are added to it the first time")
    parser.add_argument("--fresh", metavar="HOME", help=argparse.SUPPRESS)  # the fresh process's part
    args = parser.parse_args(argv)
    if args.fresh:
        _fresh(Path(args.fresh))
        return
    if args.in_place:  # a store too big to copy: it keeps what is loaded into it
        home = Path(args.in_place)
        _measure(home, args.records, args.calls, load=not (home / "space-person-loaded").exists())
        (home / "space-person-loaded").touch()
        print("a fresh process, the same store: the first call of each page")
        subprocess.run([sys.executable, "-m", "bench.space_person", "--fresh", str(home)], check=True)
        return
    home = Path(tempfile.mkdtemp(prefix="space-person-"))
    try:
        if args.store:
            shutil.copytree(args.store, home, dirs_exist_ok=True)
        _measure(home, args.records, args.calls, load=not args.store, keep=args.keep)
        print("a fresh process, the same store: the first call of each page")
        subprocess.run([sys.executable, "-m", "bench.space_person", "--fresh", str(home)], check=True)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _app(home: Path):
    return create_app({"home": home, "secret_key": "x" * 32, "load_plugins": ("space", "cpd", "chat")})


def _signed_in(app):
    b = app.test_client()
    page = b.get("/space/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = b.post("/space/signin", data={"username": "ann", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302, r.status_code
    return b


def _older(b) -> str:
    html = b.get("/space/").get_data(as_text=True)
    return re.search(r'<a rel="next" href="([^"]+)">', html).group(1).replace("&amp;", "&")


def _measure(home: Path, N: int, calls: int, load: bool = True, keep: str | None = None) -> None:
    app = _app(home)
    if load:
        _load(app, N)
        if keep:
            app.extensions["lrs"].store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copytree(home, keep, dirs_exist_ok=True)
    b = _signed_in(app)
    cpu, t = time.thread_time(), time.perf_counter()
    r = b.get("/space/")
    print(f"{'first call':<18} {(time.perf_counter() - t) * 1000:8.1f} ms, CPU {(time.thread_time() - cpu) * 1000:.1f}"
          " ms   (the first page of the first session)")
    older = _older(b)
    for name, url in PAGES:
        url = url or older
        times, cpus = [], []
        t = time.perf_counter(); r = b.get(url); first = (time.perf_counter() - t) * 1000
        assert r.status_code == 200, (url, r.status_code)
        for _ in range(calls):
            cpu, t = time.thread_time(), time.perf_counter()
            r = b.get(url)
            times.append((time.perf_counter() - t) * 1000)
            cpus.append((time.thread_time() - cpu) * 1000)
            assert r.status_code == 200, (url, r.status_code)
        times.sort()
        cpus.sort()
        print(f"{name:<18} p50 {statistics.median(times):8.1f} ms   max of {calls} {times[-1]:8.1f} ms"
              f"   CPU p50 {statistics.median(cpus):7.1f} max {cpus[-1]:7.1f} ms   (first call {first:.1f})")


def _load(app, N: int) -> None:
    lrs = app.extensions["lrs"]
    create_person(lrs.store, lrs.config, "ann", PASSWORD)
    cred, secret = create_tool_credential(lrs.store, lrs.config, "loader", ["all"])
    auth = "Basic " + base64.b64encode(f"{cred.key}:{secret}".encode()).decode()
    client = app.test_client()
    H = {"Authorization": auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    path, _ = ensure_dataset(100_000)
    agent = person_agent(lrs.config, "ann")
    done = 0
    t0 = time.time()
    for body in batches(path, 0, 2 * N // 100):   # half of them are ann's, half other people's
        statements = json.loads(body)
        for i, s in enumerate(statements):
            s["id"] = str(uuid.uuid4())
            if i % 2 == 0:
                s["actor"] = agent
                if i % 14 == 0:  # one in seven of hers is tagged
                    s.setdefault("context", {}).setdefault("extensions", {})[TAGS] = ["xapi"]
        r = client.post("/xapi/statements", data=json.dumps(statements), headers=H)
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        done += len(statements)
    print(f"loaded {done} statements ({done // 2} of ann's) in {time.time() - t0:.0f} s")


def _fresh(home: Path) -> None:
    b = _signed_in(_app(home))
    for name, url in PAGES:
        if url is None:
            continue
        cpu, t = time.thread_time(), time.perf_counter()
        r = b.get(url)
        took, cpu = (time.perf_counter() - t) * 1000, (time.thread_time() - cpu) * 1000
        assert r.status_code == 200, (url, r.status_code)
        print(f"{name:<18} first call {took:8.1f} ms, CPU {cpu:7.1f} ms")


if __name__ == "__main__":
    main()
