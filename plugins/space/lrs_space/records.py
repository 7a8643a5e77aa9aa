"""A person's records: their statements as the space shows, filters and searches them.

The store finds a person's statements by the ``actor:`` index (every statement
whose actor is one of their verified identities). Filters that xAPI queries do
not have (tag, way of learning, text) run here over that set, which is one
person's history: thousands of records, not millions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import orjson

from lrs import declared_attachments, duration_seconds, StatementQuery
from lrs_space.vocabulary import TAGS

PAGE_SIZE = 20


def _text(language_map) -> str:
    """The English (or first) text of a language map."""
    if not isinstance(language_map, dict) or not language_map:
        return ""
    for tag in ("en", "en-US", "en-GB", "und"):
        if tag in language_map:
            return str(language_map[tag])
    return str(next(iter(language_map.values())))


@dataclass
class Record:
    id: str
    statement: dict
    when: str
    stored: str
    verb_id: str
    verb: str
    title: str
    description: str
    activity_id: str
    activity_type: str
    source: str
    way: str
    tags: list[str]
    seconds: float | None
    note: str
    attachments: list[dict] = field(default_factory=list)

    @property
    def day(self) -> str:
        return self.when[:10]

    @property
    def link(self) -> str | None:
        return self.activity_id if re.match(r"https?://", self.activity_id or "") else None

    @property
    def minutes(self) -> int | None:
        return None if self.seconds is None else round(self.seconds / 60)

    def matches_text(self, words: list[str]) -> bool:
        haystack = " ".join((self.title, self.description, self.note, " ".join(self.tags), self.verb)).lower()
        return all(w in haystack for w in words)


def source_of(statement: dict) -> str:
    """Which tool recorded it: the credential's name in the authority."""
    authority = statement.get("authority") or {}
    if authority.get("objectType") == "Group":
        members = authority.get("member") or [{}]
        return members[0].get("name") or "a personal key"
    return authority.get("name") or (authority.get("account") or {}).get("name") or "unknown"


def to_record(statement: dict, classify) -> Record:
    obj = statement.get("object") or {}
    definition = obj.get("definition") or {}
    result = statement.get("result") or {}
    context = statement.get("context") or {}
    tags = (context.get("extensions") or {}).get(TAGS) or []
    if not isinstance(tags, list):
        tags = [tags]
    title = _text(definition.get("name")) or obj.get("id") or obj.get("name") or "(untitled)"
    return Record(
        id=statement["id"],
        statement=statement,
        when=statement.get("timestamp") or statement.get("stored", ""),
        stored=statement.get("stored", ""),
        verb_id=statement["verb"]["id"],
        verb=_text(statement["verb"].get("display")) or statement["verb"]["id"].rsplit("/", 1)[-1],
        title=str(title),
        description=_text(definition.get("description")),
        activity_id=obj.get("id", "") if obj.get("objectType", "Activity") == "Activity" else "",
        activity_type=definition.get("type", ""),
        source=source_of(statement),
        way=classify(statement) or "other",
        tags=[str(t) for t in tags if isinstance(t, (str, int, float))],
        seconds=duration_seconds(result.get("duration")),
        note=result.get("response", "") if isinstance(result.get("response"), str) else "",
        attachments=declared_attachments(statement),
    )


def load_records(store, reach, classify) -> list[Record]:
    """Every record within reach (an lrs.access.Reach: one person's), newest stored first."""
    records: list[Record] = []
    query = StatementQuery()
    while True:
        page = store.query_statements(query, 500, reach=reach)
        records.extend(to_record(orjson.loads(s.json), classify) for s in page.statements)
        if not page.more:
            return records
        query = StatementQuery.from_cursor(page.more)


@dataclass
class Filters:
    source: str = ""
    verb: str = ""
    type: str = ""
    tag: str = ""
    way: str = ""
    since: str = ""   # YYYY-MM-DD
    until: str = ""   # YYYY-MM-DD, inclusive
    q: str = ""

    @classmethod
    def from_args(cls, args) -> "Filters":
        values = {name: (args.get(name) or "").strip()[:200] for name in cls.__dataclass_fields__}
        for name in ("since", "until"):
            if values[name] and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", values[name]):
                values[name] = ""
        return cls(**values)

    def active(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)

    def apply(self, records: list[Record]) -> list[Record]:
        words = self.q.lower().split()
        out = []
        for r in records:
            if self.source and r.source != self.source:
                continue
            if self.verb and r.verb_id != self.verb:
                continue
            if self.type and r.activity_type != self.type:
                continue
            if self.tag and self.tag not in r.tags:
                continue
            if self.way and r.way != self.way:
                continue
            if self.since and r.day < self.since:
                continue
            if self.until and r.day > self.until:
                continue
            if words and not r.matches_text(words):
                continue
            out.append(r)
        return out


def facets(records: list[Record]) -> dict[str, list]:
    """The values each filter can take, from the person's own records."""
    verbs = {}
    for r in records:
        verbs.setdefault(r.verb_id, r.verb)
    return {
        "sources": sorted({r.source for r in records}),
        "verbs": sorted(verbs.items(), key=lambda kv: kv[1]),
        "types": sorted({r.activity_type for r in records if r.activity_type}),
        "tags": sorted({t for r in records for t in r.tags}),
    }


def page_of(items: list, page: int, size: int = PAGE_SIZE) -> tuple[list, int]:
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 1), pages)
    return items[(page - 1) * size: page * size], pages


def month_of(record: Record) -> str:
    return record.when[:7]


def today() -> str:
    return dt.date.today().isoformat()
