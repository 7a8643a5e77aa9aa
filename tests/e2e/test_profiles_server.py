"""xAPI Profiles on a real server (`lrs serve`, two workers): the operator assigns a shipped profile with
the `lrs` command while the server runs, in enforce and then report mode, and every worker follows."""

from __future__ import annotations

import json
import subprocess

import requests

from tests.e2e.server import LRS, running_server

JOURNAL = "https://learnfolio.example/xapi/profiles/journal"
VERSION = {"X-Experience-API-Version": "1.0.3"}


def lrs(server, *args) -> str:
    return subprocess.run([LRS, *args], env=server.env, check=True, capture_output=True, text=True).stdout


def entry(n, platform="lrs-journal") -> dict:
    return {"id": f"00000000-0000-4000-8000-{n:012d}", "actor": {"mbox": "mailto:ada@example.org"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": f"urn:lrs-journal:abc:notes.md#{n}",
                       "definition": {"type": "http://activitystrea.ms/schema/1.0/note", "name": {"und": "E"}}},
            "context": {"platform": platform}}


def test_both_modes_on_a_running_server(tmp_path):
    with running_server(tmp_path) as server:
        made = json.loads(lrs(server, "credentials", "create", "--name", "notes", "--json",
                              "--profile", JOURNAL, "--profile-mode", "enforce"))
        auth = (made["key"], made["secret"])

        def post(statement):
            return requests.post(f"{server.xapi}/statements", json=statement, auth=auth, headers=VERSION, timeout=10)

        for n in range(1, 5):  # requests reach both workers
            assert post(entry(n)).status_code == 200
            refused = post(entry(100 + n, platform="elsewhere"))
            assert refused.status_code == 400 and f"{JOURNAL}/templates/entry" in refused.json()["message"]
        lrs(server, "profiles", "assign", made["key"], JOURNAL, "report")
        for n in range(101, 105):
            assert post(entry(n, platform="elsewhere")).status_code == 200
        found = json.loads(lrs(server, "profiles", "findings", "--json"))
        assert sorted(b["statement"] for b in found) == [entry(n)["id"] for n in range(101, 105)]
        assert all(b["findings"][0]["failures"][0]["location"] == "$.context.platform" for b in found)
