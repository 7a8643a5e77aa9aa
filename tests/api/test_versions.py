"""One endpoint, two versions: what changes between 1.0.3 and 2.0.0 requests."""

from __future__ import annotations

import json
import uuid

from tests.conftest import statement

XAPI = "/xapi/statements"
CONTEXT_AGENT = {"objectType": "contextAgent", "agent": {"mbox": "mailto:mentor@example.org"},
                 "relevantTypes": ["http://example.org/types/mentor"]}


def post(client, body, version):
    return client.post(XAPI, data=json.dumps(body), content_type="application/json",
                       headers={"X-Experience-API-Version": version})


def test_response_version_follows_the_request(client):
    assert client.get(XAPI, headers={"X-Experience-API-Version": "2.0.0"}).headers[
        "X-Experience-API-Version"] == "2.0.0"
    assert client.get(XAPI, headers={"X-Experience-API-Version": "1.0.1"}).headers[
        "X-Experience-API-Version"] == "1.0.3"


def test_request_without_version_is_400_in_the_default_version(client, tmp_path):
    response = client.get(XAPI, headers={"X-Experience-API-Version": None})
    assert response.status_code == 400
    assert response.headers["X-Experience-API-Version"] == "2.0.0"
    from lrs.app import create_app
    from tests.conftest import SECRET_KEY, XAPIClient, add_credential

    app = create_app({"home": tmp_path / "v1", "secret_key": SECRET_KEY, "default_xapi_version": "1.0.3"})
    old = XAPIClient(app.test_client(), add_credential(app.extensions["lrs"].store))
    assert old.get(XAPI, headers={"X-Experience-API-Version": None}).headers["X-Experience-API-Version"] == "1.0.3"


def test_context_agents_are_2_0_only_and_hidden_from_1_0_3_readers(client):
    body = statement(id=str(uuid.uuid4()), context={"contextAgents": [CONTEXT_AGENT]})
    assert post(client, body, "1.0.3").status_code == 400
    assert post(client, body, "2.0.0").status_code == 200
    v2 = client.get(XAPI, query_string={"statementId": body["id"]}, headers={"X-Experience-API-Version": "2.0.0"})
    assert v2.json["context"]["contextAgents"] == [CONTEXT_AGENT]
    v1 = client.get(XAPI, query_string={"statementId": body["id"]}).json
    assert "contextAgents" not in v1.get("context", {})


def test_pages_for_1_0_3_readers_are_downgraded_whatever_the_store_knows(client, store):
    assert not store.may_hold_2_0_context()  # a new store knows it holds none
    plain = statement(id=str(uuid.uuid4()))
    assert post(client, plain, "2.0.0").status_code == 200
    assert not store.may_hold_2_0_context()
    body = statement(id=str(uuid.uuid4()), context={"contextAgents": [CONTEXT_AGENT]})
    assert post(client, body, "2.0.0").status_code == 200
    assert store.may_hold_2_0_context()
    store.conn.execute("DELETE FROM meta WHERE key = 'v2_context'")  # a store from before the flag
    assert store.may_hold_2_0_context()
    page = client.get(XAPI).json["statements"]
    assert [s["id"] for s in page] == [body["id"], plain["id"]]
    assert all("contextAgents" not in s.get("context", {}) for s in page)


def test_context_agents_count_as_related_agents(client):
    body = statement(id=str(uuid.uuid4()), context={"contextAgents": [CONTEXT_AGENT]})
    post(client, body, "2.0.0")
    mentor = json.dumps({"mbox": "mailto:mentor@example.org"})
    found = client.get(XAPI, query_string={"agent": mentor, "related_agents": "true"},
                       headers={"X-Experience-API-Version": "2.0.0"}).json["statements"]
    assert [s["id"] for s in found] == [body["id"]]


def test_2_0_version_property_and_timestamp(client):
    sid = str(uuid.uuid4())
    assert post(client, statement(id=sid), "2.0.0").status_code == 200
    got = client.get(XAPI, query_string={"statementId": sid}, headers={"X-Experience-API-Version": "2.0.0"}).json
    assert got["version"] == "2.0.0"
    assert got["timestamp"] == got["stored"]


def test_state_put_in_2_0_needs_a_precondition_only_over_an_existing_document(client):
    path = "/xapi/activities/state"
    params = {"activityId": "http://example.org/a", "agent": json.dumps({"mbox": "mailto:a@example.org"}),
              "stateId": "s"}
    headers = {"X-Experience-API-Version": "2.0.0"}
    assert client.put(path, query_string=params, data=b"1", content_type="text/plain",
                      headers=headers).status_code == 204
    assert client.put(path, query_string=params, data=b"2", content_type="text/plain",
                      headers=headers).status_code == 409
    assert client.put(path, query_string=params, data=b"2", content_type="text/plain").status_code == 204  # 1.0.3
