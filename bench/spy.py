"""Where the live server's CPU goes, workload by workload: ``lrs serve`` on a kept store (loaded by
``bench.run --store``), each workload run closed-loop while py-spy samples every worker, and the
samples summed by where they were taken (the innermost frame's module: SQLite calls from the
store, validation, JSON, Flask/werkzeug, the RSGI bridge and asyncio, metrics, ...). The figure
beside bench.run's server CPU per request: it says which part of it each layer is.

    .venv/bin/python -m bench.spy --store /work/bench-store --workloads "get agent,post 1,post 100"

py-spy samples the threads that are not idle (wall clock of busy threads, not CPU time: a thread in
``fdatasync`` or waiting for a page read counts while it waits), without ``--native`` SQLite's own
C code shows as the Python line that called it. The collapsed stacks are kept (``--out``) for a
flame graph.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench.ab import requests_of
from bench.dataset import ensure_dataset
from bench.run import Workloads, closed_loop
from bench.servers import Learnfolio

#: (area, what a frame's "function (file:line)" text contains), first match from the innermost frame out
AREAS = [
    ("durable commit (fdatasync of the WAL)", ("_sync_wal", "fdatasync")),
    ("metrics (prometheus_client)", ("prometheus_client",)),
    ("request log", ("lrs/observability.py",)),
    ("SQLite statements (store)", ("lrs/store/",)),
    ("JSON parse and serialise", ("jsontext.py", "json/", "orjson")),
    ("xAPI validation (fast path and schemas)", ("fastcheck.py", "validation.py", "marshmallow")),
    ("xAPI query, cursors, write rules", ("lrs/xapi/",)),
    ("access, credentials, authentication", ("lrs/access.py", "lrs/auth/")),
    ("plugins' hooks (pluggy, profiles)", ("pluggy", "lrs/profiles")),
    ("Flask and werkzeug", ("flask/", "werkzeug/")),
    ("the API's own code", ("lrs/api/", "lrs/app.py", "lrs/ingest.py")),
    ("RSGI bridge, asyncio, threads", ("lrs/rsgi.py", "asyncio/", "threading.py", "concurrent/")),
]


#: innermost frames where a thread waits rather than works (py-spy counts some of them as busy)
WAITS = ("select (selectors.py", "(concurrent/futures/thread.py:81)", "wait (threading.py", "_sync_wal (")
NO_PYTHON = "Granian's own threads (no Python frames: socket I/O, and yielding, which py-spy counts as busy)"
WAITING = "waiting: the event loop's select, idle pool threads, fdatasync of the WAL"


def area_of(stack: str) -> str:
    """The area of one collapsed stack (frames separated by ';', outermost first)."""
    frames = stack.split(";")
    if all(frame.startswith("process ") for frame in frames):
        return NO_PYTHON
    if any(mark in frames[-1] for mark in WAITS):
        return WAITING
    for frame in reversed(frames):
        for area, marks in AREAS:
            if any(mark in frame for mark in marks):
                return area
    return "other (Granian's glue, interpreter)"


def summarise(collapsed: Path) -> tuple[int, Counter, Counter]:
    """Samples in all, by area, and by innermost frame."""
    areas: Counter = Counter()
    leaves: Counter = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        areas[area_of(stack)] += n
        leaves[stack.split(";")[-1]] += n
    return total, areas, leaves


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True, help="a data folder loaded by bench.run --store")
    parser.add_argument("--workloads", default="get agent,get latest,get by id,post 1,post 100")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--duration", type=float, default=10, help="seconds sampled per workload")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=12, help="innermost frames listed per workload")
    parser.add_argument("--out", default="bench/.work/spy", help="where the collapsed stacks go")
    args = parser.parse_args(argv)
    home = Path(args.store)
    size = json.loads((home / "bench-progress.json").read_text())["loaded"]
    _, meta = ensure_dataset(size)
    extra, _ = ensure_dataset(300_000, seed=7)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    spy = str(Path(sys.executable).parent / "py-spy")
    server = Learnfolio(home, keep=True).start()
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    try:
        made = requests_of(Workloads(server, meta, extra, size))
        for name in [w.strip() for w in args.workloads.split(",")]:
            asyncio.run(closed_loop(server, name, made[name], args.concurrency, 1.0, size))  # warm
            collapsed = out / f"{name.replace(' ', '-')}.txt"
            recorder = subprocess.Popen(
                [spy, "record", "--pid", str(server.proc.pid), "--subprocesses", "--nonblocking", "--format", "raw",
                 "--rate", str(args.rate), "--duration", str(int(args.duration) + 1), "--output", str(collapsed)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)  # py-spy attached before the load starts
            result = asyncio.run(closed_loop(server, name, made[name], args.concurrency, args.duration, size))
            recorder.wait(timeout=args.duration + 30)
            per = result.server_cpu / (result.statements or result.requests) * 1e6
            total, areas, leaves = summarise(collapsed)
            working = total - areas[NO_PYTHON] - areas[WAITING]
            print(f"\n{name}, c={args.concurrency}: {per:.0f} µs server CPU per "
                  f"{'statement' if result.statements else 'request'}; {total} samples: {areas[NO_PYTHON]} of "
                  f"Granian's threads, {areas[WAITING]} waiting, {working} of Python at work, of which:")
            for area, n in areas.most_common():
                if area not in (NO_PYTHON, WAITING):
                    print(f"  {n / max(working, 1):6.1%}  {area}")
            print("  innermost frames:")
            for frame, n in [(f, n) for f, n in leaves.most_common() if not f.startswith("process ")][:args.top]:
                print(f"  {n / total:6.1%}  {frame[:110]}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
