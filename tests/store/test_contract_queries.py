"""The storage contract for every statement query parameter, paging, StatementRefs and copying."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid

from lrs.store.base import RECORD_KINDS, Item
from lrs.store.migrate import migrate, statements_digest, verify
from lrs.xapi.agents import agent_key
from lrs.xapi.documents import STATE, Document, DocumentRef
from lrs.xapi.query import StatementQuery, index_time
from tests.store.conftest import open_backend
from tests.store.test_contract import VOIDED, ids, prepared
from lrs.access import Reach
from tests.conftest import EVERYTHING

ANN = {"mbox": "mailto:ann@example.org"}
BOB = {"mbox": "mailto:bob@example.org"}
COURSE = "http://example.org/course"
LESSON = "http://example.org/lesson"


def q(backend, limit=20, authority_key=None, **filters):
    reach = Reach(None, authority_key=authority_key) if authority_key else EVERYTHING
    return ids(backend.query_statements(StatementQuery(**filters), limit, reach=reach))


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


def _fill(store):
    ann = store.add_person("ann", "hash", email="ann@example.org")
    store.add_identity(ann.id, ANN, verified_by="signup")
    store.put_item(Item("goal", "g1", ann.id, {"title": "Python"}, ref="x"))
    store.change_document(DocumentRef(STATE, activity_id=LESSON, agent=agent_key(ANN), doc_id="s"),
                          lambda _: Document.new("application/json", b'{"a": 1}'), reach=EVERYTHING)

    class Part:
        content_type, content = "text/plain", b"notes"

    sha = hashlib.sha256(Part.content).hexdigest()
    attachment = {"usageType": "http://example.com/u", "display": {"en": "n"}, "contentType": "text/plain",
                  "length": 5, "sha2": sha}
    statements = [prepared(actor=ANN, attachments=[attachment])] + [prepared() for _ in range(40)]
    store.store_statements(statements[:20], {sha: Part()})
    store.store_statements(statements[20:])
    target = statements[3]
    store.store_statements([prepared(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target.id})])
    return statements


def test_dump_load_and_migrate_to_each_backend(backend, tmp_path):
    """Copy into every backend from SQLite (and back out of mongomock), resuming a stopped copy."""
    source = open_backend("sqlite", tmp_path / "source")
    source.initialise()
    _fill(source)
    first = list(source.dump("statements"))[:25]
    for kind in RECORD_KINDS[:-1]:
        backend.load(kind, list(source.dump(kind)))
    backend.load("statements", first)  # as if a copy had stopped here
    skipped, copied = migrate(source, backend, batch_size=7)
    assert (skipped, copied) == (25, 17)
    result = verify(source, backend)
    assert result.ok, result
    assert statements_digest(backend) == statements_digest(source)
    assert backend.check() == []
    # the copy works as a store: queries, voiding, new statements continue the sequence
    assert len(q(backend, agent=agent_key(ANN))) == 1
    more = prepared()
    backend.store_statements([more])
    assert q(backend, limit=1) == [more.id]
    back = open_backend("sqlite", tmp_path / "back")
    back.initialise()
    migrate(backend, back)
    assert verify(backend, back).ok


def test_migrate_refuses_a_target_that_is_not_a_copy(backend, tmp_path):
    import pytest

    from lrs.store.migrate import MigrationError

    source = open_backend("sqlite", tmp_path / "source")
    source.initialise()
    source.store_statements([prepared()])
    backend.store_statements([prepared()])
    with pytest.raises(MigrationError):
        migrate(source, backend)


def test_unknown_term_or_owner_finds_nothing(backend):
    backend.store_statements([prepared()])
    assert q(backend, agent="Agent|mbox|mailto:nobody@example.org") == []
    assert q(backend, registration=str(uuid.uuid4())) == []


def test_targets_later_in_the_same_batch(backend):
    target = prepared(actor=ANN, object={"id": LESSON})
    referrer = prepared(actor=BOB, object={"objectType": "StatementRef", "id": target.id})
    voided_target = prepared()
    voiding = prepared(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voided_target.id})
    backend.store_statements([referrer, voiding, target, voided_target])
    assert q(backend, activity=LESSON) == [target.id, referrer.id]
    assert backend.get_statement(voided_target.id, voided=True, reach=EVERYTHING) is not None
    assert backend.check() == []
