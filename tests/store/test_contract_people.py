"""The storage contract for people: identities, items, ownership queries and erasure."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest

from lrs.auth.credentials import Credential
from lrs.errors import Conflict
from lrs.store.base import Item
from lrs.xapi.agents import agent_key
from lrs.xapi.documents import STATE, Document, DocumentRef
from lrs.xapi.query import StatementQuery
from tests.store.test_contract import prepared
from lrs.access import Reach
from tests.conftest import EVERYTHING

ANN = {"mbox": "mailto:ann@example.org", "name": "Ann"}
ANN_ACCOUNT = {"account": {"homePage": "https://learnfolio.example/people", "name": "ann"}}
BOB = {"mbox": "mailto:bob@example.org", "name": "Bob"}
ERASED = "https://learnfolio.example/erased"


class Part:
    """An attachment body as stores receive it."""

    def __init__(self, content: bytes, content_type: str = "text/plain"):
        self.content, self.content_type = content, content_type


def with_attachment(actor, part: Part, **extra):
    import hashlib

    sha = hashlib.sha256(part.content).hexdigest()
    attachment = {"usageType": "http://example.com/u", "display": {"en": "notes"}, "contentType": part.content_type,
                  "length": len(part.content), "sha2": sha}
    carrier = prepared(actor=actor, attachments=[attachment], **extra)
    carrier.carries = [sha]  # as lrs.ingest sets it: the part came with this statement
    return carrier, sha


def person(backend, name):
    return backend.add_person(name, "hash")


def by(actor, **extra):
    return prepared(actor=actor, **extra)


def test_identity_claims_verification_and_owner(backend):
    ann, bob = person(backend, "ann"), person(backend, "bob")
    claim = backend.add_identity(ann.id, ANN)
    assert not claim.verified and backend.identity_owner(agent_key(ANN)) is None
    assert backend.verify_identity(ann.id, agent_key(ANN), "admin:root")
    assert backend.identity_owner(agent_key(ANN)) == ann.id
    # nobody else can hold it while ann does: a claim verified at once is refused, and a pending
    # claim is recorded (so claiming reveals nothing) but can never be verified
    with pytest.raises(Conflict):
        backend.add_identity(bob.id, ANN, verified_by="admin:root")
    assert not backend.add_identity(bob.id, ANN).verified
    with pytest.raises(Conflict):
        backend.verify_identity(bob.id, agent_key(ANN), "admin:root")
    assert backend.identity_owner(agent_key(ANN)) == ann.id
    assert backend.remove_identity(bob.id, agent_key(ANN))
    # two pending claims of one identifier: the first verified wins, the second cannot be verified
    backend.add_identity(ann.id, BOB)
    backend.add_identity(bob.id, BOB)
    assert backend.verify_identity(bob.id, agent_key(BOB), "admin:root")
    with pytest.raises(Conflict):
        backend.verify_identity(ann.id, agent_key(BOB), "admin:root")
    assert [i.key for i in backend.list_identities(ann.id, verified=True)] == [agent_key(ANN)]
    assert [i.person_id for i in backend.list_identities(verified=False)] == [ann.id]
    assert backend.remove_identity(ann.id, agent_key(BOB))
    assert not backend.remove_identity(ann.id, agent_key(BOB))
    assert not backend.verify_identity(ann.id, "Agent|mbox|mailto:none@example.org", "admin:root")


def test_people_update_and_list(backend):
    ann = person(backend, "ann")
    backend.update_person(ann.id, password_hash="new", is_admin=True, email="a@example.org")
    got = backend.get_person_by_id(ann.id)
    assert (got.password_hash, got.is_admin, got.email) == ("new", True, "a@example.org")
    assert [p.username for p in backend.list_people()] == ["ann"]
    assert backend.get_person_by_id(999) is None


def test_items_put_get_list_delete(backend):
    ann, bob = person(backend, "ann"), person(backend, "bob")
    first = backend.put_item(Item("goal", "g1", ann.id, {"title": "Python"}))
    assert first.created and first.updated
    backend.put_item(Item("share", "s1", ann.id, {"all": True}, ref=f"person:{bob.id}"))
    backend.put_item(Item("goal", "g1", ann.id, {"title": "Python 3"}))
    assert backend.get_item("goal", "g1").body == {"title": "Python 3"}
    assert backend.get_item("goal", "g1").created == first.created
    assert [i.item_id for i in backend.list_items("share", ref=f"person:{bob.id}")] == ["s1"]
    assert backend.list_items("goal", person_id=bob.id) == []
    assert backend.delete_item("goal", "g1") and backend.get_item("goal", "g1") is None


def test_owners_query_finds_actor_and_group_members(backend):
    mine = by(ANN)
    in_group = by({"objectType": "Group", "name": "team", "member": [ANN_ACCOUNT, BOB]})
    theirs = by(BOB)
    mentions_me = by(BOB, context={"instructor": ANN})
    backend.store_statements([mine, in_group, theirs, mentions_me])
    reach = Reach(owners=(agent_key(ANN), agent_key(ANN_ACCOUNT)))
    page = backend.query_statements(StatementQuery(), 10, reach=reach)
    assert sorted(s.id for s in page.statements) == sorted([mine.id, in_group.id])
    assert backend.query_statements(StatementQuery(), 10, reach=Reach(owners=())).statements == []
    nobody = Reach(owners=("Agent|mbox|mailto:nobody@x",))
    assert backend.query_statements(StatementQuery(), 10, reach=nobody).statements == []


def test_owners_paging_never_leaves_the_owner(backend):
    backend.store_statements([by(ANN) for _ in range(5)] + [by(BOB) for _ in range(5)])
    reach = Reach(owners=(agent_key(ANN),))
    page = backend.query_statements(StatementQuery(), 2, reach=reach)
    seen = [s.id for s in page.statements]
    while page.more:
        page = backend.query_statements(StatementQuery.from_cursor(page.more), 2, reach=reach)
        seen += [s.id for s in page.statements]
    assert len(seen) == 5 and all(json.loads(backend.get_statement(i, reach=EVERYTHING).json)["actor"]["name"] == "Ann" for i in seen)


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


def test_sqlite_store_of_schema_1_is_upgraded_with_actor_keys(tmp_path):
    """A store written before people owned records finds their statements after the upgrade."""
    import sqlite3

    from lrs.store.sqlite import SQLiteStore

    path = tmp_path / "old.sqlite3"
    store = SQLiteStore(path)
    store.initialise()
    mine = by(ANN)
    store.store_statements([mine])
    store.close()
    conn = sqlite3.connect(path)  # make it look like version 1: no actor: keys
    conn.execute("DELETE FROM statement_index WHERE term IN (SELECT id FROM terms WHERE term LIKE 'actor:%')")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    old = SQLiteStore(path)
    assert old.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "1"
    old.initialise()
    page = old.query_statements(StatementQuery(), 10, reach=Reach(owners=(agent_key(ANN),)))
    assert [s.id for s in page.statements] == [mine.id]
    assert old.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "4"
    assert old.check() == []
