"""The documents part: state, activity profile and agent profile documents, each read and
changed within reach.

On every backend: SQLite; MongoDB's code on mongomock (a mock of MongoDB,
not a server: it proves the store's code, never what a server does); a real MongoDB when
LRS_TEST_MONGODB_URI is set (tests/store/conftest.py)."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from lrs.access import Reach
from lrs.errors import Forbidden
from lrs.xapi.agents import agent_key
from lrs.xapi.documents import STATE, Document, DocumentRef
from tests.conftest import EVERYTHING


ANN = {"mbox": "mailto:ann@example.org", "name": "Ann"}
BOB = {"mbox": "mailto:bob@example.org", "name": "Bob"}


def test_agent_documents_lists_state_and_agent_profiles_of_one_agent(backend):
    from lrs.xapi.documents import ACTIVITY_PROFILE, AGENT_PROFILE

    ann, bob = agent_key(ANN), agent_key({"mbox": "mailto:bob@example.org"})
    refs = [
        DocumentRef(STATE, activity_id="http://example.com/a", agent=ann, doc_id="s1"),
        DocumentRef(STATE, activity_id="http://example.com/b", agent=ann, registration=str(uuid.uuid4()), doc_id="s2"),
        DocumentRef(AGENT_PROFILE, agent=ann, doc_id="p"),
        DocumentRef(STATE, activity_id="http://example.com/a", agent=bob, doc_id="s1"),
        DocumentRef(ACTIVITY_PROFILE, activity_id="http://example.com/a", doc_id="p"),
    ]
    for ref in refs:
        backend.change_document(ref, lambda _: Document.new("application/json", b"{}"), reach=EVERYTHING)
    found = backend.agent_documents(ann, reach=EVERYTHING)
    assert sorted(found, key=repr) == sorted(refs[:3], key=repr)
    for ref in found:  # each ref reaches its document
        assert backend.get_document(ref, reach=EVERYTHING).content == b"{}"
    assert backend.agent_documents(agent_key({"mbox": "mailto:nobody@example.org"}), reach=EVERYTHING) == []


def test_change_document_creates_replaces_and_deletes_atomically(backend):
    ref = DocumentRef(STATE, activity_id="http://example.com/a", agent=agent_key(ANN), doc_id="s")
    assert backend.get_document(ref, reach=EVERYTHING) is None
    first = backend.change_document(ref, lambda current: Document.new("application/json", b"1"), reach=EVERYTHING)
    assert backend.get_document(ref, reach=EVERYTHING) == first
    seen = []
    second = backend.change_document(ref, lambda current: seen.append(current) or Document.new("text/plain", b"2"),
                                     reach=EVERYTHING)
    assert seen == [first] and backend.get_document(ref, reach=EVERYTHING) == second

    def refuse(current):
        raise ValueError("a failed precondition")

    with pytest.raises(ValueError):
        backend.change_document(ref, refuse, reach=EVERYTHING)
    assert backend.get_document(ref, reach=EVERYTHING) == second  # nothing changed
    assert backend.change_document(ref, lambda current: None, reach=EVERYTHING) is None
    assert backend.get_document(ref, reach=EVERYTHING) is None


def test_document_ids_and_deleting_a_scope(backend):
    scope = DocumentRef(STATE, activity_id="http://example.com/a", agent=agent_key(ANN))
    other = DocumentRef(STATE, activity_id="http://example.com/b", agent=agent_key(ANN), doc_id="x")
    old = Document("application/json", b"{}", '"1"', "2026-01-01T00:00:00.000Z")
    new = Document("application/json", b"{}", '"2"', "2026-01-02T00:00:00.000Z")
    for doc_id, document in (("b", new), ("a", old)):
        backend.change_document(replace(scope, doc_id=doc_id), lambda _, d=document: d, reach=EVERYTHING)
    backend.change_document(other, lambda _: new, reach=EVERYTHING)
    assert backend.document_ids(scope, reach=EVERYTHING) == [("a", old.updated), ("b", new.updated)]
    assert backend.document_ids(scope, old.updated, reach=EVERYTHING) == [("b", new.updated)]
    assert backend.delete_documents(scope, reach=EVERYTHING) == 2
    assert backend.document_ids(scope, reach=EVERYTHING) == []
    assert backend.get_document(other, reach=EVERYTHING) == new  # another scope stays


def test_a_document_outside_reach_reads_as_absent_and_cannot_change(backend):
    bobs = DocumentRef(STATE, activity_id="http://example.com/a", agent=agent_key(BOB), doc_id="s")
    backend.change_document(bobs, lambda _: Document.new("application/json", b"{}"), reach=EVERYTHING)
    anns = Reach(owners=(agent_key(ANN),))
    assert backend.get_document(bobs, reach=anns) is None
    assert backend.document_ids(replace(bobs, doc_id=None), reach=anns) == []
    assert backend.agent_documents(agent_key(BOB), reach=anns) == []
    with pytest.raises(Forbidden):
        backend.change_document(bobs, lambda _: None, reach=anns)
    with pytest.raises(Forbidden):
        backend.delete_documents(replace(bobs, doc_id=None), reach=anns)
    assert backend.get_document(bobs, reach=EVERYTHING) is not None  # still there
