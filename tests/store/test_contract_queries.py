"""The statements part, reading: every statement query parameter, paging, and the
consistency header.

On every backend: SQLite; MongoDB's code on mongomock (a mock of MongoDB,
not a server: it proves the store's code, never what a server does); a real MongoDB when
LRS_TEST_MONGODB_URI is set (tests/store/conftest.py)."""

from __future__ import annotations

import datetime as dt
import time
import uuid

from lrs.access import Reach
from lrs.xapi.agents import agent_key
from lrs.xapi.query import StatementQuery, index_time
from tests.conftest import EVERYTHING
from tests.store.contract import ids, prepared, q


ANN = {"mbox": "mailto:ann@example.org"}
BOB = {"mbox": "mailto:bob@example.org"}
COURSE = "http://example.org/course"
LESSON = "http://example.org/lesson"


def test_query_by_each_filter(backend):
    reg = str(uuid.uuid4())
    a = prepared(context={"registration": reg})
    b = prepared(actor={"mbox": "mailto:bob@example.org"}, verb={"id": "http://example.org/verbs/asked"})
    backend.store_statements([a, b])
    bob = agent_key({"mbox": "mailto:bob@example.org"})
    assert ids(backend.query_statements(StatementQuery(agent=bob), 10, reach=EVERYTHING)) == [b.id]
    assert ids(backend.query_statements(StatementQuery(verb="http://example.org/verbs/asked"), 10, reach=EVERYTHING)) == [b.id]
    assert ids(backend.query_statements(StatementQuery(registration=reg), 10, reach=EVERYTHING)) == [a.id]
    assert ids(backend.query_statements(StatementQuery(), 10, reach=Reach(None, authority_key="someone-else"))) == []
    assert ids(backend.query_statements(StatementQuery(), 10, reach=Reach(None, authority_key="tool"))) != []
    assert ids(backend.query_statements(StatementQuery(verb="http://example.org/never"), 10, reach=EVERYTHING)) == []


def test_paging_cursor(backend):
    batch = [prepared() for _ in range(7)]
    backend.store_statements(batch)
    page = backend.query_statements(StatementQuery(), 3, reach=EVERYTHING)
    seen = ids(page)
    while page.more:
        page = backend.query_statements(StatementQuery.from_cursor(page.more), 3, reach=EVERYTHING)
        seen += ids(page)
    assert seen == [p.id for p in reversed(batch)]


def test_agent_activity_and_related(backend):
    a = prepared(actor=ANN, object={"id": LESSON}, context={"contextActivities": {"parent": [{"id": COURSE}]}})
    b = prepared(actor=BOB, object={"objectType": "Agent", **ANN})
    c = prepared(actor=BOB, context={"instructor": ANN})
    backend.store_statements([a, b, c])
    ann = agent_key(ANN)
    assert q(backend, agent=ann) == [b.id, a.id]
    assert q(backend, agent=ann, related_agents=True) == [c.id, b.id, a.id]
    assert q(backend, activity=LESSON) == [a.id]
    assert q(backend, activity=COURSE) == []
    assert q(backend, activity=COURSE, related_activities=True) == [a.id]
    assert q(backend, agent=agent_key(BOB), activity=LESSON) == []
    assert q(backend, agent=ann, ascending=True) == [a.id, b.id]
    assert q(backend, authority_key="tool", agent=agent_key(BOB)) == [c.id, b.id]


def test_since_until(backend):
    first = prepared()
    backend.store_statements([first])
    time.sleep(0.005)
    middle = index_time(dt.datetime.now(dt.timezone.utc))
    time.sleep(0.005)
    second = prepared()
    backend.store_statements([second])
    assert q(backend, since=middle) == [second.id]
    assert q(backend, until=middle) == [first.id]
    assert q(backend, since=middle, until=middle) == []


def test_paging_is_stable_while_statements_arrive(backend):
    backend.store_statements([prepared() for _ in range(5)])
    page = backend.query_statements(StatementQuery(ascending=True), 2, reach=EVERYTHING)
    seen = ids(page)
    backend.store_statements([prepared() for _ in range(3)])  # after the first page: not in this listing
    while page.more:
        page = backend.query_statements(StatementQuery.from_cursor(page.more), 2, reach=EVERYTHING)
        seen += ids(page)
    assert len(seen) == len(set(seen)) == 5


def test_consistent_through_covers_every_visible_statement(backend):
    batch = [prepared() for _ in range(3)]
    backend.store_statements(batch)
    through = backend.consistent_through()
    dt.datetime.fromisoformat(through.replace("Z", "+00:00"))
    stored = [backend.get_statement(p.id, reach=EVERYTHING).stored for p in batch]
    # everything stored at or before the horizon is visible to a query
    old = [s for s in stored if s[:23] <= through[:23]]
    assert len(q(backend, until=through[:23] + "999Z")) >= len(old)


def test_unknown_term_or_owner_finds_nothing(backend):
    backend.store_statements([prepared()])
    assert q(backend, agent="Agent|mbox|mailto:nobody@example.org") == []
    assert q(backend, registration=str(uuid.uuid4())) == []
