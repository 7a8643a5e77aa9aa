"""State, Activity Profile and Agent Profile resources; /activities and /agents."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import XAPIClient, add_credential, statement

AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:ada@example.org"})
ACTIVITY = "http://example.org/activities/reading"


def state_url(**extra):
    params = {"activityId": ACTIVITY, "agent": AGENT, **extra}
    return "/xapi/activities/state", params


def test_state_put_get_etag_and_last_modified(client):
    path, params = state_url(stateId="bookmark")
    assert client.put(path, query_string=params, data=b"page 7", content_type="text/plain").status_code == 204
    got = client.get(path, query_string=params)
    assert got.status_code == 200 and got.data == b"page 7"
    assert got.content_type.startswith("text/plain")
    assert got.headers["ETag"].startswith('"') and "Last-Modified" in got.headers


def test_binary_documents_come_back_byte_for_byte(client):
    path, params = state_url(stateId="blob")
    blob = bytes(range(256)) * 4
    client.put(path, query_string=params, data=blob, content_type="application/octet-stream")
    assert client.get(path, query_string=params).data == blob


def test_post_merges_json_objects(client):
    path, params = state_url(stateId="progress")
    client.post(path, query_string=params, data=json.dumps({"a": 1, "b": 1}), content_type="application/json")
    client.post(path, query_string=params, data=json.dumps({"b": 2, "c": 3}), content_type="application/json")
    assert client.get(path, query_string=params).json == {"a": 1, "b": 2, "c": 3}


def test_post_merge_refuses_non_json(client):
    path, params = state_url(stateId="text")
    client.put(path, query_string=params, data=b"plain", content_type="text/plain")
    response = client.post(path, query_string=params, data=json.dumps({"a": 1}), content_type="application/json")
    assert response.status_code == 400
    path, params = state_url(stateId="json")
    client.post(path, query_string=params, data=json.dumps({"a": 1}), content_type="application/json")
    assert client.post(path, query_string=params, data=b"[1]", content_type="application/json").status_code == 400


def test_multiple_ids_since_and_delete_all(client):
    reg = str(uuid.uuid4())
    path, params = state_url(registration=reg)
    for name in ("s1", "s2"):
        client.put(path, query_string={**params, "stateId": name}, data=b"x", content_type="text/plain")
    assert sorted(client.get(path, query_string=params).json) == ["s1", "s2"]
    assert client.get(path, query_string={**params, "since": "2999-01-01T00:00:00Z"}).json == []
    other_reg = state_url()[1]
    assert client.get(path, query_string=other_reg).json == []
    assert client.delete(path, query_string=params).status_code == 204
    assert client.get(path, query_string=params).json == []


def test_profile_put_needs_a_precondition_400_when_new_409_when_existing(client):
    """In 1.0.3 a new profile document needs If-None-Match: * (or If-Match): the 1.0.3 conformance
    suite requires a 400 without either (XAPI-00273, "fails without ETag header"), and TinCanPython
    (RemoteLRS.save_activity_profile, which sends neither for a new document) gets that 400."""
    path = "/xapi/activities/profile"
    params = {"activityId": ACTIVITY, "profileId": "p"}
    assert client.put(path, query_string=params, data=b"1", content_type="text/plain").status_code == 400
    assert client.put(path, query_string=params, data=b"1", content_type="text/plain",
                      headers={"If-None-Match": "*"}).status_code == 204
    assert client.put(path, query_string=params, data=b"2", content_type="text/plain").status_code == 409
    etag = client.get(path, query_string=params).headers["ETag"]
    wrong = client.put(path, query_string=params, data=b"2", content_type="text/plain",
                       headers={"If-Match": '"nope"'})
    assert wrong.status_code == 412
    right = client.put(path, query_string=params, data=b"2", content_type="text/plain", headers={"If-Match": etag})
    assert right.status_code == 204
    again = client.put(path, query_string=params, data=b"3", content_type="text/plain",
                       headers={"If-None-Match": "*"})
    assert again.status_code == 412
    assert client.get(path, query_string=params).data == b"2"


@pytest.mark.parametrize("path,params", [
    ("/xapi/activities/profile", {"activityId": ACTIVITY, "profileId": "prefs"}),
    ("/xapi/agents/profile", {"agent": AGENT, "profileId": "prefs"}),
])
def test_a_2_0_profile_put_without_precondition_creates_a_new_document(app, store, path, params):
    """xAPI 2.0 asks the LRS for a 409 only when the document exists (the 2.0 conformance suite:
    "If-None-Match is not included in the spec document for xAPI 2.0's LRS requirements"), and the
    ADL reference LRS (adlnet/ADL_LRS, lrs/utils/etag.py) creates the document, as it does for State:
    a client that sends no precondition for a new profile is not refused. 409 and 412 stay."""
    client = XAPIClient(app.test_client(), add_credential(store), version="2.0.0")
    created = client.put(path, query_string=params, data=b'{"font": "large"}', content_type="application/json")
    assert created.status_code == 204, created.json
    got = client.get(path, query_string=params)
    assert got.json == {"font": "large"} and got.headers["ETag"] == created.headers["ETag"]
    over = client.put(path, query_string=params, data=b"{}", content_type="application/json")
    assert over.status_code == 409 and "If-Match" in over.json["message"]
    assert client.put(path, query_string=params, data=b"{}", content_type="application/json",
                      headers={"If-Match": '"nope"'}).status_code == 412
    assert client.put(path, query_string=params, data=b"{}", content_type="application/json",
                      headers={"If-None-Match": "*"}).status_code == 412
    assert client.get(path, query_string=params).json == {"font": "large"}


def test_agent_profile_and_delete_with_etag(client):
    path = "/xapi/agents/profile"
    params = {"agent": AGENT, "profileId": "prefs"}
    client.put(path, query_string=params, data=b"{}", content_type="application/json",
               headers={"If-None-Match": "*"})
    etag = client.get(path, query_string=params).headers["ETag"]
    assert client.delete(path, query_string=params, headers={"If-Match": '"other"'}).status_code == 412
    assert client.delete(path, query_string=params, headers={"If-Match": etag}).status_code == 204
    assert client.get(path, query_string=params).status_code == 404
    assert client.delete(path, query_string=params).status_code == 204  # idempotent
    assert client.get(path, query_string={"agent": AGENT}).json == []


@pytest.mark.parametrize("params,where", [
    ({"agent": AGENT, "stateId": "x"}, "activityId"),
    ({"activityId": ACTIVITY, "stateId": "x"}, "agent"),
    ({"activityId": ACTIVITY, "agent": "{not json", "stateId": "x"}, "agent"),
    ({"activityId": ACTIVITY, "agent": AGENT, "registration": "nope", "stateId": "x"}, "registration"),
    ({"activityId": ACTIVITY, "agent": AGENT, "stateId": "x", "bogus": "1"}, "bogus"),
])
def test_bad_state_parameters_are_400(client, params, where):
    response = client.get("/xapi/activities/state", query_string=params)
    assert response.status_code == 400
    assert response.json["location"] == where


def test_state_needs_the_state_scope(app, store):
    from tests.conftest import XAPIClient, add_credential

    reader = XAPIClient(app.test_client(), add_credential(store, key="r", scopes=("statements/read",)))
    path, params = state_url(stateId="x")
    assert reader.put(path, query_string=params, data=b"1", content_type="text/plain").status_code == 403


def test_activities_returns_the_canonical_definition(client):
    client.post("/xapi/statements", data=json.dumps(statement()), content_type="application/json")
    client.post("/xapi/statements", data=json.dumps(statement(object={
        "id": ACTIVITY, "definition": {"name": {"de": "Lesen"}}})), content_type="application/json")
    got = client.get("/xapi/activities", query_string={"activityId": ACTIVITY}).json
    assert got["id"] == ACTIVITY
    assert got["definition"]["name"] == {"en-US": "Reading", "fr": "Lecture", "de": "Lesen"}
    unknown = client.get("/xapi/activities", query_string={"activityId": "http://example.org/none"}).json
    assert unknown == {"objectType": "Activity", "id": "http://example.org/none"}


def test_agents_returns_a_person(client):
    got = client.get("/xapi/agents", query_string={"agent": json.dumps(
        {"name": "Ada", "mbox": "mailto:ada@example.org"})}).json
    assert got == {"objectType": "Person", "name": ["Ada"], "mbox": ["mailto:ada@example.org"]}
