"""Security properties of the xAPI API that docs/security.md promises (OWASP API Top 10 rows)."""

from __future__ import annotations

import json
import socket
import uuid

from tests.conftest import statement


def test_client_set_authority_and_stored_are_replaced_by_the_lrs(client):
    statement_id = str(uuid.uuid4())
    forged = statement(id=statement_id, stored="2000-01-01T00:00:00Z",
                       authority={"objectType": "Agent", "mbox": "mailto:admin@example.org"})
    assert client.post("/xapi/statements", data=json.dumps(forged), content_type="application/json").status_code == 200
    got = client.get("/xapi/statements", query_string={"statementId": statement_id}).json
    assert got["authority"]["account"]["name"] == "tool"
    assert not got["stored"].startswith("2000")


def test_urls_in_statements_and_signatures_are_never_fetched(client, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the LRS opened a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    body = statement(
        object={"objectType": "Activity", "id": "http://169.254.169.254/latest/meta-data",
                "definition": {"moreInfo": "http://localhost:22/", "type": "file:///etc/passwd"}},
        attachments=[{"usageType": "http://example.org/u", "display": {"en": "a"}, "contentType": "text/plain",
                      "length": 1, "sha2": "a" * 64, "fileUrl": "http://127.0.0.1:6379/"}],
    )
    assert client.post("/xapi/statements", data=json.dumps(body), content_type="application/json").status_code == 200
    assert client.get("/xapi/activities", query_string={"activityId": body["object"]["id"]}).status_code == 200


def test_documents_are_never_sniffed_or_run_as_pages(client):
    params = {"activityId": "http://example.org/a", "agent": json.dumps({"mbox": "mailto:a@example.org"}),
              "stateId": "page"}
    html = b"<html><script>alert(document.cookie)</script></html>"
    assert client.put("/xapi/activities/state", query_string=params, data=html,
                      content_type="text/html").status_code == 204
    response = client.get("/xapi/activities/state", query_string=params)
    assert response.data == html
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_unexpected_errors_reveal_nothing(app, client, store, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("/srv/secret/path password=hunter2")

    monkeypatch.setattr(store, "store_statements", broken)
    response = client.post("/xapi/statements", data=json.dumps(statement()), content_type="application/json")
    assert response.status_code == 500
    assert b"hunter2" not in response.data and b"/srv" not in response.data and b"Traceback" not in response.data
    assert response.json["message"] == "the LRS failed to handle this request; it has been logged"
