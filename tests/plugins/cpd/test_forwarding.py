"""Forwarding: the durable queue, retries with backoff, the failure log; and two real servers,
the target stopped and started again, losing nothing."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
import uuid

import orjson
import requests
from requests.structures import CaseInsensitiveDict

from lrs.errors import OutboundError
from lrs.outbound import Answer
from lrs.xapi.attachments import AttachmentPart, build_multipart
from lrs_cpd import forwarding
from lrs_cpd.forwarding import Options
from tests.conftest import statement
from tests.e2e.server import LRS, running_server
from tests.plugins.cpd.conftest import record, store_as_tool, store_statements

FAST = Options(interval=0.1, backoff=0.01, backoff_max=0.05, worker=False)


class FakeLRS:
    """Stands in for the outbound guard (lrs.outbound.Guard.post): answers POSTs with the given
    statuses, or fails to connect as the guard reports it."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.received: list[list[dict]] = []

    def post(self, url, *, data, auth, headers):
        answer = self.answers.pop(0) if self.answers else 200
        if answer == "down":
            raise OutboundError("could not connect to other.example:443")
        if answer == 200:
            self.received.append(orjson.loads(data))
        return Answer(answer, CaseInsensitiveDict(), b"{}", url)


def test_queue_is_filled_by_stored_statements_matching_the_rule(ctx, ann):
    rule = forwarding.add_rule(ctx.store, endpoint="https://other.example/xapi", key="k", secret="s",
                               person_id=ann.id, ways=["events"], tags=[])
    store_statements(ctx, ann, [record(ctx, ann, 1, way="events"), record(ctx, ann, 2, way="content")])
    store_as_tool(ctx, [statement()])  # not ann's: never queued for her rule
    queued = forwarding.queued(ctx.store, rule.item_id)
    assert len(queued) == 1 and len(queued[0].body["statement_ids"]) == 1


def test_failures_are_retried_with_backoff_logged_and_then_delivered(ctx, ann):
    rule = forwarding.add_rule(ctx.store, endpoint="https://other.example/xapi", key="k", secret="s")
    store_statements(ctx, ann, [record(ctx, ann, n) for n in range(3)])
    store_statements(ctx, ann, [record(ctx, ann, n) for n in range(3, 5)])
    lrs = FakeLRS("down", 503)
    first = forwarding.drain(ctx.store, Options(backoff=60), http=lrs)
    assert (first.sent, first.failed, first.waiting) == (0, 1, 2)  # the rule stops at its first failure
    assert forwarding.queued(ctx.store, rule.item_id)[0].body["attempts"] == 1
    later = forwarding.drain(ctx.store, FAST, http=lrs)
    assert (later.sent, later.failed, later.waiting) == (0, 0, 2)  # not due for a minute: nothing sent
    forwarding.retry(ctx.store, rule.item_id)  # "Retry now"
    assert forwarding.drain(ctx.store, FAST, http=lrs).failed == 1  # 503
    time.sleep(0.1)
    done = forwarding.drain(ctx.store, FAST, http=lrs)
    assert (done.sent, done.waiting) == (5, 0)
    assert [len(batch) for batch in lrs.received] == [3, 2]  # in order
    log = [e.body for e in forwarding.failures(ctx.store, rule.item_id)]
    assert [e["status"].split(" ")[0] for e in log] == ["delivered", "retrying", "retrying"]
    assert "could not reach" in log[2]["error"] and log[1]["error"].startswith("503")


def test_a_refusal_is_held_until_the_person_retries_or_discards(ctx, ann):
    rule = forwarding.add_rule(ctx.store, endpoint="https://other.example/xapi", key="k", secret="wrong")
    store_statements(ctx, ann, [record(ctx, ann, 1)])
    lrs = FakeLRS(401)
    forwarding.drain(ctx.store, FAST, http=lrs)
    held = forwarding.queued(ctx.store, rule.item_id)
    assert held[0].body["held"] and forwarding.failures(ctx.store, rule.item_id)[0].body["status"].startswith("held")
    assert forwarding.drain(ctx.store, FAST, http=lrs).sent == 0  # held: not retried by itself
    forwarding.retry(ctx.store, rule.item_id)
    assert forwarding.drain(ctx.store, FAST, http=lrs).sent == 1
    store_statements(ctx, ann, [record(ctx, ann, 2)])
    forwarding.drain(ctx.store, FAST, http=FakeLRS(409))
    item = forwarding.queued(ctx.store, rule.item_id)[0]
    assert forwarding.discard(ctx.store, rule, item.item_id)
    assert forwarding.failures(ctx.store, rule.item_id)[0].body["status"] == "discarded by the person"


def test_erasure_removes_a_persons_rules_and_queue(ctx, ann):
    forwarding.add_rule(ctx.store, endpoint="https://other.example/xapi", key="k", secret="s", person_id=ann.id)
    store_statements(ctx, ann, [record(ctx, ann, 1)])
    ctx.store.erase_person(ann.id, erased_home_page=ctx.config.erased_home_page)
    assert ctx.store.list_items(forwarding.RULE) == [] and ctx.store.list_items(forwarding.QUEUE) == []


def test_annotations_travel_as_the_persons_own_statements_only_with_their_own_rules(ctx, ann):
    """Forwarding sends statements; what the person says about a record goes as a statement of theirs
    (verb annotated, StatementRef to the record), after the record, once per change, and only with
    their own rule: the operator's store-wide rule never carries a person's notes."""
    from lrs_space import ANNOTATED, Annotation, annotation_of, save_annotation

    mine = forwarding.add_rule(ctx.store, endpoint="https://mine.example/xapi", key="k", secret="s",
                               person_id=ann.id)
    forwarding.add_rule(ctx.store, endpoint="https://operator.example/xapi", key="k", secret="s")
    course = record(ctx, ann, 1)
    store_statements(ctx, ann, [course])
    time.sleep(0.01)
    save_annotation(ctx.store, ann.id, Annotation(course["id"], way="people", reflection="Ask for feedback early"))
    to_mine, to_operator = FakeLRS(), FakeLRS()

    class Both:
        def post(self, url, **kw):
            return (to_mine if "mine.example" in url else to_operator).post(url, **kw)

    forwarding.drain(ctx.store, FAST, http=Both())
    sent = [s for batch in to_mine.received for s in batch]
    assert [s["verb"]["id"] for s in sent] == [course["verb"]["id"], ANNOTATED]  # the record, then the note
    note = sent[1]
    assert note["object"] == {"objectType": "StatementRef", "id": course["id"]}
    from lrs.xapi.validation import validate_statement

    validate_statement(json.loads(json.dumps(note)), version="1.0.3")  # any LRS takes it
    assert note["actor"] == course["actor"]
    assert note["context"]["extensions"]["https://learnfolio.example/xapi/extensions/annotation"] == {
        "way": "people", "reflection": "Ask for feedback early"}
    assert all(s["verb"]["id"] != ANNOTATED for batch in to_operator.received for s in batch)
    assert [s["id"] for batch in to_operator.received for s in batch] == [course["id"]]
    forwarding.drain(ctx.store, FAST, http=Both())
    assert sum(len(b) for b in to_mine.received) == 2  # sent once
    time.sleep(0.01)
    changed = annotation_of(ctx.store, ann.id, course["id"])
    changed.application = "In every one-to-one"
    save_annotation(ctx.store, ann.id, changed)
    forwarding.drain(ctx.store, FAST, http=Both())
    newest = to_mine.received[-1][0]
    assert newest["verb"]["id"] == ANNOTATED and newest["id"] != note["id"]  # a change is a new statement
    assert mine.item_id in {r.item_id for r in forwarding.rules(ctx.store, ann.id)}


# -- two real servers --------------------------------------------------------------------------


def _cli(server, *args) -> str:
    return subprocess.run([LRS, *args], env=server.env, check=True, capture_output=True, text=True).stdout


def _count(server, auth) -> int:
    total, url = 0, f"{server.xapi}/statements?limit=1000"
    while url:
        page = requests.get(url, auth=auth, headers={"X-Experience-API-Version": "2.0.0"}, timeout=10).json()
        total += len(page["statements"])
        url = server.url + page["more"] if page["more"] else None
    return total


def _post(server, auth, statements, parts=()):
    body = json.dumps(statements).encode()
    headers = {"X-Experience-API-Version": "2.0.0", "Content-Type": "application/json"}
    if parts:
        body, headers["Content-Type"] = build_multipart(body, list(parts))
    response = requests.post(f"{server.xapi}/statements", data=body, auth=auth, headers=headers, timeout=30)
    assert response.status_code == 200, response.text


def _wait_for(condition, seconds=45):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def test_forwarding_between_two_servers_survives_the_target_stopping(tmp_path):
    fast = {"LRS_FORWARD_INTERVAL": "0.3", "LRS_FORWARD_BACKOFF": "0.3", "LRS_FORWARD_BACKOFF_MAX": "1"}
    with running_server(tmp_path / "target", workers=1) as target:
        port = int(target.url.rsplit(":", 1)[1])
        fast["LRS_OUTBOUND_ALLOW"] = f"127.0.0.1:{port}"  # the target is on this machine: the operator allows it
        key = json.loads(_cli(target, "credentials", "create", "--name", "forwarder", "--json"))
        target_auth = (target.first_login["credential"]["key"], target.first_login["credential"]["secret"])
        with running_server(tmp_path / "source", workers=2, env=fast) as source:
            auth = (source.first_login["credential"]["key"], source.first_login["credential"]["secret"])
            rule_id = _cli(source, "forward", "add", "--endpoint", target.xapi, "--key", key["key"],
                           "--secret", key["secret"]).strip()
            content = b"evidence \x00\xff" * 100
            sha2 = hashlib.sha256(content).hexdigest()
            with_attachment = statement(id=str(uuid.uuid4()), attachments=[{
                "usageType": "https://learnfolio.example/attachments/evidence", "display": {"en": "evidence"},
                "contentType": "application/octet-stream", "length": len(content), "sha2": sha2}])
            _post(source, auth, [with_attachment], [AttachmentPart(sha2, "application/octet-stream", content)])
            for _ in range(2):
                _post(source, auth, [statement(id=str(uuid.uuid4())) for _ in range(50)])
            assert _wait_for(lambda: _count(target, target_auth) == 101), "the first statements did not arrive"

            target.process.terminate()
            target.process.wait(timeout=15)
            sent_while_down = [statement(id=str(uuid.uuid4())) for _ in range(100)]
            for start in range(0, 100, 25):
                _post(source, auth, sent_while_down[start:start + 25])
            assert _wait_for(lambda: "could not reach" in _cli(source, "forward", "list"), 20)
            listing = _cli(source, "forward", "list")

            with running_server(tmp_path / "target", workers=1, port=port) as again:
                assert _wait_for(lambda: _count(again, target_auth) == 201), "statements were lost"
                assert _wait_for(lambda: "queued 0" in _cli(source, "forward", "list"), 10)
                got = requests.get(f"{again.xapi}/statements", params={"statementId": with_attachment["id"],
                                                                        "attachments": "true"},
                                   auth=target_auth, headers={"X-Experience-API-Version": "2.0.0"}, timeout=10)
                assert content in got.content  # the attachment went along

                # and a person can bring that history back with --from-lrs
                fresh = dict(source.env, LRS_HOME=str(tmp_path / "fresh"))
                subprocess.run([LRS, "init", "--json"], env=fresh, check=True, capture_output=True)
                pulled = subprocess.run([LRS, "import", "--from-lrs", again.xapi, "--key", target_auth[0],
                                         "--secret", target_auth[1], "--json"], env=fresh, check=True,
                                        capture_output=True, text=True)
                report = json.loads(pulled.stdout.strip().splitlines()[-1])
                assert (report["stored"], report["problem_count"]) == (201, 0)
    assert rule_id and "retrying" in listing
    print(f"\nforwarding: 101 delivered, target stopped, 100 queued ({listing.count('retrying')} failures"
          f" among the last logged), all 201 delivered after restart; pulled 201 back")
