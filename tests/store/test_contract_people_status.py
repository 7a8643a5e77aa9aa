"""The storage contract for what people administration needs: a person can be disabled and
re-enabled, and their last sign-in is kept; stores made before these existed are upgraded."""

from __future__ import annotations

import sqlite3

from lrs.store.sqlite import SQLiteStore


def test_a_new_person_is_enabled_and_has_never_signed_in(backend):
    ann = backend.add_person("ann", "hash")
    assert ann.disabled is False and ann.last_sign_in is None
    again = backend.get_person("ann")
    assert again.disabled is False and again.last_sign_in is None


def test_disable_re_enable_and_last_sign_in(backend):
    ann, bob = backend.add_person("ann", "hash"), backend.add_person("bob", "hash")
    backend.update_person(ann.id, disabled=True)
    assert backend.get_person_by_id(ann.id).disabled is True
    assert backend.get_person_by_id(bob.id).disabled is False  # only hers
    backend.update_person(ann.id, last_sign_in="2026-03-01T10:00:00+00:00")
    found = backend.get_person("ann")
    assert found.disabled is True and found.last_sign_in == "2026-03-01T10:00:00+00:00"  # one change keeps the other
    backend.update_person(ann.id, disabled=False)
    assert [(p.username, p.disabled, p.last_sign_in) for p in backend.list_people()] == [
        ("ann", False, "2026-03-01T10:00:00+00:00"), ("bob", False, None)]


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


def test_a_store_made_before_people_could_be_disabled_is_upgraded(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, email TEXT,"
        " password_hash TEXT NOT NULL, is_admin INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL);"
        "INSERT INTO people VALUES (1, 'ann', NULL, 'hash', 1, '2025-01-01T00:00:00+00:00');")
    conn.commit()
    conn.close()
    store = SQLiteStore(path)
    store.initialise()
    ann = store.get_person("ann")
    assert ann.is_admin and ann.disabled is False and ann.last_sign_in is None
    store.update_person(ann.id, disabled=True)
    assert store.get_person("ann").disabled is True
    store.close()
    again = SQLiteStore(path)
    again.initialise()  # opening it again changes nothing
    assert again.get_person("ann").disabled is True
    again.close()
