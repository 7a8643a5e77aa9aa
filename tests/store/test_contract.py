"""The storage contract (lrs.store.base.Store), run against every backend."""

from __future__ import annotations

import copy
import threading
import uuid

import pytest

from lrs.auth.credentials import Credential
from lrs.errors import Conflict
from lrs.xapi.agents import agent_key
from lrs.xapi.query import StatementQuery
from lrs.xapi.statements import prepare
from tests.conftest import statement
from lrs.access import Reach
from tests.conftest import EVERYTHING

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://example.org", "name": "tool"}}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def prepared(body=None, key="tool", **overrides):
    body = copy.deepcopy(body) if body is not None else statement(id=str(uuid.uuid4()), **overrides)
    return prepare(body, authority=AUTHORITY, authority_key=key, version="1.0.3", owners=None)


def ids(page):
    return [s.id for s in page.statements]


def test_store_and_get(backend):
    p = prepared()
    assert backend.store_statements([p]) == [p.id]
    got = backend.get_statement(p.id, reach=EVERYTHING)
    assert got is not None and got.id == p.id and '"stored"' in got.json
    assert backend.get_statement(p.id, voided=True, reach=EVERYTHING) is None
    assert backend.statement_count() == 1


def test_identical_resend_is_skipped_and_different_is_conflict(backend):
    body = statement(id=str(uuid.uuid4()))
    backend.store_statements([prepared(body)])
    assert backend.store_statements([prepared(body)]) == []
    changed = dict(body, verb={"id": "http://example.org/other"})
    with pytest.raises(Conflict):
        backend.store_statements([prepared(changed)])


def test_batch_is_all_or_nothing(backend):
    existing = statement(id=str(uuid.uuid4()))
    backend.store_statements([prepared(existing)])
    batch = [prepared(), prepared(), prepared(dict(existing, verb={"id": "http://example.org/x"}))]
    with pytest.raises(Conflict):
        backend.store_statements(batch)
    assert backend.statement_count() == 1


def test_stored_never_goes_backwards(backend):
    batches = [[prepared() for _ in range(3)] for _ in range(5)]
    for batch in batches:
        backend.store_statements(batch)
    stored = [s.stored for s in backend.query_statements(StatementQuery(ascending=True), 100, reach=EVERYTHING).statements]
    assert stored == sorted(stored)


def test_voiding(backend):
    target = prepared()
    backend.store_statements([target])
    voiding = prepared(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target.id})
    backend.store_statements([voiding])
    assert backend.get_statement(target.id, reach=EVERYTHING) is None
    assert backend.get_statement(target.id, voided=True, reach=EVERYTHING) is not None
    assert ids(backend.query_statements(StatementQuery(), 10, reach=EVERYTHING)) == [voiding.id]


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


def test_credentials(backend):
    cred = Credential(key="k1", name="n", scopes=("all",), authority=AUTHORITY, created="2026-01-01",
                      secret_hash="h")
    backend.add_credential(cred)
    assert backend.get_credential("k1").scopes == ("all",)
    backend.touch_credential("k1", "2026-02-02")
    assert backend.get_credential("k1").last_used == "2026-02-02"
    assert [c.key for c in backend.list_credentials()] == ["k1"]
    assert backend.revoke_credential("k1", "2026-03-03") is True
    assert backend.revoke_credential("k1", "2026-03-03") is False
    assert backend.get_credential("k1").revoked == "2026-03-03"
    assert backend.get_credential("nope") is None


def test_people(backend):
    person = backend.add_person("ada", "hash", email="ada@example.org", is_admin=True)
    assert backend.get_person("ada").id == person.id and backend.get_person("ada").is_admin
    with pytest.raises(Conflict):
        backend.add_person("ada", "hash")


def test_concurrent_writers_lose_nothing(backend):
    """Many threads writing at once (each its own connection): every statement is stored once."""
    batches = [[prepared() for _ in range(10)] for _ in range(8)]
    errors = []

    def write(batch):
        try:
            backend.store_statements(batch)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert backend.statement_count() == 80
    assert backend.check() == []


def test_check_finds_a_broken_row(backend):
    backend.store_statements([prepared()])
    assert backend.check() == []
    if hasattr(backend, "conn"):
        backend.conn.execute("UPDATE statements SET body = 'not json'")
    else:
        backend.db.statements.update_many({}, {"$set": {"body": "not json"}})
    assert any("does not parse" in p for p in backend.check())
