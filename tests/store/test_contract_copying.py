"""Copying, which spans the parts: every record dumped and loaded between backends (``lrs migrate``),
resumable, and refused when the target is not a copy.

On every backend: SQLite; MongoDB's code on mongomock (a mock of MongoDB,
not a server: it proves the store's code, never what a server does); a real MongoDB when
LRS_TEST_MONGODB_URI is set (tests/store/conftest.py)."""

from __future__ import annotations

import hashlib

from lrs.store.base import RECORD_KINDS, Item
from lrs.store.migrate import migrate, statements_digest, verify
from lrs.store.sqlite import SQLiteStore
from lrs.xapi.agents import agent_key
from lrs.xapi.documents import STATE, Document, DocumentRef
from tests.conftest import EVERYTHING
from tests.store.conftest import open_backend
from tests.store.contract import VOIDED, prepared, q


ANN = {"mbox": "mailto:ann@example.org"}
LESSON = "http://example.org/lesson"


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


def test_dump_and_load_carry_the_status(backend, tmp_path):
    ann = backend.add_person("ann", "hash")
    backend.update_person(ann.id, disabled=True, last_sign_in="2026-03-01T10:00:00+00:00")
    [record] = list(backend.dump("people"))
    assert record["disabled"] is True and record["last_sign_in"] == "2026-03-01T10:00:00+00:00"
    copy = SQLiteStore(tmp_path / "copy.sqlite3")
    copy.initialise()
    copy.load("people", [record])
    assert copy.get_person("ann").disabled is True
    older = {k: v for k, v in record.items() if k not in ("disabled", "last_sign_in")}  # dumped by an older version
    older.update(id=2, username="bob")
    copy.load("people", [older])
    assert copy.get_person("bob").disabled is False and copy.get_person("bob").last_sign_in is None
    copy.close()
