"""/health, /metrics and the JSON request log."""

from __future__ import annotations

import json
import sqlite3

from lrs.app import create_app
from tests.conftest import SECRET_KEY, XAPIClient, add_credential, statement


def _metric(text: str, name: str, **labels) -> float:
    """The value of one sample of the Prometheus text format (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


def test_health_needs_no_credentials_and_checks_the_store(app, store, monkeypatch):
    client = app.test_client()
    response = client.get("/health")
    assert response.status_code == 200 and response.json["status"] == "ok"

    def broken():
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "ping", broken)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json["code"] == 503 and response.headers["Retry-After"]


def test_metrics_need_a_credential_with_scope_all(app, store):
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    reader = add_credential(store, key="reader", scopes=("statements/read",))
    assert client.get("/metrics", headers=reader).status_code == 403
    admin = add_credential(store, key="admin", scopes=("all",))
    response = client.get("/metrics", headers=admin)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert "lrs_statements_stored_total" in response.text


def test_metrics_can_be_public_by_setting(tmp_path):
    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "metrics_public": True})
    assert app.test_client().get("/metrics").status_code == 200


def test_counters_of_statements_stored_rejected_by_reason_and_requests_by_status(client, app):
    client.post("/xapi/statements", data=json.dumps([statement(), statement()]), content_type="application/json")
    client.post("/xapi/statements", data=json.dumps([statement(), statement(actor={})]),
                content_type="application/json")
    client.post("/xapi/statements", data="{nope", content_type="application/json")
    statement_id = "6d0f9c43-6b0a-4c2b-8d4e-3a8bb2c1c111"
    client.put("/xapi/statements", query_string={"statementId": statement_id}, data=json.dumps(statement()),
               content_type="application/json")
    client.put("/xapi/statements", query_string={"statementId": statement_id},
               data=json.dumps(statement(verb={"id": "http://example.org/other"})), content_type="application/json")
    client.get("/xapi/statements", query_string={"statementId": "nope"})
    text = client.get("/metrics").text
    assert _metric(text, "lrs_statements_stored_total") == 3
    assert _metric(text, "lrs_statements_rejected_total", reason="invalid") == 3  # a batch of 2, one unreadable
    assert _metric(text, "lrs_statements_rejected_total", reason="conflict") == 1
    assert _metric(text, "lrs_requests_total", resource="statements", method="POST", status="200") == 1
    assert _metric(text, "lrs_requests_total", resource="statements", method="POST", status="400") == 2
    assert _metric(text, "lrs_requests_total", resource="statements", method="GET", status="400") == 1
    assert "lrs_request_duration_seconds_bucket" in text


def test_request_log_is_json_lines_without_secrets_or_query(tmp_path):
    log = tmp_path / "requests.log"
    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "request_log": str(log)})
    headers = add_credential(app.extensions["lrs"].store, key="tool", secret="very-secret-value")
    client = XAPIClient(app.test_client(), headers)
    client.get("/xapi/statements", query_string={"agent": json.dumps({"mbox": "mailto:ada@example.org"})})
    client.post("/xapi/statements", data=json.dumps(statement(actor={})), content_type="application/json")
    app.test_client().get("/xapi/statements", headers={"Authorization": "Basic bm9wZTpub3Bl",
                                                       "X-Experience-API-Version": "1.0.3"})
    text = log.read_text()
    records = [json.loads(line) for line in text.splitlines()]
    assert [(r["method"], r["path"], r["status"]) for r in records] == [
        ("GET", "/xapi/statements", 200), ("POST", "/xapi/statements", 400), ("GET", "/xapi/statements", 401)]
    assert records[0]["credential"] == "tool" and records[0]["xapi_version"] == "1.0.3"
    assert records[1]["location"] == "statement[0].actor"
    assert records[2]["credential"] is None
    for secret in ("very-secret-value", headers["Authorization"].split()[1], "bm9wZTpub3Bl", "Basic", "ada@"):
        assert secret not in text
    assert all(isinstance(r["ms"], float) for r in records)
