"""What the views need about the signed-in person: their records, settings, goals, shares.

Records are read through an :class:`lrs.access.Access` (the signed-in person's, or a
share's), never by a person id alone; the annotations that go with them are those of the
person whose records the access reaches (``access.person_id``).
"""

from __future__ import annotations

import dataclasses

import orjson
from flask import abort, g, request

from lrs import Access, Item, StatementQuery, VOIDED_VERB, lrs_app
from lrs_space.annotations import ANNOTATION, annotation_of, annotations_of
from lrs_space.readable import DEFAULT_LOCALE, choose_locale
from lrs_space.records import Filters, Reader, Record, facets, load_records, merge_facets, to_record
from lrs_space.vocabulary import WAY
from lrs_space.ways import WAYS, way_table

GOAL = "goal"
SHARE = "share"
INVITE = "invite"
SETTINGS = "space-settings"
#: a share the viewer has opened (an item of the viewer's): new shares are announced until then
SHARE_SEEN = "share-seen"

#: the space's settings and their defaults: ``LRS_SPACE_LOCALE`` (docs/space.md)
DEFAULTS = {"locale": DEFAULT_LOCALE}


def classifier(pm=None):
    """Which way of learning a statement records: the way it names itself, else a plugin's answer
    to ``classify_statement``, else the table (built in, and ``register_way_mappings``); in a
    request, of the current application, or of the plugin manager given. (A person's correction,
    their annotation, comes before all of these: lrs_space.records.Record.way.)"""
    pm = pm or lrs_app().pm
    table = way_table(pm)

    def classify(statement: dict) -> str:
        named = ((statement.get("context") or {}).get("extensions") or {}).get(WAY)
        if named in WAYS:  # the way the person chose when recording it comes first
            return named
        return pm.hook.classify_statement(statement=statement) or table.classify(statement)

    return classify


# -- settings ------------------------------------------------------------------------------


@dataclasses.dataclass
class SpaceSettings:
    """A person's settings of the space: the language and formats of dates and numbers."""

    locale: str = ""    # a language tag ("en-GB", "de"); "" follows the browser

    @classmethod
    def of(cls, store, person_id: int) -> "SpaceSettings":
        item = store.get_item(SETTINGS, str(person_id))
        body = item.body if item else {}
        return cls(**{k: v for k, v in body.items() if k in cls.__dataclass_fields__})

    def save(self, store, person_id: int) -> None:
        store.put_item(Item(SETTINGS, str(person_id), person_id, dataclasses.asdict(self)))


def current_locale():
    """The Babel locale of this request: the person's setting, the browser's languages, the default."""
    if "space_locale" not in g:
        setting = SpaceSettings.of(lrs_app().store, g.person.id).locale if g.get("person") else ""
        default = lrs_app().plugin_config("space", DEFAULTS)["locale"]
        g.space_locale = choose_locale(setting, [tag for tag, _ in request.accept_languages], default)
    return g.space_locale


# -- records -------------------------------------------------------------------------------


def reader_for(access: Access) -> Reader:
    """Reads stored statements as the records of the person the access reaches, with their annotations."""
    cache = g.setdefault("space_readers", {})
    if access.person_id not in cache:
        cache[access.person_id] = Reader(classifier(), annotations_of(lrs_app().store, access.person_id))
    return cache[access.person_id]


def records_for(access: Access, *, since: str | None = None, until: str | None = None,
                include_hidden: bool = False, keep=None) -> list[Record]:
    """Every record within the access's reach, newest first (hidden ones only if asked; never in a share)."""
    read = reader_for(access)
    return load_records(lrs_app().store, access.reach(), read.classify, read.annotations, since=since, until=until,
                        include_hidden=include_hidden and access.sees_hidden_records(), keep=keep)


def my_records(**options) -> list[Record]:
    return records_for(g.access, **options)


def record_of(access: Access, statement_id: str, *, voided: bool = False) -> Record:
    """One record within the access's reach; 404 otherwise (whether or not it exists elsewhere).
    Hidden records are not within a share's reach."""
    stored = lrs_app().store.get_statement(statement_id, reach=access.reach(), voided=voided)
    if stored is None:
        abort(404, description="no such record")
    statement = orjson.loads(stored.json)
    if statement["verb"]["id"] == VOIDED_VERB:
        abort(404, description="no such record")
    read = reader_for(access)
    record = to_record(statement, read.classify, annotation_of(lrs_app().store, access.person_id, stored.id))
    if record.hidden and not access.sees_hidden_records():
        abort(404, description="no such record")
    return record


def records_by_ids(access: Access, statement_ids) -> list[Record]:
    """The records with these ids within the access's reach, in the order given; hidden ones left out."""
    store = lrs_app().store
    read = reader_for(access)
    out = []
    for statement_id in dict.fromkeys(statement_ids):
        stored = store.get_statement(statement_id, reach=access.reach())
        record = read(stored) if stored is not None else None
        if record is not None and not record.hidden:
            out.append(record)
    return out


def find_record(records: list[Record], statement_id: str) -> Record:
    """The record with that id among ``records``; 404 otherwise (whether or not it exists elsewhere)."""
    for r in records:
        if r.id == statement_id.lower():
            return r
    abort(404, description="no such record")


def hidden_count(access: Access, filters: Filters) -> int:
    """How many hidden records the filters' store part finds (the store counts them; pages leave them out)."""
    from lrs_space.rows import hidden_rows, rows_ready

    if rows_ready(access):
        return hidden_rows(access, filters)
    store = lrs_app().store
    ids = [item.ref for item in store.list_items(ANNOTATION, person_id=access.person_id)
           if item.body.get("hidden") and item.ref]
    if not ids:
        return 0
    read = reader_for(access)
    looking = dataclasses.replace(filters, hidden="only")
    total = 0
    for statement_id in store.reachable_ids(ids, reach=access.reach()):
        stored = store.get_statement(statement_id, reach=access.reach())
        record = read(stored) if stored is not None else None
        total += bool(record is not None and looking.matches(record))
    return total


#: filter values per person: (store, person) → (annotations' stamp, store's last seq, record count, facets)
_FACETS: dict = {}
#: at most this many records stored since the values were computed are added to them; more: read all again
_FACETS_NEW = 500


def facets_for(access: Access) -> dict[str, list]:
    """The values each filter of the person's timeline can take. Reading every record is the cost,
    so they are kept per person: records stored since are added to them (the everyday case: a few
    arrived), and they are read again from the whole record when something else changed (a record
    voided or deleted, an annotation changed, many arrived). For the person's own access the store
    gives them from the record rows (lrs_space.rows)."""
    from lrs_space.rows import facets_of_rows, rows_ready

    if rows_ready(access):
        return facets_of_rows(access)
    store = lrs_app().store
    read = reader_for(access)
    reach = access.reach()
    annotated = (len(read.annotations), max((a.updated for a in read.annotations.values()), default=""))
    count, last = store.count_statements(StatementQuery(order="timestamp"), reach=reach), store.last_seq()
    key = (id(store), access.person_id)
    cached = _FACETS.get(key)
    if cached is not None and cached[0] == annotated:
        if cached[1:3] == (last, count):
            return cached[3]
        page = store.query_statements(StatementQuery(ascending=True, after=cached[1]), _FACETS_NEW, reach=reach)
        new = [record for record in map(read, page.statements) if record is not None]
        if page.more is None and cached[2] + len(new) == count:
            values = merge_facets(cached[3], facets([r for r in new if not r.hidden]))
            _FACETS[key] = (annotated, last, count, values)
            return values
    if len(_FACETS) > 1000:
        _FACETS.clear()
    values = facets(records_for(access))
    _FACETS[key] = (annotated, last, count, values)
    return values


def goals_of(person_id: int):
    return lrs_app().store.list_items(GOAL, person_id=person_id)


def own_item(kind: str, item_id: str):
    """An item of the signed-in person; 404 for anyone else's, as for one that does not exist."""
    item = lrs_app().store.get_item(kind, item_id)
    if not g.access.owns_item(item):
        abort(404, description="not found")
    return item
