"""OAuth rule: a token acts for one person only. What it writes must have that person's actor, what
it reads is that person's, and nothing it names (another actor, another's documents) widens it:
the access gate decides for it exactly as for a personal key."""

from __future__ import annotations

import json

from tests.plugins.oauth.conftest import (  # noqa: F401 (fixtures)
    account, ann_browser, bearer, connect, oauth_app, oauth_people, oauth_store, statement,
)
from tests.plugins.space.conftest import Browser


def test_a_token_writes_only_statements_of_its_person(oauth_app, ann_browser):
    token = connect(ann_browser)
    client = oauth_app.test_client()
    as_bob = client.post("/xapi/statements", json=statement(account("bob")), headers=bearer(token))
    assert as_bob.status_code == 403 and as_bob.get_json()["location"].endswith("actor")
    group = {"objectType": "Group", "member": [account("bob")], "name": "bob's team"}
    assert client.post("/xapi/statements", json=statement(group), headers=bearer(token)).status_code == 403
    assert client.post("/xapi/statements", json=statement(account("ann")), headers=bearer(token)).status_code == 200


def test_a_token_reads_only_its_persons_records(oauth_app, oauth_people, ann_browser):
    client = oauth_app.test_client()
    ann = connect(ann_browser)
    bob = connect(Browser(oauth_app).signin("bob"))
    bobs = client.post("/xapi/statements", json=statement(account("bob")), headers=bearer(bob)).get_json()[0]
    anns = client.post("/xapi/statements", json=statement(account("ann")), headers=bearer(ann)).get_json()[0]
    read = client.get("/xapi/statements", headers=bearer(ann)).get_json()["statements"]
    assert [s["id"] for s in read] == [anns]
    assert client.get(f"/xapi/statements?statementId={bobs}", headers=bearer(ann)).status_code == 404
    by_agent = client.get("/xapi/statements", query_string={"agent": json.dumps(account("bob"))},
                          headers=bearer(ann)).get_json()["statements"]
    assert by_agent == []


def test_a_token_reaches_no_one_elses_documents_or_identities(oauth_app, oauth_people, ann_browser):
    token = connect(ann_browser, scope="statements/write statements/read/mine state")
    client = oauth_app.test_client()
    params = {"activityId": "https://example.org/course", "agent": json.dumps(account("bob")), "stateId": "s"}
    assert client.put("/xapi/activities/state", query_string=params, json={"x": 1},
                      headers=bearer(token)).status_code == 403
    assert client.get("/xapi/agents", query_string={"agent": json.dumps(account("bob"))},
                      headers=bearer(token)).status_code == 403
    mine = {**params, "agent": json.dumps(account("ann"))}
    assert client.put("/xapi/activities/state", query_string=mine, json={"x": 1},
                      headers=bearer(token)).status_code == 204


def test_the_stored_authority_names_the_tool_and_its_person(oauth_app, oauth_store, ann_browser):
    from tests.conftest import EVERYTHING

    token = connect(ann_browser)
    client = oauth_app.test_client()
    claimed = {**statement(account("ann")), "authority": {"objectType": "Agent", "mbox": "mailto:root@example.org"}}
    stored_id = client.post("/xapi/statements", json=claimed, headers=bearer(token)).get_json()[0]
    authority = json.loads(oauth_store.get_statement(stored_id, reach=EVERYTHING).json)["authority"]
    assert authority["objectType"] == "Group"
    assert [m.get("name") for m in authority["member"]] == ["Learnfolio browser extension", "ann"]
    assert authority["member"][1] == account("ann")
