"""The space for one person with N records (in a store of 2N): timeline (first page, a text search,
a tag filter, a verb filter) and "how I learn", timed in-process (Flask test client, one thread):
median and worst of 12 calls, wall ms. Issue 18's target 3 (p99 ≤ 100 ms at 20,000 records).

    .venv/bin/python -m bench.space_person 20000
"""
from __future__ import annotations

import argparse
import base64
import json
import re
import statistics
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from bench.dataset import batches, ensure_dataset
from lrs.app import create_app
from lrs.auth.credentials import create_tool_credential
from lrs.auth.personal import create_person, person_agent



def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("records", type=int, nargs="?", default=20000, help="the person's records (default 20000)")
    N = parser.parse_args(argv).records
    home = Path(tempfile.mkdtemp(prefix="space-person-"))
    try:
        _measure(home, N)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _measure(home: Path, N: int) -> None:
    app = create_app({"home": home, "secret_key": "x" * 32, "load_plugins": ("space", "cpd", "chat")})
    lrs = app.extensions["lrs"]
    ann = create_person(lrs.store, lrs.config, "ann", "a-long-password-1")
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
        r = client.post("/xapi/statements", data=json.dumps(statements), headers=H)
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        done += len(statements)
    print(f"loaded {done} statements ({done // 2} of ann's) in {time.time() - t0:.0f} s")
    b = app.test_client()
    page = b.get("/space/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = b.post("/space/signin", data={"username": "ann", "password": "a-long-password-1", "csrf_token": token})
    assert r.status_code == 302, r.status_code
    for name, url in [("timeline", "/space/"), ("timeline ?q=", "/space/?q=database"), ("timeline ?tag=", "/space/?tag=xapi"),
                      ("timeline ?verb=", "/space/?verb=http://adlnet.gov/expapi/verbs/completed"), ("how I learn", "/space/ways")]:
        times = []
        for _ in range(12):
            t = time.perf_counter(); r = b.get(url); times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (url, r.status_code)
        times.sort()
        print(f"{name:<16} p50 {statistics.median(times):8.1f} ms   max of 12 {times[-1]:8.1f} ms")


if __name__ == "__main__":
    main()
