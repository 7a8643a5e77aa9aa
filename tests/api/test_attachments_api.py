"""Statements with attachments and signatures through the Statements resource."""

from __future__ import annotations

import hashlib
import json
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from lrs.xapi.attachments import AttachmentPart, build_multipart, parse_multipart
from lrs.xapi.signatures import SIGNATURE_USAGE
from tests.conftest import statement

XAPI = "/xapi/statements"


def attachment_meta(content: bytes, usage="http://example.org/usage/certificate", content_type="application/pdf"):
    return {"usageType": usage, "display": {"en": "certificate"}, "contentType": content_type,
            "length": len(content), "sha2": hashlib.sha256(content).hexdigest()}


def send(client, statements, parts, method="POST", path=XAPI):
    payload, content_type = build_multipart(json.dumps(statements).encode(), parts)
    return client.open(method, path, data=payload, content_type=content_type)


def part(content: bytes, content_type="application/pdf"):
    return AttachmentPart(hashlib.sha256(content).hexdigest(), content_type, content)


def test_post_with_attachment_and_get_it_back_once(client, store):
    pdf = b"%PDF-1.4 binary \x00\xff\r\n"
    first = statement(id=str(uuid.uuid4()), attachments=[attachment_meta(pdf)])
    second = statement(id=str(uuid.uuid4()), attachments=[attachment_meta(pdf)])
    response = send(client, [first, second], [part(pdf)])
    assert response.status_code == 200, response.json
    got = client.get(XAPI, query_string={"attachments": "true"})
    assert got.status_code == 200
    statement_json, parts = parse_multipart(got.data, got.headers["Content-Type"])
    assert len(json.loads(statement_json)["statements"]) == 2
    assert [p.content for p in parts.values()] == [pdf]
    plain = client.get(XAPI, query_string={"statementId": first["id"]})
    assert plain.content_type == "application/json"


def test_put_with_attachment(client):
    content = b"evidence"
    sid = str(uuid.uuid4())
    response = send(client, statement(attachments=[attachment_meta(content, content_type="text/plain")]),
                    [part(content, "text/plain")], method="PUT", path=f"{XAPI}?statementId={sid}")
    assert response.status_code == 204, response.json
    got = client.get(XAPI, query_string={"statementId": sid, "attachments": "true"})
    _, parts = parse_multipart(got.data, got.headers["Content-Type"])
    assert [p.content for p in parts.values()] == [content]


def test_missing_part_extra_part_and_json_without_fileurl_are_400(client, store):
    content = b"x"
    body = statement(attachments=[attachment_meta(content)])
    assert send(client, body, []).status_code == 400
    assert send(client, statement(), [part(content)]).status_code == 400
    as_json = client.post(XAPI, data=json.dumps(body), content_type="application/json")
    assert as_json.status_code == 400
    assert store.statement_count() == 0


def test_file_url_attachments_need_no_part(client):
    body = statement(attachments=[{**attachment_meta(b"x"), "fileUrl": "http://example.org/x.pdf"}])
    assert client.post(XAPI, data=json.dumps(body), content_type="application/json").status_code == 200


def test_attachment_over_the_limit_is_413(tmp_path):
    from lrs.app import create_app
    from tests.conftest import SECRET_KEY, XAPIClient, add_credential

    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "max_attachment_bytes": 10})
    client = XAPIClient(app.test_client(), add_credential(app.extensions["lrs"].store))
    content = b"x" * 11
    assert send(client, statement(attachments=[attachment_meta(content)]), [part(content)]).status_code == 413


def _signed(body, key, algorithm="RS256"):
    token = jwt.api_jws.encode(json.dumps(body).encode(), key, algorithm=algorithm).encode()
    meta = attachment_meta(token, usage=SIGNATURE_USAGE, content_type="application/octet-stream")
    return {**body, "attachments": [meta]}, part(token, "application/octet-stream")


def test_signed_statements(client, store):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body, signature = _signed(statement(id=str(uuid.uuid4())), key)
    assert send(client, body, [signature]).status_code == 200
    tampered, signature = _signed(statement(id=str(uuid.uuid4())), key)
    tampered["verb"] = {"id": "http://example.org/verbs/forged"}
    response = send(client, tampered, [signature])
    assert response.status_code == 400 and "differs" in response.json["message"]
    assert store.statement_count() == 1
