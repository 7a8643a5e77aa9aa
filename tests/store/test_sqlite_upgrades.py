"""SQLite stores made by earlier versions are upgraded when opened (MongoDB's upgrades run in
the contract tests' copies; SQLite's schema versions have their own tests here)."""

from __future__ import annotations

import sqlite3

from lrs.access import Reach
from lrs.store.contract.record_rows import RecordFilter
from lrs.store.sqlite import SCHEMA_VERSION, SQLiteStore
from lrs.xapi.agents import agent_key
from lrs.xapi.query import StatementQuery
from tests.store.contract import by, prepared


ANN = {"mbox": "mailto:ann@example.org", "name": "Ann"}
ANNS = Reach(owners=(agent_key(ANN),))


def at(day: str, actor=ANN, **extra):
    """A statement of learning that happened on ``day`` (timestamp at noon UTC unless given)."""
    timestamp = day if "T" in day else f"{day}T12:00:00Z"
    return prepared(actor=actor, timestamp=timestamp, **extra)


def listed(backend, reach=ANNS, limit=100, **query):
    page = backend.query_statements(StatementQuery(order="timestamp", **query), limit, reach=reach)
    return [s.id for s in page.statements]


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
    assert old.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == SCHEMA_VERSION
    assert old.check() == []


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


def test_sqlite_store_of_schema_3_gets_its_timeline(tmp_path):
    path = tmp_path / "old.sqlite3"
    store = SQLiteStore(path)
    store.initialise()
    older, newer = at("2025-12-01"), at("2026-01-01")
    store.store_statements([newer, older])
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM timeline")
    conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    old = SQLiteStore(path)
    old.initialise()
    assert listed(old) == [newer.id, older.id]
    assert old.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == SCHEMA_VERSION


def test_sqlite_store_of_schema_4_gains_record_rows_with_the_same_answers(tmp_path):
    from tests.store.test_contract_record_rows import Reader

    path = tmp_path / "old.sqlite3"
    store = SQLiteStore(path)
    store.initialise()
    older, newer = at("2025-12-01"), at("2026-01-01")
    store.store_statements([newer, older])
    ann = store.add_person("ann", "hash")
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE record_rows")
    conn.execute("DROP TABLE record_row_state")
    conn.execute("DROP TABLE record_row_texts")
    conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    old = SQLiteStore(path)
    old.initialise()
    assert old.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "5"
    assert listed(old) == [newer.id, older.id]
    assert old.sync_record_rows(ann.id, Reader(), reach=ANNS) == 2
    assert [r.statement_id for r in old.query_record_rows(ann.id, RecordFilter(), 10, reach=ANNS)] == listed(old)
    old.close()
