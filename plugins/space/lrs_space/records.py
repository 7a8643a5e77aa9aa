"""A person's records: their statements as the space shows, filters and pages them, each read
with the person's annotation (lrs_space.annotations) applied.

The store lists a person's records by when the learning happened (``StatementQuery(order=
"timestamp")``, an index of owner, time and sequence) and pages them by position, so a page
stays put while records arrive and a back-dated record lands in its place. Filters the store
can answer (dates, verb) run there; the others (tag, way of learning, activity type, source,
text, hidden) need the person's annotations and the classification, so the space applies them
to the store's pages as it reads them, newest first, and stops once a page is full.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import re
from dataclasses import dataclass, field

import orjson

from lrs import StatementQuery, VOIDED_VERB, declared_attachments, duration_seconds, parse_position
from lrs_space.annotations import Annotation
from lrs_space.readable import people_of, type_label
from lrs_space.vocabulary import JOURNAL_ENTRY, JOURNAL_PLATFORM, TAGS

PAGE_SIZE = 20
#: statements read a time while filters that only the space can apply are at work
SCAN_BATCH = 200
#: a journal entry without a link has an activity id of this shape, which is no page to open
_JOURNAL_ID = re.compile(r"/journal/[0-9a-f-]{36}$")
_HASHTAG = re.compile(r"(?<![\w&])#[\w-]+")


def _text(language_map) -> str:
    """The English (or first) text of a language map."""
    if not isinstance(language_map, dict) or not language_map:
        return ""
    for tag in ("en", "en-US", "en-GB", "und"):
        if tag in language_map:
            return str(language_map[tag])
    return str(next(iter(language_map.values())))


def _plain(text: str) -> str:
    return " ".join(_HASHTAG.sub("", text).split()).strip(" .").casefold()


@dataclass
class Own:
    """What the statement itself says, before the person's annotation."""

    title: str
    way: str
    tags: list[str]
    note: str
    seconds: float | None


@dataclass
class Record:
    id: str
    statement: dict
    when: str                 # the statement's timestamp as the tool sent it (else stored)
    stored: str
    verb_id: str
    verb: str
    description: str
    activity_id: str
    activity_type: str        # the IRI
    platform: str             # context.platform: the tool's own name
    credential: str           # the name of the credential that stored it
    people: list[str]         # who the learning was with (context.instructor, context.team)
    own: Own
    annotation: Annotation
    position: str | None = None
    attachments: list[dict] = field(default_factory=list)

    # -- what the person reads: the annotation where they set one, else the statement's ---------
    @property
    def title(self) -> str:
        return self.annotation.title or self.own.title

    @property
    def way(self) -> str:
        return self.annotation.way or self.own.way

    @property
    def tags(self) -> list[str]:
        return self.annotation.tags if self.annotation.tags is not None else self.own.tags

    @property
    def note(self) -> str:
        """The reflection: the person's, else the statement's response."""
        return self.annotation.reflection or self.own.note

    @property
    def application(self) -> str:
        return self.annotation.application

    @property
    def evidence(self) -> list[str]:
        return self.annotation.evidence

    @property
    def seconds(self) -> float | None:
        return self.annotation.hours * 3600 if self.annotation.hours is not None else self.own.seconds

    @property
    def hours_source(self) -> str:
        """"entered" (by the person), "duration" (from the record) or "unknown"."""
        if self.annotation.hours is not None:
            return "entered"
        return "duration" if self.own.seconds is not None else "unknown"

    @property
    def hidden(self) -> bool:
        return self.annotation.hidden

    @property
    def minutes(self) -> int | None:
        return None if self.seconds is None else round(self.seconds / 60)

    @property
    def source(self) -> str:
        """Where it comes from: the tool's own name (``context.platform``), else its credential's."""
        return self.platform or self.credential

    @property
    def type_label(self) -> str:
        return self.annotation.activity_type or type_label(self.activity_type)

    @property
    def result(self) -> dict:
        result = self.statement.get("result")
        return result if isinstance(result, dict) else {}

    @property
    def day(self) -> str:
        return self.when[:10]

    @property
    def is_journal(self) -> bool:
        """Written in the journal of the space: the person may edit it (void and re-issue)."""
        return self.activity_type == JOURNAL_ENTRY and self.platform == JOURNAL_PLATFORM

    @property
    def link(self) -> str | None:
        """The page the learning was on; none for a journal entry written without a link."""
        if not re.match(r"https?://", self.activity_id or ""):
            return None
        if self.is_journal and _JOURNAL_ID.search(self.activity_id):
            return None
        return self.activity_id

    @property
    def previous(self) -> str | None:
        """The record this one re-issued (an edited journal entry): ``context.statement``."""
        ref = (self.statement.get("context") or {}).get("statement")
        return ref.get("id", "").lower() or None if isinstance(ref, dict) else None

    @property
    def haystack(self) -> str:
        """The text a search looks in, lower case."""
        return " ".join((self.title, self.description, self.note, self.application, " ".join(self.tags),
                         self.verb, " ".join(self.people), self.source)).lower()

    def matches_text(self, words: list[str]) -> bool:
        haystack = self.haystack
        return all(w in haystack for w in words)


def source_of(statement: dict) -> str:
    """The name of the credential that recorded it, from the authority."""
    authority = statement.get("authority") or {}
    if authority.get("objectType") == "Group":
        members = authority.get("member") or [{}]
        return members[0].get("name") or "a personal key"
    return authority.get("name") or (authority.get("account") or {}).get("name") or "unknown"


def to_record(statement: dict, classify, annotation: Annotation | None = None, position: str | None = None) -> Record:
    obj = statement.get("object") or {}
    definition = obj.get("definition") or {}
    result = statement.get("result") or {}
    context = statement.get("context") or {}
    tags = (context.get("extensions") or {}).get(TAGS) or []
    if not isinstance(tags, list):
        tags = [tags]
    title = str(_text(definition.get("name")) or obj.get("id") or obj.get("name") or "(untitled)")
    note = result.get("response", "") if isinstance(result.get("response"), str) else ""
    if note and _plain(note) == _plain(title):
        note = ""  # a short chat note is its own title: not said twice
    platform = context.get("platform")
    return Record(
        id=statement["id"],
        statement=statement,
        when=statement.get("timestamp") or statement.get("stored", ""),
        stored=statement.get("stored", ""),
        verb_id=statement["verb"]["id"],
        verb=_text(statement["verb"].get("display")) or statement["verb"]["id"].rsplit("/", 1)[-1],
        description=_text(definition.get("description")),
        activity_id=obj.get("id", "") if obj.get("objectType", "Activity") == "Activity" else "",
        activity_type=str(definition.get("type", "")),
        platform=platform if isinstance(platform, str) else "",
        credential=source_of(statement),
        people=people_of(statement),
        own=Own(title=title, way=classify(statement) or "other",
                tags=[str(t) for t in tags if isinstance(t, (str, int, float))],
                note=note, seconds=duration_seconds(result.get("duration"))),
        annotation=annotation or Annotation(statement["id"]),
        position=position,
        attachments=declared_attachments(statement),
    )


class Reader:
    """Turns stored statements into records of one person: their classification and annotations."""

    def __init__(self, classify, annotations: dict[str, Annotation]):
        self.classify = classify
        self.annotations = annotations

    def __call__(self, stored) -> Record | None:
        statement = orjson.loads(stored.json)
        if statement["verb"]["id"] == VOIDED_VERB:
            return None
        return to_record(statement, self.classify, self.annotations.get(stored.id), stored.position)


# -- filters ---------------------------------------------------------------------------------


@dataclass
class Filters:
    source: str = ""
    verb: str = ""
    type: str = ""     # an activity type's readable name: every IRI with that name
    tag: str = ""
    way: str = ""
    since: str = ""    # YYYY-MM-DD
    until: str = ""    # YYYY-MM-DD, inclusive
    q: str = ""
    hidden: str = ""   # "only": the hidden records (else they are left out)

    @classmethod
    def from_args(cls, args) -> "Filters":
        values = {name: (args.get(name) or "").strip()[:200] for name in cls.__dataclass_fields__}
        for name in ("since", "until"):
            try:
                values[name] = dt.date.fromisoformat(values[name]).isoformat() if values[name] else ""
            except ValueError:
                values[name] = ""
        values["hidden"] = "only" if values["hidden"] == "only" else ""
        return cls(**values)

    def active(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)

    def args(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__ if getattr(self, name)}

    @property
    def problem(self) -> str | None:
        """What makes these filters match nothing whatever the records are, said plainly."""
        if self.since and self.until and self.since > self.until:
            return (f"The date range is impossible: “from” ({self.since}) is after “to” ({self.until})."
                    " Swap the dates or clear one.")
        return None

    def store_side(self) -> bool:
        """Whether the store answers every filter set (then it counts the matches too)."""
        return not (self.source or self.type or self.tag or self.way or self.q or self.hidden)

    def query(self, *, position: str | None = None, ascending: bool = False) -> StatementQuery:
        """The store's part: timestamp order, the verb, and the days (a day wider each side, as a
        day is the statement's own; :meth:`matches` keeps exactly the days asked for)."""
        day = dt.timedelta(days=1)
        since = (dt.date.fromisoformat(self.since) - day).isoformat() + "T00:00:00.000000Z" if self.since else None
        until = (dt.date.fromisoformat(self.until) + 2 * day).isoformat() + "T00:00:00.000000Z" \
            if self.until else None
        return StatementQuery(order="timestamp", verb=self.verb or None, timestamp_from=since,
                              timestamp_before=until, position=position, ascending=ascending)

    def matches(self, r: Record) -> bool:
        if r.hidden != (self.hidden == "only"):
            return False
        if self.source and r.source != self.source:
            return False
        if self.verb and r.verb_id != self.verb:
            return False
        if self.type and r.type_label != self.type:
            return False
        if self.tag and self.tag not in r.tags:
            return False
        if self.way and r.way != self.way:
            return False
        if self.since and r.day < self.since:
            return False
        if self.until and r.day > self.until:
            return False
        words = self.q.lower().split()
        return not words or r.matches_text(words)


# -- reading ---------------------------------------------------------------------------------


def position_arg(value: str | None) -> str | None:
    """A position from a page's address (``before``/``after``), if it is one; else none (the first page)."""
    try:
        parse_position(value or "")
    except ValueError:
        return None
    return value


@dataclass
class Page:
    records: list[Record]
    older: str | None    # the position to read older records from, if there are any
    newer: str | None    # the position to read newer records from, if there are any


def scan(store, reach, read: Reader, filters: Filters, *, position: str | None = None, ascending: bool = False,
         keep=None, limit: int | None = None):
    """The records matching ``filters`` (and ``keep``), in timestamp order from ``position``."""
    query = filters.query(position=position, ascending=ascending)
    batch = min(SCAN_BATCH, limit + 1) if limit is not None and filters.store_side() and keep is None \
        else SCAN_BATCH
    found = 0
    while True:
        page = store.query_statements(query, batch, reach=reach)
        for stored in page.statements:
            record = read(stored)
            if record is not None and filters.matches(record) and (keep is None or keep(record)):
                yield record
                found += 1
                if limit is not None and found >= limit:
                    return
        if not page.more:
            return
        query = StatementQuery.from_cursor(page.more)
        batch = SCAN_BATCH


def browse(store, reach, read: Reader, filters: Filters, *, before: str | None = None, after: str | None = None,
           size: int = PAGE_SIZE, keep=None) -> Page:
    """One page: the newest records, those older than ``before`` or those newer than ``after``."""
    newer = after is not None
    found = list(scan(store, reach, read, filters, position=after if newer else before, ascending=newer,
                      keep=keep, limit=size + 1))
    more = len(found) > size
    found = found[:size]
    if newer:
        if not more:  # back at the newest: the first page as it is now
            return browse(store, reach, read, filters, size=size, keep=keep)
        found.reverse()
        return Page(found, older=found[-1].position, newer=found[0].position)
    return Page(found, older=found[-1].position if more else None,
                newer=(found[0].position if found else before) if before else None)


def load_records(store, reach, classify, annotations: dict[str, Annotation] | None = None, *,
                 since: str | None = None, until: str | None = None, include_hidden: bool = False,
                 keep=None) -> list[Record]:
    """Every record within reach (one person's), newest first by when the learning happened;
    dated within [since, until] (YYYY-MM-DD, inclusive) if given; hidden ones only if asked for."""
    read = Reader(classify, annotations or {})
    with _no_collection():
        records = list(scan(store, reach, read, Filters(since=since or "", until=until or ""), keep=keep))
        if include_hidden:
            records += scan(store, reach, read, Filters(since=since or "", until=until or "", hidden="only"),
                            keep=keep)
            records.sort(key=lambda r: r.position or "", reverse=True)
    return records


@contextlib.contextmanager
def _no_collection():
    """Reading a whole record makes tens of thousands of small dicts that all stay alive: the cyclic
    garbage collector would walk them again and again (most of the time it takes); it runs after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def count(store, reach, filters: Filters, hidden: int = 0) -> int | None:
    """How many records match: from the store when it answers every filter, else unknown (None)
    without reading them all. ``hidden``: how many hidden records the store's count includes."""
    if not filters.store_side():
        return None
    return max(0, store.count_statements(filters.query(), reach=reach) - hidden)


def facets(records: list[Record]) -> dict[str, list]:
    """The values each filter can take, from the person's own records."""
    verbs = {}
    for r in records:
        verbs.setdefault(r.verb_id, r.verb)
    return {
        "sources": sorted({r.source for r in records}, key=str.casefold),
        "verbs": sorted(verbs.items(), key=lambda kv: kv[1].casefold()),
        "types": sorted({r.type_label for r in records if r.type_label}, key=str.casefold),
        "tags": sorted({t for r in records for t in r.tags}, key=str.casefold),
    }


def merge_facets(one: dict[str, list], other: dict[str, list]) -> dict[str, list]:
    """The values of two sets of records together, in the order :func:`facets` gives them."""
    verbs = dict(one["verbs"])
    for iri, label in other["verbs"]:
        verbs.setdefault(iri, label)
    return {
        "sources": sorted(set(one["sources"]) | set(other["sources"]), key=str.casefold),
        "verbs": sorted(verbs.items(), key=lambda kv: kv[1].casefold()),
        "types": sorted(set(one["types"]) | set(other["types"]), key=str.casefold),
        "tags": sorted(set(one["tags"]) | set(other["tags"]), key=str.casefold),
    }


def month_of(record: Record) -> str:
    return record.when[:7]


def today() -> str:
    return dt.date.today().isoformat()
