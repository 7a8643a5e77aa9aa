"""CPD records: a person's learning records seen as continuing professional development.

A CPD record is one of the person's records (lrs_space.Record) as the space reads it:
the statement with the person's own annotation applied (their way of learning, tags,
reflection, "how I will apply it", evidence, hours, activity type, provider,
participatory), so a correction made here shows on the timeline, in "how I learn", in
goals and shares, and the other way round. Hours come from ``result.duration`` (a journal
entry's minutes are stored there too) or from the person's own entry; when neither
exists the hours are *unknown*, and every format says so. Hidden records are not in the log.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from lrs import Item
from lrs_space import ANNOTATION_FIELDS, Annotation, Record, WAYS, annotations_of, classifier, load_records
from lrs_space import result_text as result_phrase, save_annotation

SETTINGS_KIND = "cpd-settings"
GOAL_KIND = "goal"
#: where CPD kept corrections before the space's annotations held them (moved at start-up)
LEGACY_FIELDS_KIND = "cpd-fields"

#: the fields a person may set or correct (the space's annotation fields), with what each holds
EDITABLE = ANNOTATION_FIELDS

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
    result: str = ""                 # "86 / 100 (86%), passed, completed"
    people: list[str] = field(default_factory=list)      # who it was with
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


def to_cpd(record: Record, goals: list[str], locale="en_GB") -> CPDRecord:
    seconds = record.seconds
    hours = None if seconds is None else round(seconds / 3600, 2)
    evidence = [Evidence(a.get("display", {}).get("en") or next(iter(a.get("display", {}).values()), "attachment"),
                         url=a.get("fileUrl"), sha2=None if a.get("fileUrl") else a.get("sha2"))
                for a in record.attachments]
    if record.link:
        evidence.append(Evidence(record.link, url=record.link))
    evidence += [Evidence(url, url=url) for url in record.evidence]
    participatory = record.annotation.participatory
    return CPDRecord(
        id=record.id,
        date=record.day,
        title=record.title,
        verb=record.verb,
        activity_type=record.type_label,
        way=record.way,
        provider=record.annotation.provider or record.source,
        hours=hours,
        hours_source=record.hours_source,
        learned=record.note,
        application=record.application,
        evidence=evidence,
        tags=record.tags,
        goal="; ".join(goals),
        participatory=(participatory == "yes") if participatory else record.way in PARTICIPATORY_WAYS,
        result=result_phrase(record.statement, locale),
        people=record.people,
        corrected=record.annotation.corrected,
    )


def cpd_records(store, pm, access, since: str | None = None, until: str | None = None,
                locale="en_GB") -> list[CPDRecord]:
    """The CPD records of the person whose access this is, dated within [since, until]
    (YYYY-MM-DD, inclusive; the store finds them by when the learning happened), oldest first."""
    person_id = access.person_id
    records = load_records(store, access.reach(), classifier(pm), annotations_of(store, person_id),
                           since=since, until=until)
    goals = goal_titles(store, person_id)
    out = [to_cpd(record, goals.get(record.id, []), locale) for record in records]
    out.sort(key=lambda r: (r.date, r.id))
    return out


def goal_titles(store, person_id: int) -> dict[str, list[str]]:
    """The titles of the goals each record of the person counts towards, by statement id."""
    goals: dict[str, list[str]] = defaultdict(list)
    for goal in store.list_items(GOAL_KIND, person_id=person_id):
        for statement_id in goal.body.get("statement_ids", []):
            goals[statement_id].append(goal.body.get("title", ""))
    return goals


def move_legacy_fields(store) -> int:
    """Corrections CPD kept itself (items ``cpd-fields``) become the space's annotations, once:
    "what I learned" is the reflection; a corrected date or goal text has no place there (a
    record's time is its statement's, goals link records) and is left behind. Returns how many moved."""
    moved = 0
    renamed = {"learned": "reflection"}
    for item in store.list_items(LEGACY_FIELDS_KIND):
        if item.person_id is not None and item.ref:
            body = {renamed.get(k, k): v for k, v in item.body.items() if renamed.get(k, k) in ANNOTATION_FIELDS}
            existing = annotations_of(store, item.person_id).get(item.ref.lower())
            annotation = Annotation.from_body(item.ref, {**body, **(existing.body() if existing else {})})
            save_annotation(store, item.person_id, annotation)
            moved += 1
        store.delete_item(LEGACY_FIELDS_KIND, item.item_id)
    return moved


# -- settings and totals --------------------------------------------------------------------


@dataclass
class Settings:
    name: str = ""               # the name on the log's cover (default: the username)
    registration: str = ""       # a professional registration number, printed on the cover
    target_hours: float = 0.0    # hours the person aims for in a CPD year (0: no target)
    year_start: str = "01-01"    # MM-DD: when their CPD year starts
    #: the professional templates (exporters marked ``template``) the person turned on, by name
    templates: list = field(default_factory=list)

    @classmethod
    def of(cls, store, person_id: int) -> "Settings":
        item = store.get_item(SETTINGS_KIND, str(person_id))
        body = item.body if item else {}
        return cls(**{k: v for k, v in body.items() if k in cls.__dataclass_fields__})

    def save(self, store, person_id: int) -> None:
        store.put_item(Item(SETTINGS_KIND, str(person_id), person_id, dict(self.__dict__)))

    def offers(self, exporter) -> bool:
        """Whether the person sees this format: every plain one, a professional template once turned on."""
        return not exporter.template or exporter.name in self.templates

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
