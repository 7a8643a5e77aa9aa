"""The benchmark's write workloads post new statements every time: on a kept store (bench.ab,
bench.floor, bench.run --store) statements posted by an earlier run are stored already, and posting
them again measures the path that finds them and writes nothing."""

from __future__ import annotations

import json

from bench.floor import Floor
from bench.generator import StatementGenerator
from bench.run import Workloads


def test_every_run_posts_statements_never_posted_before(tmp_path):
    extra = tmp_path / "extra.jsonl"
    batches = [StatementGenerator(seed=n).batch(10) for n in range(3)]
    extra.write_text("".join(json.dumps(batch) + "\n" for batch in batches))
    dataset_ids = {s["id"] for batch in batches for s in batch}
    server = Floor(tmp_path / "floor", "rows")  # only its xapi_path is used; nothing is started
    posted = []
    for _ in range(2):  # two runs over the same kept store, as bench.ab's rounds are
        work = Workloads(server, {"statement_ids": []}, extra, 0)
        for _ in range(4):
            method, path, body, headers, count = work.post(10)()
            posted += [s["id"] for s in json.loads(body)]
    assert len(posted) == 80  # the 30 statements of the file, used more than twice over
    assert len(set(posted)) == len(posted)
    assert not dataset_ids & set(posted)
