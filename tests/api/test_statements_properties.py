"""Through the HTTP API: generated valid statements are stored and come back exactly."""

from __future__ import annotations

import json
import uuid

from hypothesis import HealthCheck, given, settings

from tests.strategies import statements

LRS_SET = ("id", "stored", "authority", "version", "timestamp")


def _roundtrip(client, statement, version):
    statement = dict(statement, id=str(uuid.uuid4()))
    response = client.post("/xapi/statements", data=json.dumps(statement), content_type="application/json",
                           headers={"X-Experience-API-Version": version})
    assert response.status_code == 200, response.json
    got = client.get("/xapi/statements", query_string={"statementId": statement["id"], "format": "exact"},
                     headers={"X-Experience-API-Version": version})
    assert got.status_code == 200
    back = got.json
    for key, value in statement.items():
        if key not in LRS_SET:
            assert back[key] == value, key
    assert back["id"] == statement["id"]
    assert back.get("timestamp", back["stored"]) == statement.get("timestamp", back["stored"])
    assert back["stored"] and back["authority"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(statement=statements())
def test_valid_statements_come_back_exactly_1_0_3(client, statement):
    _roundtrip(client, statement, "1.0.3")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(statement=statements(v2=True))
def test_valid_statements_come_back_exactly_2_0(client, statement):
    _roundtrip(client, statement, "2.0.0")
