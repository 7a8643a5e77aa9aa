"""Rule 1 (docs/ownership.md): ownership comes from a statement's own actor, never from a
statement it refers to. Before, the store copied a StatementRef target's `actor:` keys onto the
referring statement: Bob's comment on Ann's record was read by Ann's key, shown in her space and
exports, and erasing Ann deleted Bob's own statement."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.server import running_server
from tests.security.realserver import (
    PASSWORD, VERSION, Web, account, get_ids, make_person, personal_key, post, ref_to, statement, tool_key,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("rule1")) as running:
        for name in ("ann", "bob", "cat", "dan"):
            make_person(running, name)
        yield running


def test_a_comment_on_anns_record_is_bobs_alone(server):
    ann_key, bob_key = personal_key(server, "ann"), personal_key(server, "bob")
    hers = statement(account("ann"), "Ann's course")
    assert post(server, ann_key, [hers]).status_code == 200
    comment = ref_to(account("bob"), hers["id"])
    assert post(server, bob_key, [comment]).status_code == 200

    assert get_ids(server, ann_key) == [hers["id"]]
    by_id = requests.get(f"{server.xapi}/statements", params={"statementId": comment["id"]}, auth=ann_key,
                         headers=VERSION, timeout=10)
    assert by_id.status_code == 404
    assert comment["id"] in get_ids(server, bob_key)

    ann = Web(server, "ann")
    assert [s["id"] for s in ann.export()] == [hers["id"]]
    assert ann.get(f"/space/records/{comment['id']}").status_code == 404
    assert comment["id"] not in ann.get("/space/cpd/export/csv?period=all").text
    assert comment["id"] not in ann.get("/space/cpd/export/xapi").text

    # the xAPI filter for StatementRefs still holds for readers of every statement
    assert set(get_ids(server, tool_key(server), agent=account("ann"))) == {hers["id"], comment["id"]}


def test_erasing_a_person_keeps_anothers_statement_that_refers_to_theirs(server):
    cat_key, dan_key = personal_key(server, "cat"), personal_key(server, "dan")
    hers = statement(account("cat"), "Cat's talk")
    post(server, cat_key, [hers])
    reply = ref_to(account("dan"), hers["id"])
    post(server, dan_key, [reply])

    cat = Web(server, "cat")
    erased = cat.post("/space/erase", {"confirm": "cat", "password": PASSWORD})
    assert erased.status_code == 200 and "erased" in erased.url

    assert reply["id"] in get_ids(server, dan_key)
    assert hers["id"] not in get_ids(server, tool_key(server))
