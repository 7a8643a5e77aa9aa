"""Real xAPI clients against a real Learnfolio server (`lrs init`, `lrs serve`): Rustici's
TinCanJS (npm `tincanjs`, run with node) and TinCanPython (PyPI `tincan`), as the tools people
already use would speak to it. Both come from `make test` (package.json, the test extra)."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import requests
from tincan import Activity, ActivityProfileDocument, Agent, AgentProfileDocument, RemoteLRS

from tests.e2e.server import running_server

ROOT = Path(__file__).resolve().parents[2]
TINCANJS_CLIENT = Path(__file__).with_name("tincanjs_client.js")
ACTIVITY = "http://example.org/activities/reading"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("lrs-home"), workers=2) as running:
        credential = running.first_login["credential"]
        yield running.xapi + "/", credential["key"], credential["secret"]


def _tincanjs(server, mode: str) -> dict:
    """What tests/interop/tincanjs_client.js reports after running TinCanJS in ``mode``."""
    node = shutil.which("node")
    assert node, "node is needed for the TinCanJS client (Debian's nodejs)"
    assert (ROOT / "node_modules" / "tincanjs").is_dir(), "run `make browser` (npm install) for tincanjs"
    endpoint, key, secret = server
    run = subprocess.run([node, str(TINCANJS_CLIENT), endpoint, key, secret, mode], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def test_tincanjs_retrieves_a_statement_with_its_attachment(server):
    """TinCanJS 0.50 (Rustici's JavaScript client) saves a statement with an attachment and reads
    it back with retrieveStatement(attachments: true). It takes everything after "boundary=" in
    the answer's Content-Type as the boundary, so a quoted boundary left it with no parts and a
    TypeError; an unquoted one is read by it and by every other client."""
    report = _tincanjs(server, "attachment")
    assert report["step"] == "done", report
    (attachment,) = report["attachments"]
    assert attachment["sha2"] == report["sent_sha2"]
    assert attachment["contentType"] == "text/plain"
    assert attachment["content"] == "Notes from a TinCanJS client.\n"


def test_tincanjs_saves_a_statement_stamped_in_a_leap_second(server):
    """TinCanJS passes a statement's timestamp through as given; one stamped in the leap second
    of 30 June 2015 (2015-06-30T23:59:60Z, RFC 3339 allows second 60) is stored and comes back
    as sent."""
    report = _tincanjs(server, "leap-second")
    assert report["step"] == "done", report
    assert report["timestamp"] == "2015-06-30T23:59:60Z"


def _tincanpython(server) -> RemoteLRS:
    endpoint, key, secret = server
    return RemoteLRS(endpoint=endpoint, username=key, password=secret)


@pytest.mark.parametrize("kind", ["activity profile", "agent profile"])
def test_tincanpython_profiles_in_1_0_3(server, kind):
    """TinCanPython 1.0.0 (Rustici's Python client, RemoteLRS, xAPI 1.0.3) sends no precondition
    when it saves a new profile document. The 1.0.3 conformance suite requires a 400 for that
    (XAPI-00273 and "fails without ETag header"), so TinCanPython gets a 400 whose message says
    what to send; with the document's ETag set (its If-Match) it replaces the document."""
    lrs = _tincanpython(server)
    assert lrs.version == "1.0.3"
    profile_id = f"prefs-{uuid.uuid4()}"
    if kind == "activity profile":
        make = lambda content: ActivityProfileDocument(  # noqa: E731
            id=profile_id, activity=Activity(id=ACTIVITY), content=content, content_type="application/json")
        save, retrieve = lrs.save_activity_profile, lambda: lrs.retrieve_activity_profile(Activity(id=ACTIVITY),
                                                                                           profile_id)
        path, params = "activities/profile", {"activityId": ACTIVITY, "profileId": profile_id}
    else:
        agent = Agent(mbox="mailto:ada@example.org")
        make = lambda content: AgentProfileDocument(  # noqa: E731
            id=profile_id, agent=agent, content=content, content_type="application/json")
        save, retrieve = lrs.save_agent_profile, lambda: lrs.retrieve_agent_profile(agent, profile_id)
        path, params = "agents/profile", {"agent": agent.to_json("1.0.3"), "profileId": profile_id}

    refused = save(make(json.dumps({"font": "large"})))
    assert not refused.success and refused.response.status == 400
    assert "If-None-Match: *" in json.loads(refused.data)["message"]

    endpoint, key, secret = server
    created = requests.put(endpoint + path, params=params, data=json.dumps({"font": "large"}), auth=(key, secret),
                           headers={"If-None-Match": "*", "Content-Type": "application/json",
                                    "X-Experience-API-Version": "1.0.3"})
    assert created.status_code == 204, created.text
    got = retrieve()
    assert got.success and json.loads(got.content.content.decode()) == {"font": "large"}

    unconditional = save(make(json.dumps({"font": "small"})))
    assert unconditional.response.status == 409
    update = make(json.dumps({"font": "small"}))
    update.etag = got.response.getheader("ETag")
    saved = save(update)
    assert saved.success, saved.data
    assert json.loads(retrieve().content.content.decode()) == {"font": "small"}
