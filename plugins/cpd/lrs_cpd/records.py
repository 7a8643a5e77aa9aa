"""CPD records: a person's learning records seen as continuing professional development.

A CPD record is derived from a statement (its date, title, way of learning,
time spent, reflection, attachments and links) and from the CPD fields the
person added or corrected, kept as an item of kind ``cpd-fields`` (statements
are immutable, so corrections never touch them). Hours come from
``result.duration`` (a journal entry's minutes are stored there too) or from
the person's own entry; when neither exists the hours are *unknown*, and
every format says so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from lrs import Item
from lrs_space import Record, load_records
from lrs_space import WAYS

FIELDS_KIND = "cpd-fields"
SETTINGS_KIND = "cpd-settings"
GOAL_KIND = "goal"

#: the CPD fields a person may set or correct, with what each holds
EDITABLE = {
    "title": "title",
    "date": "date (YYYY-MM-DD)",
    "activity_type": "activity type",
    "way": "way of learning",
    "provider": "provider or source",
    "hours": "hours",
    "learned": "what I learned",
    "application": "how I will apply it",
    "evidence": "evidence links, one per line",
    "tags": "tags, separated by commas",
    "goal": "goal",
    "participatory": "participatory (with others) or self-directed",
}

#: ways of learning that are, unless the person says otherwise, learning with other people
PARTICIPATORY_WAYS = ("people", "events")


@dataclass
class Evidence:
    label: str
    url: str | None = None       # a link (fileUrl, the activity's address, one the person added)
    sha2: str | None = None      # an attachment stored in the LRS

    def text(self) -> str:
        if self.sha2:
            return f"{self.label} (attachment sha2:{self.sha2[:16]})"
        return f"{self.label}: {self.url}" if self.url and self.url != self.label else (self.url or self.label)


@dataclass
class CPDRecord:
    id: str
    date: str                        # YYYY-MM-DD
    title: str
    verb: str
    activity_type: str
    way: str
    provider: str
    hours: float | None              # None: unknown
    hours_source: str                # "duration", "entered" or "unknown"
    learned: str
    application: str
    evidence: list[Evidence]
    tags: list[str]
    goal: str
    participatory: bool
    corrected: list[str] = field(default_factory=list)   # which fields the person set

    @property
    def month(self) -> str:
        return self.date[:7]

    @property
    def way_label(self) -> str:
        return WAYS.get(self.way, self.way)

    @property
    def hours_text(self) -> str:
        return "unknown" if self.hours is None else format_hours(self.hours)


def format_hours(hours: float) -> str:
    return f"{hours:.2f}".rstrip("0").rstrip(".") if hours % 1 else f"{int(hours)}"


def _activity_type_label(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ") if iri else ""


def fields_id(person_id: int, statement_id: str) -> str:
    return f"{person_id}:{statement_id.lower()}"


def get_fields(store, person_id: int, statement_id: str) -> dict:
    item = store.get_item(FIELDS_KIND, fields_id(person_id, statement_id))
    return dict(item.body) if item else {}


def put_fields(store, person_id: int, statement_id: str, values: dict) -> None:
    """Keep the person's CPD fields for one record; empty values fall back to the statement's."""
    kept = {k: v for k, v in values.items() if k in EDITABLE and v not in ("", None, [])}
    if kept:
        store.put_item(Item(FIELDS_KIND, fields_id(person_id, statement_id), person_id, kept,
                            ref=statement_id.lower()))
    else:
        store.delete_item(FIELDS_KIND, fields_id(person_id, statement_id))


def parse_fields(form) -> dict:
    """The CPD fields of an edit form; raises ValueError with a message for the person."""
    values = {name: (form.get(name) or "").strip() for name in EDITABLE}
    if values["date"]:
        try:
            dt.date.fromisoformat(values["date"])
        except ValueError:
            raise ValueError("The date must be like 2026-11-25.") from None
    if values["hours"]:
        try:
            hours = float(values["hours"].replace(",", "."))
        except ValueError:
            raise ValueError("Hours is a number, like 1.5.") from None
        if not 0 <= hours <= 1000:
            raise ValueError("Hours is between 0 and 1000.")
        values["hours"] = round(hours, 2)
    if values["way"] and values["way"] not in WAYS:
        raise ValueError("Choose a way of learning from the list.")
    if values["participatory"] not in ("", "yes", "no"):
        raise ValueError("Participatory is yes or no.")
    links = [line.strip() for line in values["evidence"].splitlines() if line.strip()]
    for link in links:
        if not re.match(r"https?://\S+$", link):
            raise ValueError("Each evidence link is a full address, like https://example.org/certificate.")
    values["evidence"] = links
    values["tags"] = [t.strip().lstrip("#") for t in values["tags"].replace(";", ",").split(",") if t.strip()]
    for name in ("title", "provider", "activity_type", "goal"):
        values[name] = values[name][:500]
    for name in ("learned", "application"):
        values[name] = values[name][:10_000]
    return values


def provider_of(record: Record) -> str:
    context = record.statement.get("context") or {}
    return str(context.get("platform") or record.source)


def to_cpd(record: Record, fields: dict, goals: list[str]) -> CPDRecord:
    if "hours" in fields:
        hours, source = float(fields["hours"]), "entered"
    elif record.seconds is not None:
        hours, source = round(record.seconds / 3600, 2), "duration"
    else:
        hours, source = None, "unknown"
    evidence = [Evidence(a.get("display", {}).get("en") or next(iter(a.get("display", {}).values()), "attachment"),
                         url=a.get("fileUrl"), sha2=None if a.get("fileUrl") else a.get("sha2"))
                for a in record.attachments]
    if record.link:
        evidence.append(Evidence(record.link, url=record.link))
    evidence += [Evidence(url, url=url) for url in fields.get("evidence", [])]
    way = fields.get("way") or record.way
    participatory = fields.get("participatory")
    return CPDRecord(
        id=record.id,
        date=fields.get("date") or record.day,
        title=fields.get("title") or record.title,
        verb=record.verb,
        activity_type=fields.get("activity_type") or _activity_type_label(record.activity_type),
        way=way,
        provider=fields.get("provider") or provider_of(record),
        hours=hours,
        hours_source=source,
        learned=fields.get("learned") or record.note,
        application=fields.get("application", ""),
        evidence=evidence,
        tags=fields.get("tags") or record.tags,
        goal=fields.get("goal") or "; ".join(goals),
        participatory=(participatory == "yes") if participatory else way in PARTICIPATORY_WAYS,
        corrected=sorted(fields),
    )


def cpd_records(store, pm, access, since: str | None = None, until: str | None = None) -> list[CPDRecord]:
    """The CPD records of the person whose access this is, dated within [since, until]
    (YYYY-MM-DD, inclusive), oldest first."""
    classify = lambda statement: pm.hook.classify_statement(statement=statement)  # noqa: E731
    person_id = access.person_id
    records = load_records(store, access.reach(), classify)
    fields = {item.ref: item.body for item in store.list_items(FIELDS_KIND, person_id=person_id)}
    goals: dict[str, list[str]] = defaultdict(list)
    for goal in store.list_items(GOAL_KIND, person_id=person_id):
        for statement_id in goal.body.get("statement_ids", []):
            goals[statement_id].append(goal.body.get("title", ""))
    out = []
    for record in records:
        cpd = to_cpd(record, fields.get(record.id, {}), goals.get(record.id, []))
        if (since and cpd.date < since) or (until and cpd.date > until):
            continue
        out.append(cpd)
    out.sort(key=lambda r: (r.date, r.id))
    return out


# -- settings and totals --------------------------------------------------------------------


@dataclass
class Settings:
    name: str = ""               # the name on the log's cover (default: the username)
    registration: str = ""       # a professional registration number, printed on the cover
    target_hours: float = 0.0    # hours the person aims for in a CPD year (0: no target)
    year_start: str = "01-01"    # MM-DD: when their CPD year starts

    @classmethod
    def of(cls, store, person_id: int) -> "Settings":
        item = store.get_item(SETTINGS_KIND, str(person_id))
        body = item.body if item else {}
        return cls(**{k: v for k, v in body.items() if k in cls.__dataclass_fields__})

    def save(self, store, person_id: int) -> None:
        store.put_item(Item(SETTINGS_KIND, str(person_id), person_id, dict(self.__dict__)))

    def cpd_year(self, today: dt.date | None = None) -> tuple[str, str]:
        """The CPD year containing ``today``: (first day, last day)."""
        today = today or dt.date.today()
        month, day = (int(x) for x in self.year_start.split("-"))
        start = dt.date(today.year, month, min(day, 28 if month == 2 else day))
        if start > today:
            start = start.replace(year=start.year - 1)
        end = start.replace(year=start.year + 1) - dt.timedelta(days=1)
        return start.isoformat(), end.isoformat()

    def revalidation_period(self, today: dt.date | None = None) -> tuple[str, str]:
        """Three CPD years ending with the current one."""
        start, end = self.cpd_year(today)
        first = dt.date.fromisoformat(start)
        return first.replace(year=first.year - 2).isoformat(), end


@dataclass
class Totals:
    records: int
    hours: float                        # known hours only
    unknown: int                        # records whose hours are unknown
    by_way: dict[str, float]
    by_month: dict[str, float]
    participatory: float
    self_directed: float

    @classmethod
    def of(cls, records: list[CPDRecord]) -> "Totals":
        by_way: dict[str, float] = defaultdict(float)
        by_month: dict[str, float] = defaultdict(float)
        participatory = self_directed = 0.0
        for r in records:
            if r.hours is None:
                continue
            by_way[r.way] += r.hours
            by_month[r.month] += r.hours
            if r.participatory:
                participatory += r.hours
            else:
                self_directed += r.hours
        return cls(records=len(records), hours=round(sum(r.hours or 0 for r in records), 2),
                   unknown=sum(r.hours is None for r in records),
                   by_way={w: round(h, 2) for w, h in sorted(by_way.items())},
                   by_month={m: round(h, 2) for m, h in sorted(by_month.items())},
                   participatory=round(participatory, 2), self_directed=round(self_directed, 2))
