"""What the views need about the signed-in person: identities, records, goals, shares.

Records are read through an :class:`lrs.access.Access` (the signed-in person's, or a
share's), never by a person id alone.
"""

from __future__ import annotations

from flask import abort, g

from lrs import Access, lrs_app
from lrs_space.records import Record, load_records

GOAL = "goal"
SHARE = "share"
INVITE = "invite"


def classifier(pm=None):
    """Which way of learning a statement records (the ``classify_statement`` hook); in a request,
    of the current application, or of the plugin manager given."""
    pm = pm or lrs_app().pm
    return lambda statement: pm.hook.classify_statement(statement=statement)


def records_for(access: Access) -> list[Record]:
    """Every record within the access's reach (once per request)."""
    cache = g.setdefault("records", {})
    if access.person_id not in cache:
        cache[access.person_id] = load_records(lrs_app().store, access.reach(), classifier())
    return cache[access.person_id]


def my_records() -> list[Record]:
    return records_for(g.access)


def find_record(records: list[Record], statement_id: str) -> Record:
    """The record with that id among ``records``; 404 otherwise (whether or not it exists elsewhere)."""
    for r in records:
        if r.id == statement_id.lower():
            return r
    abort(404, description="no such record")


def goals_of(person_id: int):
    return lrs_app().store.list_items(GOAL, person_id=person_id)


def own_item(kind: str, item_id: str):
    """An item of the signed-in person; 404 for anyone else's, as for one that does not exist."""
    item = lrs_app().store.get_item(kind, item_id)
    if not g.access.owns_item(item):
        abort(404, description="not found")
    return item
