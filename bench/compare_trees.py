"""In-process CPU per request of two checkouts of Learnfolio, interleaved: each runs
:mod:`bench.profile_app`'s workloads in its own process (its own venv and store), round after
round, the order swapped every round; medians and the paired change per round. For code
changes (``profile_app --compare`` compares settings of one checkout).

    .venv/bin/python -m bench.compare_trees /path/to/base-checkout . --statements 100000 --rounds 7 \\
        --workloads "post 100:20,post 1:300,get agent:300,more:100"

The workers run this file with each checkout's Python and code (the base need not have it).
Each checkout loads its own store (``bench/.work/profile/home-N``) on first use; copy one made by
the base into the other when the schema is the same, so both start from the same statements.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit


def serve(size: int) -> None:
    """The worker: answer ``workload|n`` lines with the CPU µs per request of that workload."""
    from bench import profile_app as pa
    from bench.dataset import ensure_dataset

    metrics = pa.WORK / "metrics-compare"
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    home = pa.WORK / f"home-{size}"
    auth = pa.prepare(home, size)
    _, meta = ensure_dataset(max(size, 100_000))
    extra, _ = ensure_dataset(300_000, seed=7)
    app = pa.make_app(home, metrics_dir=str(metrics))
    makers = pa.workloads(auth, meta, extra, size)
    rng = random.Random(11)  # the workloads an older profile_app does not have
    for name, params in (("get registration", lambda: {"registration": rng.choice(meta["registrations"])}),
                         ("get verb+since", lambda: {"verb": rng.choice(meta["verbs"]),
                                                     "since": "2026-01-01T00:00:00Z"}),
                         ("get latest", dict)):
        makers.setdefault(name, lambda params=params: pa.environ(auth, "GET", "/xapi/statements",
                                                                 urlencode({**params(), "limit": 100})))
    first = urlencode({"verb": "http://adlnet.gov/expapi/verbs/answered", "limit": 100})

    def more(n: int) -> float:
        """``more`` links followed from the first page, 50 pages deep at most, as bench.run's walk."""
        query, spent = first, 0.0
        for page in range(1, n + 1):
            env = pa.environ(auth, "GET", "/xapi/statements", query)
            started = time.process_time()
            status, body = pa.call(app, env)
            spent += time.process_time() - started
            if not status.startswith("200"):
                raise RuntimeError(status)
            link = json.loads(body)["more"]
            query = urlsplit(link).query if link and page % 50 else first
        return spent / n * 1e6

    print("ready", flush=True)
    for line in sys.stdin:
        name, n = line.strip().split("|")
        if name == "more":
            more(5)
            per = more(int(n))
        else:
            pa.run(app, makers[name], max(2, int(n) // 20))  # warm
            per = pa.run(app, makers[name], int(n))
        print(f"{per:.1f}", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base")
    parser.add_argument("other")
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workloads", default="post 100:20,post 1:300,get agent:300,get verb:300")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return serve(args.statements)
    trees = {"base": Path(args.base).resolve(), "other": Path(args.other).resolve()}
    workers = {}
    for label, tree in trees.items():
        workers[label] = subprocess.Popen(
            # this file, run by the checkout's own Python with its code first on the path
            [str(tree / ".venv/bin/python"), __file__, "--worker", "-", "-", "--statements", str(args.statements)],
            cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True)
    for worker in workers.values():
        if worker.stdout.readline().strip() != "ready":
            raise SystemExit("a worker did not start")
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    work = [(spec.split(":")[0].strip(), int(spec.split(":")[1])) for spec in args.workloads.split(",")]
    figures = {(name, label): [] for name, _ in work for label in trees}
    for round_ in range(args.rounds):
        order = list(trees) if round_ % 2 == 0 else list(trees)[::-1]
        for name, n in work:
            for label in order:
                workers[label].stdin.write(f"{name}|{n}\n")
                workers[label].stdin.flush()
                figures[(name, label)].append(float(workers[label].stdout.readline()))
    for name, _ in work:
        base, other = figures[(name, "base")], figures[(name, "other")]
        paired = sorted((o - b) / b for b, o in zip(base, other))
        print(f"{name:<17} base {statistics.median(base):7.0f} µs  other {statistics.median(other):7.0f} µs  "
              f"paired change median {statistics.median(paired):+6.1%} (rounds {paired[0]:+.1%} … {paired[-1]:+.1%})  "
              f"[{[round(x) for x in base]} / {[round(x) for x in other]}]")
    for worker in workers.values():
        worker.stdin.close()
        worker.wait()


if __name__ == "__main__":
    main()
