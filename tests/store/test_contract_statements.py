"""The statements part: storing a batch all or nothing, resends and conflicts, voiding,
StatementRefs in either order and within one batch, attachment bodies, concurrent writers.

On every backend: SQLite; MongoDB's code on mongomock (a mock of MongoDB,
not a server: it proves the store's code, never what a server does); a real MongoDB when
LRS_TEST_MONGODB_URI is set (tests/store/conftest.py)."""

from __future__ import annotations

import hashlib
import threading
import uuid

import pytest

from lrs.errors import Conflict
from lrs.xapi.query import StatementQuery
from tests.conftest import EVERYTHING, statement
from tests.store.contract import VOIDED, ids, prepared, q


ANN = {"mbox": "mailto:ann@example.org"}
BOB = {"mbox": "mailto:bob@example.org"}
LESSON = "http://example.org/lesson"


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


def test_statement_ref_targets_terms_either_order(backend):
    target = prepared(actor=ANN, object={"id": LESSON})
    early = prepared(actor=BOB, object={"objectType": "StatementRef", "id": target.id})
    backend.store_statements([early])  # arrives before its target
    backend.store_statements([target])
    late = prepared(actor=BOB, object={"objectType": "StatementRef", "id": target.id})
    backend.store_statements([late])
    assert q(backend, activity=LESSON) == [late.id, target.id, early.id]


def test_voiding_before_the_target_arrives_and_voiding_a_voiding(backend):
    target = prepared()
    voiding = prepared(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target.id})
    backend.store_statements([voiding])
    backend.store_statements([target])
    assert backend.get_statement(target.id, reach=EVERYTHING) is None and backend.get_statement(target.id, voided=True, reach=EVERYTHING)
    again = prepared(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voiding.id})
    backend.store_statements([again])
    assert backend.get_statement(voiding.id, reach=EVERYTHING) is not None  # a voiding statement cannot be voided
    in_batch_target = prepared()
    in_batch = prepared(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": in_batch_target.id})
    backend.store_statements([in_batch_target, in_batch])
    assert backend.get_statement(in_batch_target.id, voided=True, reach=EVERYTHING) is not None
    assert backend.check() == []


def test_targets_later_in_the_same_batch(backend):
    target = prepared(actor=ANN, object={"id": LESSON})
    referrer = prepared(actor=BOB, object={"objectType": "StatementRef", "id": target.id})
    voided_target = prepared()
    voiding = prepared(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voided_target.id})
    backend.store_statements([referrer, voiding, target, voided_target])
    assert q(backend, activity=LESSON) == [target.id, referrer.id]
    assert backend.get_statement(voided_target.id, voided=True, reach=EVERYTHING) is not None
    assert backend.check() == []


def test_attachments_large_and_small(backend):
    class Part:
        def __init__(self, content):
            self.content_type, self.content = "application/octet-stream", content

    small, large = Part(b"x" * 10), Part(bytes(range(256)) * (9 * 1024 * 4 + 7))  # large: more than 9 MiB
    parts = {hashlib.sha256(p.content).hexdigest(): p for p in (small, large)}
    carrier = prepared()
    carrier.carries = sorted(parts)
    backend.store_statements([carrier], parts)
    got = backend.get_attachments([carrier.id, str(uuid.uuid4())], reach=EVERYTHING)
    assert {k: v[1] for k, v in got.items()} == {k: p.content for k, p in parts.items()}
