"""Rule 2: a person voids only their own statements. Before, a personal key voided any statement
by id (it vanished from its owner's timeline, key and CPD log), could void an id in advance so that
another person's statement arrived voided, and an import into a person's record did the same."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.e2e.server import running_server
from tests.security.realserver import (
    Web, account, get_ids, make_person, personal_key, post, statement, tool_key, voiding,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("rule2")) as running:
        make_person(running, "ann")
        make_person(running, "bob")
        yield running


def test_a_personal_key_cannot_void_another_persons_statement(server):
    ann_key, bob_key = personal_key(server, "ann"), personal_key(server, "bob")
    hers = statement(account("ann"), "Ann's course")
    post(server, ann_key, [hers])

    refused = post(server, bob_key, [voiding(account("bob"), hers["id"])])
    assert refused.status_code == 403
    assert "your own statements" in refused.json()["message"]
    assert hers["id"] in get_ids(server, ann_key)
    assert hers["id"] in [s["id"] for s in Web(server, "ann").export()]


def test_a_personal_key_cannot_void_an_id_in_advance(server):
    ann_key, bob_key = personal_key(server, "ann"), personal_key(server, "bob")
    future = str(uuid.uuid4())
    assert post(server, bob_key, [voiding(account("bob"), future)]).status_code == 403
    hers = statement(account("ann"), "Ann's later course")
    hers["id"] = future
    assert post(server, ann_key, [hers]).status_code == 200
    assert future in get_ids(server, ann_key)


def test_a_person_voids_their_own_and_a_tool_voids_any(server):
    ann_key, bob_key = personal_key(server, "ann"), personal_key(server, "bob")
    bobs, hers = statement(account("bob"), "Bob's"), statement(account("ann"), "Ann's")
    post(server, bob_key, [bobs])
    post(server, ann_key, [hers])
    assert post(server, bob_key, [voiding(account("bob"), bobs["id"])]).status_code == 200
    assert bobs["id"] not in get_ids(server, bob_key)
    tool = {"objectType": "Agent", "mbox": "mailto:lms@example.org"}
    assert post(server, tool_key(server), [voiding(tool, hers["id"])]).status_code == 200
    assert hers["id"] not in get_ids(server, ann_key)


def test_an_import_into_a_persons_record_cannot_void_anothers(server):
    ann_key = personal_key(server, "ann")
    hers = statement(account("ann"), "Ann's workshop")
    post(server, ann_key, [hers])
    bob = Web(server, "bob")
    upload = json.dumps([voiding(account("bob"), hers["id"])]).encode()
    page = bob.post("/space/cpd/import", {"source": "file"}, token_from="/space/cpd/import",
                    files={"file": ("void.json", upload, "application/json")})
    assert "your own statements" in page.text
    assert hers["id"] in get_ids(server, ann_key)
