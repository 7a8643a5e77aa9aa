"""The floor (bench/floor_app.py) is only a fair floor if it does the work it stands for: it must
find what Learnfolio finds for the benchmark's queries, with either index layout and with or
without Flask; a floor that answered less would look cheaper than any LRS could be."""

from __future__ import annotations

import json

import pytest

from bench import floor_app
from bench.generator import StatementGenerator
from lrs.xapi.agents import agent_key

#: without StatementRefs: Learnfolio also finds a statement by its target's keys (xAPI's filter rule for
#: StatementRefs), which the floor leaves out as LRS work; its pages hold as many statements either way
GENERATED = [s for s in StatementGenerator(seed=11).batch(400) if s["object"].get("objectType") != "StatementRef"]
COACH = {"objectType": "Agent", "mbox": "mailto:coach@example.org"}
#: the coach as the actor of one statement and only a related agent (instructor) of the next: the agent
#: filter must find the first alone, whichever index layout holds both
GENERATED += [
    {"id": "00000000-0000-4000-8000-00000000c0a1", "actor": COACH,
     "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"}, "object": {"id": "http://example.org/workshop"}},
    {"id": "00000000-0000-4000-8000-00000000c0a2", "actor": {"mbox": "mailto:learner@example.org"},
     "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"}, "object": {"id": "http://example.org/workshop"},
     "context": {"instructor": COACH}},
]


def _queries():
    actors = [s["actor"] for s in GENERATED[:40] if agent_key(s["actor"])]
    yield {"agent": json.dumps(COACH)}
    yield {"agent": json.dumps(actors[0])}
    yield {"agent": json.dumps(actors[7])}
    yield {"verb": GENERATED[3]["verb"]["id"]}
    yield {"activity": GENERATED[5]["object"]["id"]}
    registrations = [s["context"]["registration"] for s in GENERATED if "registration" in s.get("context", {})]
    yield {"registration": registrations[2]}
    yield {"verb": GENERATED[9]["verb"]["id"], "since": "2000-01-01T00:00:00Z"}
    yield {}


def _ids(page: dict) -> list[str]:
    return [s["id"] for s in page["statements"]]


@pytest.fixture
def learnfolio(client):
    for start in range(0, len(GENERATED), 100):
        response = client.post("/xapi/statements", json=GENERATED[start:start + 100])
        assert response.status_code == 200, response.get_data(as_text=True)
    return client


def _bare_get(args: dict) -> dict:
    from urllib.parse import urlencode

    answer = {}
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/xapi/statements", "QUERY_STRING": urlencode(args)}
    body = floor_app.bare(environ, lambda status, headers: answer.update(status=status))
    assert answer["status"].startswith("200")
    return json.loads(b"".join(body))


@pytest.mark.parametrize("index", ["rows", "mask"])
def test_the_floor_finds_what_learnfolio_finds(learnfolio, tmp_path, index):
    floor_app.open_store(str(tmp_path / "floor.sqlite3"), index)
    floor = floor_app.app.test_client()
    for start in range(0, len(GENERATED), 100):
        assert floor.post("/xapi/statements", json=GENERATED[start:start + 100]).status_code == 200
    for query in _queries():
        args = {**query, "limit": 50}
        expected = _ids(learnfolio.get("/xapi/statements", query_string=args).get_json())
        assert expected, query  # the query finds something, so an empty answer cannot pass
        assert _ids(floor.get("/xapi/statements", query_string=args).get_json()) == expected, query
        assert _ids(_bare_get(args)) == expected, query
    some = GENERATED[17]["id"]
    assert floor.get("/xapi/statements", query_string={"statementId": some}).get_json()["id"] == some


def test_the_mask_layout_writes_fewer_rows_for_the_same_keys(tmp_path):
    keys = {"agent:A", "actor:A", "ragent:A", "ragent:B", "activity:X", "ractivity:X", "ractivity:Y", "verb:V"}
    floor_app.open_store(str(tmp_path / "rows.sqlite3"), "rows")
    assert len(floor_app.rows_of(keys)) == 8
    floor_app.open_store(str(tmp_path / "mask.sqlite3"), "mask")
    assert floor_app.rows_of(keys) == {"a:A": 7, "a:B": 4, "o:X": 3, "o:Y": 2, "verb:V": 0}
