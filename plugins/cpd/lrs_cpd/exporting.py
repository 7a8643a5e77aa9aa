"""Exports: what an exporter is given (:class:`ExportJob`), the CSV log and the xAPI archive.

Exporters are registered with the ``register_exporters`` hook
(:class:`lrs.plugins.Exporter`); the PDF log is in ``lrs_cpd.pdf`` and the
nursing revalidation log in ``lrs_cpd.nursing``.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass, field
from functools import cached_property
from typing import BinaryIO

import orjson

from lrs import Figure, Person, StatementQuery, VOIDED_VERB, write_rows
from lrs_cpd.registrations import Exporter
from lrs_cpd.records import CPDRecord, Settings, Totals, cpd_records, format_hours
from lrs_space import day_text

ARCHIVE_FORMAT = "learnfolio-xapi-archive/1"


@dataclass
class ExportJob:
    """One export: whose records (read through ``access``, theirs), which period, what target;
    records are read once, when asked for."""

    store: object
    pm: object
    person: Person
    access: object  # lrs.access.Access of the person
    since: str | None = None         # YYYY-MM-DD, inclusive
    until: str | None = None         # YYYY-MM-DD, inclusive
    target_hours: float | None = None
    settings: Settings = field(default_factory=Settings)
    #: the Babel locale dates and numbers are written in (the person's, on a page; en-GB from a command)
    locale: object = "en_GB"

    @cached_property
    def records(self) -> list[CPDRecord]:
        return cpd_records(self.store, self.pm, self.access, self.since, self.until, self.locale)

    @cached_property
    def totals(self) -> Totals:
        return Totals.of(self.records)

    @property
    def name(self) -> str:
        return self.settings.name or self.person.username

    @property
    def period_text(self) -> str:
        return period_text(self.since, self.until, self.locale)

    @property
    def target(self) -> float:
        return self.target_hours if self.target_hours is not None else (self.settings.target_hours or 0.0)

    def filename(self, exporter: Exporter) -> str:
        period = f"-{self.since or 'start'}-to-{self.until or dt.date.today().isoformat()}" \
            if (self.since or self.until) else ""
        return f"{self.person.username}-{exporter.name}{period}.{exporter.extension}"


def period_text(since: str | None, until: str | None, locale="en_GB") -> str:
    """"1 Jan 2026 to 31 Dec 2026", "from …", "until …", or "all records"."""
    if since and until:
        return f"{day_text(since, locale)} to {day_text(until, locale)}"
    if since:
        return f"from {day_text(since, locale)}"
    if until:
        return f"until {day_text(until, locale)}"
    return "all records"


# -- CSV -----------------------------------------------------------------------------------

#: the CSV columns, in order, with what each holds (docs/cpd.md lists the same)
CSV_COLUMNS = {
    "date": "the day of the activity, YYYY-MM-DD",
    "title": "what the activity was",
    "activity_type": "the kind of activity (course, article, meeting, journal entry …)",
    "way_of_learning": "courses, content, people, work, events or other",
    "provider": "who provided it, or the tool that recorded it",
    "result": "score and outcome, like 86 / 100 (86%), passed, completed; a rating as 4 of 5",
    "with": "the people the learning was with (instructor, mentor, team), separated by ', '",
    "hours": "hours spent, with a dot as decimal separator; empty when unknown",
    "hours_source": "duration (from the record), entered (by the person) or unknown",
    "participatory": "yes when learned with others, no when self-directed",
    "what_i_learned": "the reflection",
    "how_i_will_apply_it": "how the person will use it",
    "evidence": "attachments and links, separated by ' | '",
    "tags": "separated by ', '",
    "goal": "the goals the record counts towards",
    "statement_id": "the xAPI statement the record comes from",
}


def csv_rows(records: list[CPDRecord]):
    yield list(CSV_COLUMNS)
    for r in records:
        hours = Figure("" if r.hours is None else format_hours(r.hours))
        yield [r.date, r.title, r.activity_type, r.way, r.provider, r.result, ", ".join(r.people), hours,
               r.hours_source,
               "yes" if r.participatory else "no", r.learned, r.application,
               " | ".join(e.text() for e in r.evidence), ", ".join(r.tags), r.goal, r.id]


def write_csv(job: ExportJob, out: BinaryIO) -> None:
    """One row per record, UTF-8 with a byte order mark so LibreOffice and Excel read the encoding right;
    text that a spreadsheet would run as a formula starts with ' (lrs.spreadsheets)."""
    text = io.StringIO(newline="")
    write_rows(text, csv_rows(job.records))
    out.write(text.getvalue().encode("utf-8-sig"))


CSV_EXPORTER = Exporter(name="csv", title="CSV (spreadsheet)", media_type="text/csv; charset=utf-8",
                        extension="csv", write=write_csv,
                        description="one row per record, for spreadsheets and professional bodies' portals")


# -- xAPI archive ---------------------------------------------------------------------------


def person_statements(store, access):
    """Every statement of the person as stored (JSON text), oldest first, then the voided ones."""
    reach = access.reach()
    voided_targets = []
    query = StatementQuery(ascending=True)
    while True:
        page = store.query_statements(query, 500, reach=reach)
        for stored in page.statements:
            yield stored.json
            if '"' + VOIDED_VERB + '"' in stored.json:
                statement = orjson.loads(stored.json)
                if statement["verb"]["id"] == VOIDED_VERB:
                    voided_targets.append(statement["object"]["id"])
        if not page.more:
            break
        query = StatementQuery.from_cursor(page.more)
    for target in voided_targets:
        stored = store.get_statement(target, reach=reach, voided=True)
        if stored is not None:
            yield stored.json


def write_archive(job: ExportJob, out: BinaryIO) -> None:
    """Every statement of the person exactly as stored, their attachments and documents: re-importable.

    Written as it is read, so a long history needs little memory. The format is in docs/cpd.md.
    """
    store = job.store
    identities = store.list_identities(job.person.id, verified=True)
    keys = tuple(i.key for i in identities)
    head = {"format": ARCHIVE_FORMAT, "exported": dt.datetime.now(dt.timezone.utc).isoformat(),
            "person": {"username": job.person.username, "identities": [i.agent for i in identities]}}
    out.write(orjson.dumps(head)[:-1] + b',\n"statements":[\n')
    with_attachments: list[str] = []
    first = True
    for text in person_statements(store, job.access):
        if not first:
            out.write(b",\n")
        out.write(text.encode())
        first = False
        if '"attachments"' in text:
            with_attachments.append(orjson.loads(text)["id"])
    out.write(b'\n],\n"attachments":{')
    first = True
    reach = job.access.reach()
    written: set[str] = set()
    for start in range(0, len(with_attachments), 100):
        for sha2, (content_type, content) in store.get_attachments(with_attachments[start:start + 100],
                                                                   reach=reach).items():
            if sha2 in written:
                continue
            written.add(sha2)
            body = {"contentType": content_type, "content": base64.b64encode(content).decode()}
            out.write((b"" if first else b",") + b"\n" + orjson.dumps(sha2) + b":" + orjson.dumps(body))
            first = False
    out.write(b'\n},\n"documents":[')
    agents = {i.key: i.agent for i in identities}
    first = True
    for key in keys:
        for ref in store.agent_documents(key, reach=reach):
            document = store.get_document(ref, reach=reach)
            if document is None:
                continue
            entry = {"resource": ref.kind, "activityId": ref.activity_id, "agent": agents[key], "agentKey": key,
                     "registration": ref.registration, "id": ref.doc_id, "contentType": document.content_type,
                     "updated": document.updated, "content": base64.b64encode(document.content).decode()}
            out.write((b"" if first else b",") + b"\n" + orjson.dumps(entry))
            first = False
    out.write(b"\n]}\n")


ARCHIVE_EXPORTER = Exporter(name="xapi", title="xAPI archive (JSON)", media_type="application/json",
                            extension="json", write=write_archive,
                            description="every statement exactly as stored, with attachments and documents;"
                                        " re-importable into Learnfolio or read by any xAPI tool (always complete:"
                                        " the period does not apply)")
