"""The statements part, one person's records: found by whom they belong to, in the order they
were stored and in the order the learning happened (timestamp order, the space's timeline).

On every backend: SQLite; MongoDB's code on mongomock (a mock of MongoDB,
not a server: it proves the store's code, never what a server does); a real MongoDB when
LRS_TEST_MONGODB_URI is set (tests/store/conftest.py)."""

from __future__ import annotations

import json

import pytest

from lrs.access import Reach
from lrs.store.sqlite import SQLiteStore
from lrs.xapi.agents import agent_key
from lrs.xapi.query import StatementQuery, parse_position
from tests.conftest import EVERYTHING
from tests.store.contract import VOIDED, by, prepared


ANN = {"mbox": "mailto:ann@example.org", "name": "Ann"}
ANN_WORK = {"account": {"homePage": "https://lms.example.org", "name": "ann.smith"}}
BOB = {"mbox": "mailto:bob@example.org", "name": "Bob"}
ANNS = Reach(owners=(agent_key(ANN),))
READ = "https://w3id.org/xapi/adl/verbs/read"
ANN_ACCOUNT = {"account": {"homePage": "https://learnfolio.example/people", "name": "ann"}}


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
