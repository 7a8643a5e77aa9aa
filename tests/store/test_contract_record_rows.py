"""The record rows part: a small row per record of a person, made by their reader and kept by the
store, which filters, pages, counts and sums them, drops those of records voided or erased, and
makes rows for records that arrive.

On every backend: SQLite; MongoDB's code on mongomock (a mock of MongoDB,
not a server: it proves the store's code, never what a server does); a real MongoDB when
LRS_TEST_MONGODB_URI is set (tests/store/conftest.py)."""

from __future__ import annotations

import json

from lrs.access import Reach
from lrs.store.contract.record_rows import RecordFilter, RecordRow, RecordSum
from lrs.xapi.agents import agent_key
from lrs.xapi.query import StatementQuery
from tests.store.contract import ERASED, VOIDED, by, person, prepared


ANN = {"mbox": "mailto:ann@example.org", "name": "Ann"}
BOB = {"mbox": "mailto:bob@example.org", "name": "Bob"}
ANNS = Reach(owners=(agent_key(ANN),))
BOBS = Reach(owners=(agent_key(BOB),))


def at(day: str, actor=ANN, **extra):
    return prepared(actor=actor, timestamp=f"{day}T12:00:00Z", **extra)


class Reader:
    """A reader as the space is one: the row of a statement from its JSON (the verb's last word is its
    way, the response its tag and text), counting what it was given."""

    def __init__(self, hidden=(), annotated=None):
        self.given, self.hidden, self.annotated = [], set(hidden), annotated or {}

    def __call__(self, stored):
        self.given += [s.id for s in stored]
        rows = []
        for s in stored:
            statement = json.loads(s.json)
            verb = statement["verb"]["id"]
            response = (statement.get("result") or {}).get("response", "")
            rows.append(RecordRow(statement_id=s.id, position=s.position, day=statement["timestamp"][:10],
                                  way=verb.rsplit("/", 1)[-1], verb=verb, verb_label=verb.rsplit("/", 1)[-1],
                                  type="Course", source="tool", tags=[response] if response else [],
                                  minutes=30 if response else 0, timed=bool(response), hidden=s.id in self.hidden,
                                  text=f"about {response}".lower(), annotated=self.annotated.get(s.id, "")))
        return rows


def rows(backend, person_id, where=RecordFilter(), limit=100, reach=ANNS, **options):
    return [r.statement_id for r in backend.query_record_rows(person_id, where, limit, reach=reach, **options)]


def timeline(backend, reach=ANNS):
    page = backend.query_statements(StatementQuery(order="timestamp"), 100, reach=reach)
    return [s.id for s in page.statements], [s.position for s in page.statements]


def test_rows_are_made_once_and_listed_as_the_timeline_is(backend):
    ann = person(backend, "ann")
    days = [at(f"2026-0{m}-01") for m in (3, 1, 2)] + [at("2026-02-01")]
    backend.store_statements(days + [at("2026-04-01", actor=BOB)])
    read = Reader()
    assert backend.sync_record_rows(ann.id, read, reach=ANNS) == 4
    assert sorted(read.given) == sorted(s.id for s in days)
    assert backend.sync_record_rows(ann.id, read, reach=ANNS) == 0 and len(read.given) == 4  # nothing changed
    ids, positions = timeline(backend)
    found = backend.query_record_rows(ann.id, RecordFilter(), 100, reach=ANNS)
    assert [r.statement_id for r in found] == ids and [r.position for r in found] == positions
    assert rows(backend, ann.id, limit=2, position=positions[1]) == ids[2:4]
    assert rows(backend, ann.id, limit=2, position=positions[2], ascending=True) == ids[:2][::-1]
    assert rows(backend, ann.id, reach=BOBS) == []  # rows are read within the reach they were made in


def test_each_filter_and_the_count_sum_and_values(backend):
    ann = person(backend, "ann")
    read_it = at("2026-01-05", verb={"id": "http://example.com/verbs/read"}, result={"response": "sql"})
    met = at("2026-02-07", verb={"id": "http://example.com/verbs/met"}, result={"response": "mongo"})
    hid = at("2026-02-09", verb={"id": "http://example.com/verbs/met"})
    backend.store_statements([read_it, met, hid])
    backend.sync_record_rows(ann.id, Reader(hidden={hid.id}), reach=ANNS)

    def where(**f):
        return rows(backend, ann.id, RecordFilter(**f))

    assert where() == [met.id, read_it.id]
    assert where(hidden=True) == [hid.id]
    assert where(way="met") == [met.id]
    assert where(verb="http://example.com/verbs/read") == [read_it.id]
    assert where(tag="sql") == [read_it.id] and where(tag="sq") == []
    assert where(words=("about", "mon")) == [met.id] and where(words=("about", "nothing")) == []
    assert where(since="2026-02-07") == [met.id] and where(until="2026-02-06") == [read_it.id]
    assert where(source="tool", type="Course") == [met.id, read_it.id] and where(source="other") == []
    assert backend.count_record_rows(ann.id, RecordFilter(), reach=ANNS) == 2
    assert backend.count_record_rows(ann.id, RecordFilter(hidden=True, way="met"), reach=ANNS) == 1
    assert backend.sum_record_rows(ann.id, RecordFilter(), reach=ANNS) == [
        RecordSum("2026-01", "read", 1, 30, 1), RecordSum("2026-02", "met", 1, 30, 1)]
    values = backend.record_row_values(ann.id, reach=ANNS)
    assert (values.sources, values.types, values.tags) == ({"tool"}, {"Course"}, {"sql", "mongo"})
    assert values.verbs == {"http://example.com/verbs/read": "read", "http://example.com/verbs/met": "met"}


def test_records_arriving_voided_and_forgotten_rows_are_caught_up(backend):
    ann = person(backend, "ann")
    one, two = at("2026-01-01"), at("2026-01-02")
    backend.store_statements([one, two])
    backend.sync_record_rows(ann.id, Reader(), reach=ANNS)
    three = at("2026-01-03")
    backend.store_statements([three, by(BOB)])
    read = Reader()
    assert backend.sync_record_rows(ann.id, read, reach=ANNS) == 1 and read.given == [three.id]
    backend.store_statements([prepared(actor=ANN, verb={"id": VOIDED}, object={"objectType": "StatementRef",
                                                                             "id": two.id})])
    backend.sync_record_rows(ann.id, Reader(), reach=ANNS)
    assert rows(backend, ann.id) == [three.id, one.id]
    verb = one.statement["verb"]["id"]
    assert backend.record_row_values(ann.id, reach=ANNS).verbs == {verb: verb.rsplit("/", 1)[-1]}
    assert backend.forget_record_rows(ann.id, [one.id], reach=ANNS) == 1
    assert backend.annotated_record_rows(ann.id, reach=ANNS) == {}
    backend.sync_record_rows(ann.id, Reader(annotated={one.id: "v2"}, hidden={three.id}), reach=ANNS)
    assert rows(backend, ann.id) == [three.id, one.id]  # three's row was made before it was hidden: kept
    assert backend.annotated_record_rows(ann.id, reach=ANNS) == {one.id: "v2"}
    backend.forget_record_rows(ann.id, [three.id, one.id], reach=ANNS)
    backend.sync_record_rows(ann.id, Reader(hidden={three.id, one.id}), reach=ANNS)
    assert rows(backend, ann.id) == [] and backend.record_row_values(ann.id, reach=ANNS).verbs == {}


def test_a_wider_reach_makes_the_rows_again(backend):
    ann = person(backend, "ann")
    mine, at_work = at("2026-01-01"), at("2026-01-02", actor=BOB)
    backend.store_statements([mine, at_work])
    backend.sync_record_rows(ann.id, Reader(), reach=ANNS)
    both = Reach(owners=(agent_key(ANN), agent_key(BOB)))  # an identity claimed since
    assert rows(backend, ann.id, reach=both) == []
    backend.sync_record_rows(ann.id, Reader(), reach=both)
    assert rows(backend, ann.id, reach=both) == [at_work.id, mine.id] and rows(backend, ann.id) == []


def test_erasure_takes_the_rows_with_the_records(backend):
    ann, bob = person(backend, "ann"), person(backend, "bob")
    backend.add_identity(ann.id, ANN, verified_by="admin:root")
    backend.add_identity(bob.id, BOB, verified_by="admin:root")
    one, two = at("2026-01-01"), at("2026-01-02")
    taught = at("2026-01-03", actor=BOB, context={"instructor": ANN})
    backend.store_statements([one, two, taught])
    backend.sync_record_rows(ann.id, Reader(), reach=ANNS)
    backend.sync_record_rows(bob.id, Reader(), reach=BOBS)
    backend.erase_person(ann.id, erased_home_page=ERASED, statement_ids=[one.id])
    assert rows(backend, ann.id) == [two.id]  # gone at once, not at the next sync
    backend.erase_person(ann.id, erased_home_page=ERASED)
    assert rows(backend, ann.id) == [] and backend.count_record_rows(ann.id, RecordFilter(), reach=ANNS) == 0
    # bob's record named ann: its row goes with the scrubbing and is made again from what remains
    assert rows(backend, bob.id, reach=BOBS) == []
    read = Reader()
    backend.sync_record_rows(bob.id, read, reach=BOBS)
    assert read.given == [taught.id] and rows(backend, bob.id, reach=BOBS) == [taught.id]
