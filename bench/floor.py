"""Learnfolio beside the floor of its own stack (bench/floor_app.py), in one run, alternating rounds:
how much of each issue-18 target the stack takes before any of Learnfolio's own work, and how far
above it Learnfolio sits.

    .venv/bin/python -m bench.floor --store <copy of a store loaded by bench.run --store> --rounds 3 \\
        --concurrency 4,16 --floors rows,mask,rows:none

The floor's own store is loaded once with the same statements, through its API, and kept
(``bench/.work/floor-<size>-<index>``); the Learnfolio store is used as it is (give a copy: the
write workloads add to it). Floors: ``rows`` (Learnfolio's index rows), ``mask`` (role-mask rows),
``:none`` (the same work without Flask).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
from pathlib import Path

from bench.ab import WORKLOADS, KeptRun, Variant, alternate, report
from bench.run import load
from bench.servers import ROOT, Server

#: issue 18's targets in server CPU per operation (µs; per statement for POST 100)
TARGETS = {"post 100": 200, "post 1": 1200, "get by id": 800, "get agent": 800, "get verb": 800,
           "get activity": 800, "get registration": 800, "get verb+since": 800, "get latest": 800}


class Floor(Server):
    """bench/floor_app.py served as ``lrs serve`` serves Learnfolio, in its own kept data folder."""

    name = "floor"
    keep_home = True

    def __init__(self, home: Path, index: str, framework: str = "flask", workers: int | None = None):
        super().__init__(home)
        self.index, self.framework, self.workers = index, framework, workers
        self.label = f"floor-{index}" + ("" if framework == "flask" else f"-{framework}")
        self.auth = ("floor", "floor")  # sent, never checked: the floor does no authentication

    def env(self):
        return {**os.environ, "LRS_FLOOR_DB": str(self.home / "floor.sqlite3"), "LRS_FLOOR_INDEX": self.index,
                "LRS_FLOOR_FRAMEWORK": self.framework,
                "LRS_PORT": str(self.port), "LRS_WORKERS": str(self.workers or ""),
                "PYTHONPATH": str(ROOT)}

    def command(self):
        return [sys.executable, "-m", "bench.floor_app"]

    def disk_bytes(self):
        return sum(f.stat().st_size for f in self.home.glob("floor.sqlite3*"))


def loaded_floor(size: int, spec: str, dataset: Path, workers: int | None) -> Floor:
    """The floor ``INDEX[:FRAMEWORK]`` with ``size`` statements of the dataset, loaded through its API
    once and kept (one store per index layout)."""
    index, _, framework = spec.partition(":")
    home = ROOT / "bench" / ".work" / f"floor-{size}-{index}"
    floor = Floor(home, index, framework or "flask", workers)
    marker = home / "loaded"
    if not marker.exists():
        for stale in home.glob("floor.sqlite3*"):
            stale.unlink()
        floor.start()
        try:
            print(f"loading the floor ({index}) with {size:,} statements", flush=True)
            asyncio.run(load(floor, dataset, 0, size))
        finally:
            floor.stop()
        marker.write_text(json.dumps({"loaded": size}))
    return floor


def targets_table(servers: list, cpu: dict, names: list[str], levels: list[int]) -> None:
    """Each target beside the floor's and Learnfolio's medians: what the stack leaves for the LRS's work."""
    print("\nissue 18's targets (server CPU, µs per request; per statement for post 100), medians")
    for level in levels:
        for name in names:
            if name not in TARGETS:
                continue
            row = [f"{name:<17} c={level:<3} target {TARGETS[name]:5}"]
            for server in servers:
                med = statistics.median(cpu[(name, level, server.label)])
                row.append(f"{server.label} {med:6.0f} ({med / TARGETS[name]:.2f}× target)")
            print("  ".join(row))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True, help="a copy of a data folder loaded by bench.run --store")
    parser.add_argument("--floors", default="rows", help="the floors, each INDEX[:FRAMEWORK]: index rows or mask, "
                        "framework flask (default) or none; e.g. rows,mask,rows:none")
    parser.add_argument("--workloads", default=WORKLOADS)
    parser.add_argument("--concurrency", default="4")
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="workers of every server (default: lrs serve's)")
    args = parser.parse_args(argv)
    run = KeptRun.of(args)
    servers = [Variant(run.home, "learnfolio", {}, args.workers)]
    servers += [loaded_floor(run.size, spec.strip(), run.dataset, args.workers) for spec in args.floors.split(",")]
    cpu, p99 = alternate(servers, run.meta, run.extra, run.size, run.names, run.levels, args.rounds, args.duration)
    report(servers, cpu, p99, run.names, run.levels)
    targets_table(servers, cpu, run.names, run.levels)


if __name__ == "__main__":
    main()
