"""``lrs migrate`` figures: N generated statements in SQLite, copied to a second SQLite file and
to mongomock (an in-memory imitation of pymongo: its figures say nothing of a MongoDB server).

    .venv/bin/python -m bench.migrate --count 100000 [--targets sqlite,mongomock] [--dir DIR]

Prints one JSON line per target: time, rate, counts per kind, the two checksums.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import click

from bench.generator import StatementGenerator
from lrs.cli import run_migration
from lrs.store.sqlite import SQLiteStore
from lrs.xapi.statements import prepare

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://example.org", "name": "bench"}}


def fill(store: SQLiteStore, count: int, seed: int = 42) -> float:
    """Store ``count`` generated statements through the store (as the API would); seconds taken."""
    generator = StatementGenerator(seed=seed)
    started = time.perf_counter()
    with click.progressbar(length=count, label="generating", file=sys.stderr) as bar:
        for done in range(0, count, 1000):
            batch = [prepare(s, authority=AUTHORITY, authority_key="bench", version="2.0.0", define=True, owners=None)
                     for s in generator.batch(min(1000, count - done))]
            store.store_statements(batch)
            bar.update(len(batch))
    return time.perf_counter() - started


def open_target(name: str, folder: Path):
    if name == "sqlite":
        return SQLiteStore(folder / "target.sqlite3", synchronous="NORMAL")
    if name == "mongomock":
        import mongomock

        from lrs.store.mongo import MongoStore

        return MongoStore(mongomock.MongoClient(), "migrate", transactions=False)
    raise SystemExit(f"unknown target {name!r}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--targets", default="sqlite,mongomock")
    parser.add_argument("--dir", type=Path, default=None, help="where the SQLite files go (default: a temp dir)")
    args = parser.parse_args(argv)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="lrs-migrate-"))
    folder.mkdir(parents=True, exist_ok=True)
    source_path = folder / f"source-{args.count}.sqlite3"
    source = SQLiteStore(source_path, synchronous="NORMAL")
    source.initialise()
    if source.statement_count() < args.count:
        seconds = fill(source, args.count - source.statement_count())
        print(json.dumps({"filled": args.count, "seconds": round(seconds, 1)}), flush=True)
    ok = True
    for name in args.targets.split(","):
        (folder / "target.sqlite3").unlink(missing_ok=True)
        target = open_target(name, folder)
        target.initialise()
        figures = run_migration(source, target, echo=lambda line: click.echo(line, err=True))
        ok &= figures["verified"]
        print(json.dumps({"target": name, **figures}), flush=True)
        target.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
