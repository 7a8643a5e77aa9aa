"""Server CPU per request of two (or more) variants of ``lrs serve`` on one kept store, in
alternating rounds, so that a busy machine weighs on both alike: the A/B of issue 18's
server-path work. A variant is a label and ``NAME=VALUE`` environment settings (an ``LRS_*``
setting, or ``PYTHONPATH=<an exported tree>`` to run other code with this venv).

    .venv/bin/python -m bench.ab --store /work/wt/serverpath-store --rounds 3 \\
        --variant base PYTHONPATH=/tmp/base --variant new

The store must have been loaded by ``bench.run --store`` (it reads its size from there).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.dataset import ensure_dataset
from bench.run import Workloads, closed_loop
from bench.servers import Learnfolio

WORKLOADS = "get agent,get verb,get activity,get latest,get by id,post 1,post 100"


class Variant(Learnfolio):
    def __init__(self, home, label: str, settings: dict, workers: int | None):
        super().__init__(home, workers=workers, keep=True)
        self.label, self.settings = label, settings

    def env(self):
        return {**super().env(), **self.settings}


@dataclass
class KeptRun:
    """What workloads on a kept store need from the command line (``--store``, ``--workloads``,
    ``--concurrency``): the store, its size, the datasets (what it was loaded with, what to post)."""

    home: Path
    size: int
    dataset: Path
    meta: dict
    extra: Path
    names: list[str]
    levels: list[int]

    @classmethod
    def of(cls, args) -> "KeptRun":
        home = Path(args.store)
        size = json.loads((home / "bench-progress.json").read_text())["loaded"]
        dataset, meta = ensure_dataset(size)
        extra, _ = ensure_dataset(300_000, seed=7)
        return cls(home, size, dataset, meta, extra, [w.strip() for w in args.workloads.split(",")],
                   [int(c) for c in args.concurrency.split(",")])


def requests_of(work: Workloads) -> dict:
    filters = work.filters()
    made = {f"get {name}": work.get(build) for name, build in filters.items()}
    made["get by id"] = work.by_id
    made.update({"post 1": work.post(1), "post 10": work.post(10), "post 100": work.post(100)})
    return made


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True, help="a data folder loaded by bench.run --store")
    parser.add_argument("--variant", nargs="+", action="append", required=True, metavar="LABEL [NAME=VALUE …]")
    parser.add_argument("--workloads", default=WORKLOADS)
    parser.add_argument("--concurrency", default="4")
    parser.add_argument("--duration", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    run = KeptRun.of(args)
    variants = [Variant(run.home, v[0], dict(s.split("=", 1) for s in v[1:]), args.workers) for v in args.variant]
    cpu, p99 = alternate(variants, run.meta, run.extra, run.size, run.names, run.levels, args.rounds, args.duration)
    report(variants, cpu, p99, run.names, run.levels)


def alternate(servers: list, meta: dict, extra, size: int, names: list[str], levels: list[int], rounds: int,
              duration: float) -> tuple[dict, dict]:
    """Each server (with a ``label``) in turn, the order reversed every other round, every workload at every
    level: server CPU per request (per statement for POSTs) and p99, by (workload, level, label)."""
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    cpu: dict = {}
    p99: dict = {}
    for round_ in range(rounds):
        order = servers if round_ % 2 == 0 else servers[::-1]
        for server in order:
            server.start()
            try:
                work = Workloads(server, meta, extra, size)
                made = requests_of(work)
                for level in levels:
                    for name in names:
                        asyncio.run(closed_loop(server, name, made[name], level, 0.5, size))  # warm
                        result = asyncio.run(closed_loop(server, name, made[name], level, duration, size))
                        per = result.server_cpu / (result.statements or result.requests) * 1e6
                        cpu.setdefault((name, level, server.label), []).append(per)
                        p99.setdefault((name, level, server.label), []).append(result.pct(.99))
                        print(f"  round {round_ + 1} {server.label:<10} {name:<13} c={level:<3} {per:7.0f} µs/"
                              f"{'stmt' if result.statements else 'req '} p99 {result.pct(.99):6.1f} ms "
                              f"err {result.errors}", flush=True)
            finally:
                server.stop()
    return cpu, p99


def report(servers: list, cpu: dict, p99: dict, names: list[str], levels: list[int]) -> None:
    first = servers[0].label
    print(f"\nmedian server CPU per request (per statement for posts), rounds in brackets; ratio to {first}")
    for level in levels:
        for name in names:
            base = statistics.median(cpu[(name, level, first)])
            row = [f"{name:<13} c={level:<3}"]
            for server in servers:
                figures = cpu[(name, level, server.label)]
                med = statistics.median(figures)
                row.append(f"{server.label} {med:6.0f} [{'/'.join(str(round(x)) for x in figures)}] "
                           f"p99 {statistics.median(p99[(name, level, server.label)]):5.1f}"
                           + ("" if server.label == first else f" ×{med / base:.3f}"))
            print("  ".join(row))

if __name__ == "__main__":
    main()
