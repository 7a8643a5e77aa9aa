"""The storage contract for a person's records in timestamp order (the space's timeline) and for
erasing chosen statements of a person, on every backend (MongoDB: mongomock only, here)."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from lrs.access import Reach
from lrs.store.sqlite import SQLiteStore
from lrs.xapi.agents import agent_key
from lrs.xapi.query import StatementQuery, parse_position
from tests.conftest import EVERYTHING
from tests.store.test_contract import VOIDED, prepared
from tests.store.test_contract_people import ERASED, Part, with_attachment

ANN = {"mbox": "mailto:ann@example.org", "name": "Ann"}
ANN_WORK = {"account": {"homePage": "https://lms.example.org", "name": "ann.smith"}}
BOB = {"mbox": "mailto:bob@example.org", "name": "Bob"}
ANNS = Reach(owners=(agent_key(ANN),))
READ = "https://w3id.org/xapi/adl/verbs/read"


def at(day: str, actor=ANN, **extra):
    """A statement of learning that happened on ``day`` (timestamp at noon UTC unless given)."""
    timestamp = day if "T" in day else f"{day}T12:00:00Z"
    return prepared(actor=actor, timestamp=timestamp, **extra)


def listed(backend, reach=ANNS, limit=100, **query):
    page = backend.query_statements(StatementQuery(order="timestamp", **query), limit, reach=reach)
    return [s.id for s in page.statements]


def walk(backend, limit, reach=ANNS, **query):
    """Every page of a timestamp-order query: the ids, page by page."""
    pages = []
    page = backend.query_statements(StatementQuery(order="timestamp", **query), limit, reach=reach)
    pages.append([s.id for s in page.statements])
    while page.more:
        page = backend.query_statements(StatementQuery.from_cursor(page.more), limit, reach=reach)
        pages.append([s.id for s in page.statements])
    return pages


def test_newest_learning_first_whatever_order_it_was_stored_in(backend):
    march, january, may = at("2026-03-01"), at("2026-01-10"), at("2026-05-20")
    backend.store_statements([march])
    backend.store_statements([january, may])  # january arrives late: back-dated
    bobs = at("2026-04-01", actor=BOB)
    backend.store_statements([bobs])
    assert listed(backend) == [may.id, march.id, january.id]
    assert listed(backend, ascending=True) == [january.id, march.id, may.id]
    # times are compared in UTC: half past midnight on the 2nd at +02:00 is 22:30 on the 1st, after its noon
    late_evening = at("2026-03-02T00:30:00+02:00")
    backend.store_statements([late_evening])
    assert listed(backend)[:3] == [may.id, late_evening.id, march.id]


def test_each_statement_says_where_it_is(backend):
    one = at("2026-02-03T08:15:00Z")
    backend.store_statements([one])
    page = backend.query_statements(StatementQuery(order="timestamp"), 10, reach=ANNS)
    time, seq = parse_position(page.statements[0].position)
    assert time == "2026-02-03T08:15:00.000000Z" and seq > 0


def test_paging_stays_put_while_records_arrive_and_back_dated_ones_land_in_their_place(backend):
    days = [at(f"2026-01-{d:02d}") for d in range(1, 8)]  # 1 … 7 January
    backend.store_statements(days)
    first = backend.query_statements(StatementQuery(order="timestamp"), 3, reach=ANNS)
    assert [s.id for s in first.statements] == [days[6].id, days[5].id, days[4].id]
    newest = at("2026-02-01")                      # arrives while someone reads page 1
    back_dated = at("2026-01-02T18:00:00Z")        # between the 2nd (noon) and the 3rd
    backend.store_statements([newest, back_dated])
    second = backend.query_statements(StatementQuery.from_cursor(first.more), 3, reach=ANNS)
    assert [s.id for s in second.statements] == [days[3].id, days[2].id, back_dated.id]
    third = backend.query_statements(StatementQuery.from_cursor(second.more), 3, reach=ANNS)
    assert [s.id for s in third.statements] == [days[1].id, days[0].id] and third.more is None
    # going back to newer records from the second page's first one: the first page, as it is now
    position = second.statements[0].position
    newer = backend.query_statements(StatementQuery(order="timestamp", ascending=True, position=position), 3,
                                     reach=ANNS)
    assert [s.id for s in newer.statements] == [days[4].id, days[5].id, days[6].id]
    assert listed(backend)[0] == newest.id


def test_equal_times_page_by_sequence_without_loss(backend):
    same = [at("2026-06-01T09:00:00Z") for _ in range(5)]
    backend.store_statements(same)
    pages = walk(backend, 2)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sum(pages, []) == [p.id for p in reversed(same)]


def test_voided_and_voiding_statements_are_not_records(backend):
    kept, edited = at("2026-01-01"), at("2026-01-02")
    backend.store_statements([kept, edited])
    voiding = prepared(actor=ANN, verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": edited.id})
    reissued = at("2026-01-03")
    backend.store_statements([voiding, reissued])
    assert listed(backend) == [reissued.id, kept.id]
    assert backend.count_statements(StatementQuery(order="timestamp"), reach=ANNS) == 2
    # voided in the same batch it arrived in, and voided before it arrived
    early = at("2026-01-04")
    backend.store_statements([early, prepared(actor=ANN, verb={"id": VOIDED},
                                              object={"objectType": "StatementRef", "id": early.id})])
    later = at("2026-01-05")
    backend.store_statements([prepared(actor=ANN, verb={"id": VOIDED}, object={"objectType": "StatementRef",
                                                                                "id": later.id})])
    backend.store_statements([later])
    assert listed(backend) == [reissued.id, kept.id]


def test_filters_and_counts_run_in_the_store(backend):
    book = at("2026-01-05", verb={"id": READ, "display": {"en": "read"}})
    talk = at("2026-02-05")
    other = at("2026-03-05", verb={"id": READ, "display": {"en": "read"}})
    backend.store_statements([book, talk, other, at("2026-02-10", actor=BOB)])
    count = lambda **q: backend.count_statements(StatementQuery(order="timestamp", **q), reach=ANNS)  # noqa: E731
    assert count() == 3
    assert listed(backend, verb=READ) == [other.id, book.id] and count(verb=READ) == 2
    february = {"timestamp_from": "2026-02-01T00:00:00.000000Z", "timestamp_before": "2026-03-01T00:00:00.000000Z"}
    assert listed(backend, **february) == [talk.id] and count(**february) == 1
    assert listed(backend, verb="http://example.org/never") == [] and count(verb="http://example.org/never") == 0
    assert listed(backend, reach=Reach(owners=("Agent|mbox|mailto:nobody@example.org",))) == []
    assert backend.count_statements(StatementQuery(order="timestamp"), reach=Reach(owners=())) == 0


def test_several_identities_are_one_record_and_a_statement_naming_two_of_them_counts_once(backend):
    both = Reach(owners=(agent_key(ANN), agent_key(ANN_WORK)))
    lms = at("2026-01-02", actor=ANN_WORK)
    mail = at("2026-01-03")
    group = at("2026-01-01", actor={"objectType": "Group", "member": [ANN, ANN_WORK]})
    backend.store_statements([lms, mail, group])
    assert listed(backend, reach=both) == [mail.id, lms.id, group.id]
    assert [sum(walk(backend, 1, reach=both), [])] == [[mail.id, lms.id, group.id]]
    assert backend.count_statements(StatementQuery(order="timestamp"), reach=both) == 3


def test_timestamp_order_is_for_one_persons_records(backend):
    with pytest.raises(ValueError):
        backend.query_statements(StatementQuery(order="timestamp"), 10, reach=EVERYTHING)
    with pytest.raises(ValueError):
        backend.count_statements(StatementQuery(), reach=ANNS)


def test_the_timeline_survives_a_copy_to_another_backend(backend, tmp_path):
    from lrs.store.migrate import migrate

    statements = [at("2026-01-03"), at("2026-01-01"), at("2026-01-02")]
    backend.store_statements(statements)
    target = SQLiteStore(tmp_path / "copy.sqlite3")
    target.initialise()
    migrate(backend, target)
    assert listed(target) == listed(backend) == [statements[0].id, statements[2].id, statements[1].id]


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
    assert old.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "4"


# -- erasing chosen statements of a person (the same path as erasing the person) ---------------------


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
