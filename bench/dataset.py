"""Pre-generated statement batches on disk, so the load generator spends its CPU on
sending, not on making statements. One line = one JSON array of 100 statements."""

from __future__ import annotations

import json
import random
from pathlib import Path

from bench.generator import StatementGenerator

CACHE = Path(__file__).resolve().parent / ".cache"
BATCH = 100


def ensure_dataset(count: int, seed: int = 42, progress=print) -> tuple[Path, dict]:
    """Batches for ``count`` statements and facts the workloads query by."""
    CACHE.mkdir(exist_ok=True)
    path = dataset_path(count, seed)
    meta_path = path.with_suffix(".meta.json")
    if path.exists() and meta_path.exists():
        return path, json.loads(meta_path.read_text())
    generator = StatementGenerator(seed=seed)
    sample = random.Random(seed + 1)
    ids, agents = [], []
    tmp = path.with_suffix(".tmp")
    with tmp.open("w") as out:
        for done in range(0, count, BATCH):
            batch = generator.batch(min(BATCH, count - done))
            out.write(json.dumps(batch, separators=(",", ":")) + "\n")
            if sample.random() < 0.05:
                ids.append([done, batch[0]["id"]])
                agents.append(batch[0]["actor"])
            if done and done % 100_000 == 0:
                progress(f"  generated {done:,} statements", flush=True)
    tmp.rename(path)
    meta = {
        "count": count, "seed": seed, "statement_ids": ids,  # [position in the dataset, id]
        "agents": [{k: v for k, v in a.items() if k != "name"} for a in agents[:500]],
        "verbs": sorted({f"http://adlnet.gov/expapi/verbs/{v}" for v in generator.displays}),
        "activities": [f"{c}/activities/{i}" for c in generator.courses[:50] for i in range(5)],
        "courses": generator.courses,
        "registrations": sample.sample(sorted(generator.registrations.values()),
                                       min(500, len(generator.registrations))),
    }
    meta_path.write_text(json.dumps(meta))
    return path, meta


def dataset_path(count: int, seed: int = 42) -> Path:
    return CACHE / f"statements-v2-seed{seed}-{count}.jsonl"


def batches(path: Path, start: int = 0, stop: int | None = None):
    """The encoded batches from line ``start`` (a batch index) up to ``stop``."""
    with path.open("rb") as lines:
        for index, line in enumerate(lines):
            if index < start:
                continue
            if stop is not None and index >= stop:
                return
            yield line.rstrip(b"\n")
