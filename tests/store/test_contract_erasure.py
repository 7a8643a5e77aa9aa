"""Erasure, which spans the parts: a person erased, or chosen statements of theirs, with the
attachment bodies, documents, credentials, identities and items that go with them.

On every backend: SQLite; MongoDB's code on mongomock (a mock of MongoDB,
not a server: it proves the store's code, never what a server does); a real MongoDB when
LRS_TEST_MONGODB_URI is set (tests/store/conftest.py)."""

from __future__ import annotations

import hashlib

from lrs.access import Reach
from lrs.auth.credentials import Credential
from lrs.store.base import Item
from lrs.store.sqlite import SQLiteStore
from lrs.xapi.agents import agent_key
from lrs.xapi.documents import STATE, Document, DocumentRef
from lrs.xapi.query import StatementQuery
from tests.conftest import EVERYTHING
from tests.store.contract import ERASED, VOIDED, Part, by, person, prepared, with_attachment


ANN = {"mbox": "mailto:ann@example.org", "name": "Ann"}
BOB = {"mbox": "mailto:bob@example.org", "name": "Bob"}
ANNS = Reach(owners=(agent_key(ANN),))


def at(day: str, actor=ANN, **extra):
    """A statement of learning that happened on ``day`` (timestamp at noon UTC unless given)."""
    timestamp = day if "T" in day else f"{day}T12:00:00Z"
    return prepared(actor=actor, timestamp=timestamp, **extra)


def listed(backend, reach=ANNS, limit=100, **query):
    page = backend.query_statements(StatementQuery(order="timestamp", **query), limit, reach=reach)
    return [s.id for s in page.statements]


def test_erase_person_deletes_theirs_and_scrubs_mentions(backend):
    ann, bob = person(backend, "ann"), person(backend, "bob")
    backend.add_identity(ann.id, ANN, verified_by="admin:root")
    backend.add_identity(bob.id, BOB, verified_by="admin:root")
    part = Part(b"ann's notes")
    mine, sha = with_attachment(ANN, part)
    bobs = by(BOB, context={"instructor": ANN})
    backend.store_statements([mine, bobs], {sha: part})
    ref = DocumentRef(STATE, activity_id="http://example.com/a", agent=agent_key(ANN), doc_id="s")
    backend.change_document(ref, lambda _: Document(content=b"{}", content_type="application/json",
                                                    etag="e", updated="2026-01-01T00:00:00.000000Z"), reach=EVERYTHING)
    backend.add_credential(Credential(key="k", name="ext", scopes=("statements/write",), authority={},
                                      person_id=ann.id, created="now", secret_hash="x"))
    backend.put_item(Item("goal", "g", ann.id, {}))
    backend.put_item(Item("share", "s", bob.id, {}, ref=f"person:{ann.id}"))

    counts = backend.erase_person(ann.id, erased_home_page=ERASED)

    assert counts["statements"] == 1 and counts["statements_scrubbed"] == 1
    assert counts["attachments"] == 1 and counts["documents"] == 1 and counts["credentials"] == 1
    assert counts["items"] == 2 and counts["people"] == 1
    assert backend.get_statement(mine.id, reach=EVERYTHING) is None
    assert backend.get_attachments([mine.id], reach=EVERYTHING) == {}
    assert backend.get_document(ref, reach=EVERYTHING) is None and backend.get_person("ann") is None
    remaining = backend.get_statement(bobs.id, reach=EVERYTHING).json
    assert "ann@example.org" not in remaining and ERASED in remaining
    # the scrubbed statement is found by nothing that named ann, and still by bob
    assert backend.query_statements(StatementQuery(agent=agent_key(ANN), related_agents=True), 10, reach=EVERYTHING).statements == []
    assert [s.id for s in backend.query_statements(StatementQuery(agent=agent_key(BOB)), 10, reach=EVERYTHING).statements] == [bobs.id]
    assert backend.identity_owner(agent_key(ANN)) is None
    assert backend.get_person("bob") is not None and backend.list_items("share") == []


def test_erase_keeps_attachments_others_declare(backend):
    ann = person(backend, "ann")
    backend.add_identity(ann.id, ANN, verified_by="signup")
    part = Part(b"shared slides")
    anns, sha = with_attachment(ANN, part)
    bobs, _ = with_attachment(BOB, part)
    backend.store_statements([anns, bobs], {sha: part})
    backend.erase_person(ann.id, erased_home_page=ERASED)
    assert sha in backend.get_attachments([bobs.id], reach=EVERYTHING)
    assert backend.statement_count() == 1


def test_erasing_chosen_statements_takes_only_those_of_hers(backend):
    ann, bob = backend.add_person("ann", "hash"), backend.add_person("bob", "hash")
    backend.add_identity(ann.id, ANN, verified_by="signup")
    backend.add_identity(bob.id, BOB, verified_by="signup")
    gone, stays, bobs = at("2026-01-01"), at("2026-01-02"), at("2026-01-03", actor=BOB)
    mentions = at("2026-01-04", actor=BOB, context={"instructor": ANN})
    backend.store_statements([gone, stays, bobs, mentions])

    counts = backend.erase_person(ann.id, erased_home_page=ERASED, statement_ids=[gone.id.upper(), bobs.id])

    assert counts["statements"] == 1 and counts["statements_scrubbed"] == 0 and counts["people"] == 0
    assert backend.get_statement(gone.id, reach=EVERYTHING) is None
    assert backend.get_statement(bobs.id, reach=EVERYTHING) is not None      # not hers: never erased by her
    assert "ann@example.org" in backend.get_statement(mentions.id, reach=EVERYTHING).json  # nothing scrubbed
    assert listed(backend) == [stays.id]
    assert backend.get_person("ann") is not None and backend.identity_owner(agent_key(ANN)) == ann.id


def test_erasing_an_edited_record_takes_its_history(backend):
    ann = backend.add_person("ann", "hash")
    backend.add_identity(ann.id, ANN, verified_by="signup")
    first = at("2026-01-01")
    backend.store_statements([first])
    voiding = prepared(actor=ANN, verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": first.id})
    second = at("2026-01-01", context={"statement": {"objectType": "StatementRef", "id": first.id}})
    backend.store_statements([voiding, second])
    counts = backend.erase_person(ann.id, erased_home_page=ERASED, statement_ids=[first.id, second.id])
    assert counts["statements"] == 3  # both versions and the voiding statement between them
    for statement_id in (first.id, second.id, voiding.id):
        assert backend.get_statement(statement_id, reach=EVERYTHING) is None
        assert backend.get_statement(statement_id, reach=EVERYTHING, voided=True) is None
    assert backend.statement_count() == 0


def test_erasing_chosen_statements_keeps_bodies_others_carried(backend):
    ann = backend.add_person("ann", "hash")
    backend.add_identity(ann.id, ANN, verified_by="signup")
    slides, only_hers = Part(b"shared slides"), Part(b"ann's certificate")
    anns, shared = with_attachment(ANN, slides)
    bobs, _ = with_attachment(BOB, slides)
    certificate, own = with_attachment(ANN, only_hers)
    backend.store_statements([anns, bobs, certificate], {shared: slides, own: only_hers})
    counts = backend.erase_person(ann.id, erased_home_page=ERASED, statement_ids=[anns.id, certificate.id])
    assert counts["statements"] == 2 and counts["attachments"] == 1
    assert shared in backend.get_attachments([bobs.id], reach=EVERYTHING)
    assert own == hashlib.sha256(only_hers.content).hexdigest()


def test_sqlite_partial_erasure_leaves_no_term_of_the_erased_statements(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite3")
    store.initialise()
    ann = store.add_person("ann", "hash")
    store.add_identity(ann.id, ANN, verified_by="signup")
    secret = at("2026-01-01", object={"id": "https://example.org/ann-private-diary-entry"})
    store.store_statements([secret, at("2026-01-02")])
    store.erase_person(ann.id, erased_home_page=ERASED, statement_ids=[secret.id])
    terms = [r[0] for r in store.conn.execute("SELECT term FROM terms")]
    assert not any("ann-private-diary-entry" in t for t in terms)
    assert any(t == "actor:" + agent_key(ANN) for t in terms)  # she is still here: her identity's term stays
    assert store.conn.execute("SELECT count(*) FROM timeline").fetchone()[0] == 1
