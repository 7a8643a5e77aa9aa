"""The items part: the small records plugins keep per person, and one-time items taken once.

Semantics run on every backend: SQLite; MongoDB's code on mongomock (a mock of MongoDB,
not a server: it proves the store's code, never what a server does); a real MongoDB when
LRS_TEST_MONGODB_URI is set (tests/store/conftest.py).
Races run only where real concurrency exists (SQLite, a real MongoDB server), never on mongomock."""

from __future__ import annotations

from lrs.store.base import Item
from tests.store.contract import person, together


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


def test_take_item_returns_it_once(backend):
    backend.put_item(Item("invite", "i1", None, {"email": "x@example.org"}))
    taken = backend.take_item("invite", "i1")
    assert taken is not None and taken.body == {"email": "x@example.org"} and taken.kind == "invite"
    assert backend.take_item("invite", "i1") is None
    assert backend.get_item("invite", "i1") is None
    assert backend.take_item("invite", "never") is None


def test_threads_racing_for_one_item_one_wins(real_backend):
    for round_ in range(5):
        real_backend.put_item(Item("invite", f"i{round_}", None, {}))
        taken = together(16, lambda i: real_backend.take_item("invite", f"i{round_}"))
        assert sum(t is not None for t in taken) == 1


def test_a_change_token_differs_after_each_noted_change(backend):
    before = backend.change_token("registry")
    seen = {before}
    for _ in range(3):
        backend.note_change("registry")
        token = backend.change_token("registry")
        assert token not in seen
        seen.add(token)
    assert backend.change_token("registry") == token  # asked again without a change: the same
    assert backend.change_token("another") == before  # names apart: one change does not touch another's


def test_a_change_noted_through_another_store_on_the_same_data_is_seen(backend, tmp_path):
    from tests.store.conftest import open_backend

    if backend.__class__.__name__ == "MongoStore":  # another store object on the same database
        other = type(backend)(backend.client, backend.db.name, transactions=backend.transactional)
    else:
        other = open_backend("sqlite", tmp_path)
    backend.note_change("registry")
    before = backend.change_token("registry")
    other.note_change("registry")
    assert backend.change_token("registry") != before
