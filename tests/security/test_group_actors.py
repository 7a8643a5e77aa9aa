"""Rule 3: a statement a person writes (personal key) is theirs alone: naming others as members of
a Group actor does not put it in their records. A tool's statement with a Group actor still reaches
every verified member. Before, Bob's Group statement landed in Ann's timeline, key, CPD log and
exports, and she could not remove it."""

from __future__ import annotations

import pytest

from tests.e2e.server import running_server
from tests.security.realserver import Web, account, get_ids, make_person, personal_key, post, statement, tool_key

ANN_MAIL = {"objectType": "Agent", "mbox": "mailto:ann@example.org"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("rule3")) as running:
        make_person(running, "ann", email="ann@example.org")
        make_person(running, "bob")
        yield running


def group(*members) -> dict:
    return {"objectType": "Group", "name": "study group", "member": list(members)}


def test_a_persons_group_statement_is_theirs_alone(server):
    ann_key, bob_key = personal_key(server, "ann"), personal_key(server, "bob")
    planted = statement(group(account("bob"), ANN_MAIL), "Bob's session naming Ann")
    assert post(server, bob_key, [planted]).status_code == 200
    assert planted["id"] in get_ids(server, bob_key)
    assert planted["id"] not in get_ids(server, ann_key)
    ann = Web(server, "ann")
    assert planted["id"] not in [s["id"] for s in ann.export()]
    assert ann.get(f"/space/records/{planted['id']}").status_code == 404
    assert planted["id"] not in ann.get("/space/cpd/export/csv?period=all").text


def test_a_tools_group_statement_reaches_every_verified_member(server):
    ann_key, bob_key = personal_key(server, "ann"), personal_key(server, "bob")
    team = statement(group(account("bob"), ANN_MAIL), "Team training from the LMS")
    assert post(server, tool_key(server), [team]).status_code == 200
    assert team["id"] in get_ids(server, ann_key)
    assert team["id"] in get_ids(server, bob_key)
