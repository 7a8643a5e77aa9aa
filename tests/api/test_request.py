"""lrs/api/request.py: how the body of a request is found, whatever framing it came with."""

from __future__ import annotations

import io
import json
import uuid

from tests.conftest import statement


def _call(app, method: str, path: str, headers: dict, body: bytes, *, content_length: bool):
    """The app called as a WSGI server that terminates the input calls it (Granian's bridge, the
    development server): with or without a CONTENT_LENGTH."""
    environ = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "localhost", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(), "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    if content_length:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
    answer = []
    chunks = app(environ, lambda status, response_headers, exc_info=None: answer.append(status))
    return int(answer[0][:3]), b"".join(chunks)


def test_a_chunked_body_without_content_length_is_read(app, client):
    statement_id = str(uuid.uuid4())
    headers = {**client.headers, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json",
               "Transfer-Encoding": "chunked"}
    status, body = _call(app, "POST", "/xapi/statements", headers,
                         json.dumps(statement(id=statement_id)).encode(), content_length=False)
    assert status == 200, body
    assert json.loads(body) == [statement_id]


def test_a_request_with_neither_length_nor_transfer_encoding_has_no_body(app, client):
    """RFC 9112 §6.3: without Content-Length or Transfer-Encoding a request's body is empty."""
    headers = {**client.headers, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    status, body = _call(app, "POST", "/xapi/statements", headers, json.dumps(statement()).encode(),
                         content_length=False)
    assert status == 400
    assert json.loads(body)["location"] == "body"


def test_a_body_with_content_length_is_read(app, client):
    headers = {**client.headers, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    status, body = _call(app, "POST", "/xapi/statements", headers, json.dumps(statement()).encode(),
                         content_length=True)
    assert status == 200, body
