"""Personal keys (docs/ownership.md): each acts for one person, over their records only."""

from __future__ import annotations

import json
import uuid

import pytest

from lrs.auth.personal import create_person, create_personal_key, person_agent
from tests.conftest import XAPIClient, auth_header, statement

ANN_MAIL = {"objectType": "Agent", "mbox": "mailto:ann@example.org"}
BOB_MAIL = {"objectType": "Agent", "mbox": "mailto:bob@example.org"}


@pytest.fixture
def people(app, store):
    config = app.extensions["lrs"].config
    ann = create_person(store, config, "ann", "ann-password-1")
    bob = create_person(store, config, "bob", "bob-password-1")
    store.add_identity(ann.id, ANN_MAIL, verified_by="admin:test")
    store.add_identity(bob.id, BOB_MAIL, verified_by="admin:test")
    ann_key, ann_secret = create_personal_key(store, config, ann, "ann's extension")
    bob_key, bob_secret = create_personal_key(store, config, bob, "bob's journal")
    client = app.test_client()
    return {
        "ann": XAPIClient(client, auth_header(ann_key.key, ann_secret)),
        "bob": XAPIClient(client, auth_header(bob_key.key, bob_secret)),
        "ann_agent": person_agent(config, "ann"),
        "bob_agent": person_agent(config, "bob"),
        "ann_key": ann_key,
    }


def post(client, *bodies):
    response = client.post("/xapi/statements", json=list(bodies))
    return response


def test_personal_key_writes_only_its_persons_statements(people):
    ann = people["ann"]
    assert post(ann, statement(actor=people["ann_agent"])).status_code == 200
    assert post(ann, statement(actor=ANN_MAIL)).status_code == 200
    group = {"objectType": "Group", "name": "study group", "member": [ANN_MAIL, BOB_MAIL]}
    assert post(ann, statement(actor=group)).status_code == 200
    refused = post(ann, statement(actor=ANN_MAIL), statement(actor=BOB_MAIL))
    assert refused.status_code == 403
    assert refused.json["location"] == "statement[1].actor" and "personal key" in refused.json["message"]


def test_authority_names_key_and_person(people):
    ann = people["ann"]
    [sid] = post(ann, statement(actor=ANN_MAIL)).json
    stored = ann.get(f"/xapi/statements?statementId={sid}").json
    members = stored["authority"]["member"]
    assert stored["authority"]["objectType"] == "Group"
    assert members[0]["account"]["name"] == people["ann_key"].key
    assert members[1] == people["ann_agent"]


def test_reads_are_limited_to_the_person(people, client):
    ann, bob = people["ann"], people["bob"]
    ann_ids = set(post(ann, *[statement(actor=ANN_MAIL) for _ in range(3)]).json)
    bob_ids = set(post(bob, *[statement(actor=BOB_MAIL) for _ in range(2)]).json)
    # a tool credential posts for ann too: hers, whichever tool posted it
    tool_id = client.post("/xapi/statements", json=statement(actor=ANN_MAIL)).json[0]
    mine = ann.get("/xapi/statements?limit=2")
    seen = {s["id"] for s in mine.json["statements"]}
    more = mine.json["more"]
    while more:
        page = ann.get(more).json
        seen |= {s["id"] for s in page["statements"]}
        more = page["more"]
    assert seen == ann_ids | {tool_id}
    assert {s["id"] for s in bob.get("/xapi/statements").json["statements"]} == bob_ids
    # filtering by another person's agent gives nothing, not an error that confirms they exist
    other = bob.get("/xapi/statements", query_string={"agent": json.dumps(ANN_MAIL)})
    assert other.status_code == 200 and other.json["statements"] == []


def test_another_persons_statement_is_not_found(people):
    ann, bob = people["ann"], people["bob"]
    [sid] = post(ann, statement(actor=ANN_MAIL)).json
    absent = str(uuid.uuid4())
    theirs = bob.get(f"/xapi/statements?statementId={sid}")
    missing = bob.get(f"/xapi/statements?statementId={absent}")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json["message"].replace(sid, "ID") == missing.json["message"].replace(absent, "ID")


def test_a_cursor_cannot_widen_a_personal_key(people, client):
    ann, bob = people["ann"], people["bob"]
    post(ann, *[statement(actor=ANN_MAIL) for _ in range(3)])
    # a cursor issued to a credential that reads everything, replayed by bob's key
    more = client.get("/xapi/statements?limit=1").json["more"]
    assert more
    page = bob.get(more)
    assert page.status_code == 200 and page.json["statements"] == []


@pytest.mark.parametrize("resource", ["/xapi/activities/state", "/xapi/agents/profile"])
def test_documents_only_for_own_identities(people, resource):
    ann, bob = people["ann"], people["bob"]
    params = {"activityId": "http://example.org/a", "agent": json.dumps(ANN_MAIL), "stateId": "s",
              "profileId": "p"}
    if resource.endswith("profile"):
        params.pop("activityId"), params.pop("stateId")
    else:
        params.pop("profileId")
    create = {"If-None-Match": "*"}
    assert ann.put(resource, query_string=params, json={"x": 1}, headers=create).status_code == 204
    assert ann.get(resource, query_string=params).json == {"x": 1}
    for method in ("get", "put", "delete"):
        response = getattr(bob, method)(resource, query_string=params, json={"y": 2}, headers={"If-Match": "*"})
        assert response.status_code == 403, (method, response.json)
    assert ann.get(resource, query_string=params).json == {"x": 1}


def test_activity_resources_are_closed_to_personal_keys(people):
    bob = people["bob"]
    assert bob.get("/xapi/activities?activityId=http://example.org/a").status_code == 403
    response = bob.get("/xapi/activities/profile?activityId=http://example.org/a&profileId=p")
    assert response.status_code == 403


def test_agents_resource_only_for_own_identities(people):
    assert people["ann"].get("/xapi/agents", query_string={"agent": json.dumps(ANN_MAIL)}).status_code == 200
    assert people["bob"].get("/xapi/agents", query_string={"agent": json.dumps(ANN_MAIL)}).status_code == 403


def test_revoked_personal_key_is_refused(people, store):
    store.revoke_credential(people["ann_key"].key, "2026-01-01T00:00:00+00:00")
    assert people["ann"].get("/xapi/statements").status_code == 401


def test_unverified_claim_does_not_make_statements_theirs(people, store, client):
    ann = store.get_person("ann")
    store.add_identity(ann.id, {"mbox": "mailto:ann.private@example.org"})
    response = post(people["ann"], statement(actor={"mbox": "mailto:ann.private@example.org"}))
    assert response.status_code == 403
    client.post("/xapi/statements", json=statement(actor={"mbox": "mailto:ann.private@example.org"}))
    assert people["ann"].get("/xapi/statements").json["statements"] == []
