"""Rule 9: a `more` cursor is one this LRS issued, or it is refused with 400.

Cursors carry HMAC-SHA256 tags keyed by the server's secret: a cursor with any field
changed, random bytes, or a JSON cursor with wrong types gets 400 "the 'more' cursor is not
one this LRS issued", never a 500 and never a page. A real server (`lrs serve`, two workers
sharing the secret in LRS_HOME) issues and follows the links.
"""

from __future__ import annotations

import base64
import json
import os
import uuid

import pytest
import requests

from tests.conftest import statement
from tests.e2e.server import running_server

REFUSED = "the 'more' cursor is not one this LRS issued"
SENT = 25


@pytest.fixture(scope="module")
def lrs(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("lrs-home"), workers=2) as running:
        session = requests.Session()
        session.auth = (running.first_login["credential"]["key"], running.first_login["credential"]["secret"])
        session.headers["X-Experience-API-Version"] = "1.0.3"
        ids = [str(uuid.uuid4()) for _ in range(SENT)]
        response = session.post(f"{running.xapi}/statements", json=[statement(id=i) for i in ids])
        assert response.status_code == 200, response.text
        yield running, session, ids


def _decode(payload: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _encode(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _first_cursor(running, session) -> str:
    more = session.get(f"{running.xapi}/statements", params={"limit": 10}).json()["more"]
    assert more.startswith("/xapi/statements?more=")
    return more.split("more=", 1)[1]


def _follow(running, session, cursor: str) -> requests.Response:
    return session.get(f"{running.xapi}/statements", params={"more": cursor})


def test_a_real_cursor_works_across_pages(lrs):
    running, session, ids = lrs
    seen, url, pages = [], f"{running.xapi}/statements?limit=10", 0
    while url:
        response = session.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [s["id"] for s in body["statements"]]
        url = running.url + body["more"] if body["more"] else None
        pages += 1
    assert pages == 3 and sorted(seen) == sorted(ids)


@pytest.mark.parametrize("field,value", [
    ("upto", 10 ** 6), ("after", 10 ** 6), ("authority_key", "someone-else"), ("limit", 1000),
    ("agent", "mbox:mailto:someone@example.org"), ("ascending", True), ("format", "ids"),
])
def test_a_cursor_with_a_changed_field_is_refused(lrs, field, value):
    running, session, _ = lrs
    cursor = _first_cursor(running, session)
    payload, dot, tag = cursor.partition(".")   # a signed cursor keeps its tag; the tampered payload does not match
    data = _decode(payload)
    assert data.get(field) != value
    data[field] = value
    response = _follow(running, session, _encode(data) + dot + tag)
    assert response.status_code == 400, response.text
    assert response.json()["message"] == REFUSED and response.json()["location"] == "more"


@pytest.mark.parametrize("token", [
    base64.urlsafe_b64encode(os.urandom(48)).decode().rstrip("="),
    base64.urlsafe_b64encode(os.urandom(48)).decode().rstrip("=") + "." + "A" * 43,
    "!!not base64!!", "", ".", "a.b.c", "é" * 10,
])
def test_random_cursors_are_refused(lrs, token):
    running, session, _ = lrs
    response = _follow(running, session, token)
    assert response.status_code == 400, response.text
    assert response.json()["message"] == REFUSED


#: JSON cursors of the right shape whose values have the wrong types; some gave 500 before
WRONG_TYPES = [
    {"after": 5, "upto": 10, "owners": [1, 2]},
    {"after": 5, "upto": 10, "owners": [{"$ne": None}]},
    {"after": 5, "upto": 10, "owners": [[1]]},
    {"after": 5, "upto": 10, "agent": "\ud800"},
    {"after": 5, "upto": 10, "verb": "\udfff"},
    {"after": 5, "upto": 10, "since": "\ud800"},
    {"after": 2 ** 64, "upto": 10},
    {"after": 5, "upto": 10, "limit": "10"},
    {"after": 5, "upto": 10, "related_agents": 1},
    {"after": 5.5, "upto": 10},
    [1, 2], "cursor", None,
]


@pytest.mark.parametrize("data", WRONG_TYPES, ids=lambda d: json.dumps(d)[:40])
def test_json_cursors_with_wrong_types_are_refused(lrs, data):
    running, session, _ = lrs
    response = _follow(running, session, _encode(data))
    assert response.status_code == 400, response.text
    assert response.json()["message"] == REFUSED


@pytest.mark.parametrize("data", WRONG_TYPES, ids=lambda d: json.dumps(d)[:40])
def test_signed_cursors_with_wrong_types_are_refused_too(lrs, data):
    """Behind a valid tag (made here with the server's own secret), the types are still checked."""
    from lrs.api.cursors import sign

    running, session, _ = lrs
    secret = (running.home / "secret_key").read_text().strip()
    response = _follow(running, session, sign(_encode(data), secret))
    assert response.status_code == 400, response.text
    assert response.json()["message"] == REFUSED
