"""A person's records as rows the store filters, pages, counts and sums (``RecordRow``, kept by the
store's record rows part): one per record, with what the space derives from it (the way of
learning by classification, the person's annotation applied, the text a search looks in).

The rows are made lazily: when the person opens their timeline or "how I learn", the store gives
the records that have no row yet (all of them the first time, those that arrived since after that)
and drops the rows of records voided or erased; a record whose annotation changed (its version is
kept in the row) has its row made again. Nothing is done on the xAPI write path. Only the person's
own access uses them; a share reads the records through its scope (lrs_space.views.sharing).
"""

from __future__ import annotations

import dataclasses

from flask import g

from lrs import Access, RecordFilter, RecordRow, lrs_app
from lrs_space.people import reader_for
from lrs_space.records import PAGE_SIZE, Filters, Page, Reader, Record, _no_collection


def row_of(record: Record) -> RecordRow:
    """What the store keeps of a record: the values the filters, facets and charts read."""
    return RecordRow(statement_id=record.id, position=record.position, day=record.day, way=record.way,
                     verb=record.verb_id, verb_label=record.verb, type=record.type_label, source=record.source,
                     tags=list(record.tags), minutes=round(record.seconds / 60) if record.seconds else 0,
                     timed=bool(record.seconds), hidden=record.hidden, text=record.haystack,
                     annotated=record.annotation.updated)


def where(filters: Filters) -> RecordFilter:
    """The filters of a page as the store's (every one of them: the store answers them all)."""
    return RecordFilter(hidden=filters.hidden == "only", source=filters.source, verb=filters.verb, type=filters.type,
                        tag=filters.tag, way=filters.way, since=filters.since, until=filters.until,
                        words=tuple(filters.q.lower().split()))


def rows_ready(access: Access) -> bool:
    """Bring the person's rows up to date (once a request); whether they answer for this access:
    the person's own (a share reads through its scope, records one by one)."""
    if access.person_id is None or not access.sees_hidden_records():
        return False
    done = g.setdefault("space_rows", set())
    if access.person_id not in done:
        store, reach, read = lrs_app().store, access.reach(), reader_for(access)
        versions = store.annotated_record_rows(access.person_id, reach=reach)
        changed = [i for i, a in read.annotations.items() if versions.get(i) != a.updated]
        changed += [i for i in versions if i not in read.annotations]
        if changed:
            store.forget_record_rows(access.person_id, changed, reach=reach)
        with _no_collection():
            store.sync_record_rows(access.person_id, _maker(read), reach=reach)
        done.add(access.person_id)
    return True


def _maker(read: Reader):
    def make_rows(stored) -> list[RecordRow]:
        return [row_of(record) for record in map(read, stored) if record is not None]

    return make_rows


def browse_rows(access: Access, filters: Filters, *, before: str | None = None, after: str | None = None,
                size: int = PAGE_SIZE) -> Page:
    """One page, as :func:`lrs_space.records.browse` gives it, from the rows: the store finds the page's
    records, and only they are read."""
    store, reach = lrs_app().store, access.reach()
    newer = after is not None
    found = store.query_record_rows(access.person_id, where(filters), size + 1, reach=reach,
                                    position=after if newer else before, ascending=newer)
    more = len(found) > size
    found = found[:size]
    if newer and not more:  # back at the newest: the first page as it is now
        return browse_rows(access, filters, size=size)
    records = _records(access, found)
    if newer:
        records.reverse()
        return Page(records, older=records[-1].position, newer=records[0].position)
    return Page(records, older=records[-1].position if more else None,
                newer=(records[0].position if records else before) if before else None)


def _records(access: Access, rows: list[RecordRow]) -> list[Record]:
    store, reach, read = lrs_app().store, access.reach(), reader_for(access)
    out = []
    for row in rows:
        stored = store.get_statement(row.statement_id, reach=reach)
        record = read(stored) if stored is not None else None
        if record is not None:
            record.position = row.position
            out.append(record)
    return out


def count_rows(access: Access, filters: Filters) -> int:
    return lrs_app().store.count_record_rows(access.person_id, where(filters), reach=access.reach())


def hidden_rows(access: Access, filters: Filters) -> int:
    return count_rows(access, dataclasses.replace(filters, hidden="only"))


def facets_of_rows(access: Access) -> dict[str, list]:
    """The values each filter can take (as lrs_space.records.facets gives them), from the rows."""
    values = lrs_app().store.record_row_values(access.person_id, reach=access.reach())
    return {
        "sources": sorted(values.sources, key=str.casefold),
        "verbs": sorted(values.verbs.items(), key=lambda kv: kv[1].casefold()),
        "types": sorted(values.types, key=str.casefold),
        "tags": sorted(values.tags, key=str.casefold),
    }


def sums(access: Access):
    """Each month's and way's count and minutes of the records that are not hidden."""
    return lrs_app().store.sum_record_rows(access.person_id, RecordFilter(), reach=access.reach())
