"""A person's annotations of a record: their own corrections and additions, kept beside the
statement, which never changes (statements are immutable; a tool's stays as the tool sent it).

One model for every view: the timeline, filters, a record's page, "how I learn", goals,
shares, the CPD log and its exports, the whole-record archive and forwarding all read a
record through its annotation (:class:`lrs_space.records.Record` applies it). Kept as an
item of kind ``annotation`` per person and statement, so every backend stores it and
erasure removes it. Forwarding carries it as a statement of the person's own
(:func:`annotation_statement`).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field

from lrs import Item
from lrs_space.vocabulary import ANNOTATED, ANNOTATION as ANNOTATION_EXTENSION
from lrs_space.ways import WAYS

ANNOTATION = "annotation"

#: what a person may set on any record of theirs, with what each holds
FIELDS = {
    "title": "title",
    "way": "way of learning",
    "activity_type": "activity type",
    "provider": "provider or source",
    "hours": "hours",
    "reflection": "what I learned",
    "application": "how I will apply it",
    "evidence": "evidence links, one per line",
    "tags": "tags, separated by commas",
    "participatory": "participatory (with others) or self-directed",
}
#: the longest text kept in each field
LIMITS = {"title": 500, "activity_type": 200, "provider": 200, "reflection": 10_000, "application": 10_000}
MAX_HOURS = 1000
MAX_TAGS = 20
MAX_EVIDENCE = 20


@dataclass
class Annotation:
    """What the person said about one record; an empty field leaves the statement's own value."""

    statement_id: str
    title: str = ""
    way: str = ""
    activity_type: str = ""
    provider: str = ""
    hours: float | None = None
    reflection: str = ""
    application: str = ""
    evidence: list[str] = field(default_factory=list)
    tags: list[str] | None = None      # None: the statement's tags; [] would clear them
    participatory: str = ""            # "", "yes" or "no"
    hidden: bool = False               # hidden from the person's views and every share
    updated: str = ""

    @property
    def corrected(self) -> list[str]:
        """The fields the person set."""
        return [name for name in FIELDS if self._set(name)]

    def _set(self, name: str) -> bool:
        value = getattr(self, name)
        return value is not None and value not in ("", [])

    def body(self) -> dict:
        body = {name: getattr(self, name) for name in FIELDS if self._set(name)}
        if self.hidden:
            body["hidden"] = True
        return body

    @property
    def empty(self) -> bool:
        return not self.body()

    @classmethod
    def from_body(cls, statement_id: str, body: dict, updated: str = "") -> "Annotation":
        values = {name: body[name] for name in (*FIELDS, "hidden") if name in body}
        if "hours" in values:
            values["hours"] = float(values["hours"])
        return cls(statement_id=statement_id.lower(), updated=updated, **values)


def item_id(person_id: int, statement_id: str) -> str:
    return f"{person_id}:{statement_id.lower()}"


def annotations_of(store, person_id: int) -> dict[str, Annotation]:
    """Every annotation of a person, by statement id."""
    return {item.ref: Annotation.from_body(item.ref, item.body, item.updated)
            for item in store.list_items(ANNOTATION, person_id=person_id) if item.ref}


def annotation_of(store, person_id: int, statement_id: str) -> Annotation:
    item = store.get_item(ANNOTATION, item_id(person_id, statement_id))
    if item is None:
        return Annotation(statement_id.lower())
    return Annotation.from_body(statement_id, item.body, item.updated)


def save_annotation(store, person_id: int, annotation: Annotation) -> None:
    """Keep it (or forget it, when nothing is set). The caller has found the record among the person's own."""
    if annotation.empty:
        store.delete_item(ANNOTATION, item_id(person_id, annotation.statement_id))
    else:
        store.put_item(Item(ANNOTATION, item_id(person_id, annotation.statement_id), person_id, annotation.body(),
                            ref=annotation.statement_id.lower()))


def move_annotation(store, person_id: int, old_id: str, new_id: str) -> None:
    """A record re-issued (an edited journal entry) keeps what the person said about it."""
    annotation = annotation_of(store, person_id, old_id)
    if not annotation.empty:
        annotation.statement_id = new_id.lower()
        save_annotation(store, person_id, annotation)
        store.delete_item(ANNOTATION, item_id(person_id, old_id))


def forget_annotations(store, person_id: int, statement_ids) -> None:
    """After records are deleted for good: nothing of them stays."""
    for statement_id in statement_ids:
        store.delete_item(ANNOTATION, item_id(person_id, statement_id))


def parse_tags(text: str) -> list[str]:
    return list(dict.fromkeys(t.strip().lstrip("#") for t in text.replace(";", ",").split(",")
                              if t.strip().lstrip("#")))[:MAX_TAGS]


def parse_annotation(form, statement_id: str, hidden: bool = False) -> Annotation:
    """The annotation of an edit form; ValueError with a message for the person."""
    values = {name: (form.get(name) or "").strip() for name in FIELDS}
    hours = None
    if values["hours"]:
        try:
            hours = float(values["hours"].replace(",", "."))
        except ValueError:
            raise ValueError("Hours is a number, like 1.5.") from None
        if not 0 <= hours <= MAX_HOURS:
            raise ValueError(f"Hours is between 0 and {MAX_HOURS}.")
    if values["way"] and values["way"] not in WAYS:
        raise ValueError("Choose a way of learning from the list.")
    if values["participatory"] not in ("", "yes", "no"):
        raise ValueError("Participatory is yes or no.")
    links = [line.strip() for line in values["evidence"].splitlines() if line.strip()][:MAX_EVIDENCE]
    for link in links:
        if not re.match(r"https?://[^\s/]+\S*$", link):
            raise ValueError("Each evidence link is a full address, like https://example.org/certificate.")
    return Annotation(
        statement_id=statement_id.lower(),
        title=values["title"][:LIMITS["title"]],
        way=values["way"],
        activity_type=values["activity_type"][:LIMITS["activity_type"]],
        provider=values["provider"][:LIMITS["provider"]],
        hours=round(hours, 2) if hours is not None else None,
        reflection=values["reflection"][:LIMITS["reflection"]],
        application=values["application"][:LIMITS["application"]],
        evidence=links,
        tags=parse_tags(values["tags"]) if values["tags"] else None,
        participatory=values["participatory"],
        hidden=hidden,
    )


#: the namespace of the ids of annotation statements: one id per record and version of its annotation
_ANNOTATION_IDS = uuid.UUID("6f1c3c52-0a55-4d4e-9a4e-6c6561726e66")


def annotation_statement(actor: dict, annotation: Annotation) -> dict:
    """The annotation as a statement of the person's own: how it travels to another LRS.

    ``actor`` annotated the record (a StatementRef to it); the fields are in the context
    extension ``https://learnfolio.example/xapi/extensions/annotation``. Its id is derived
    from the record and the annotation's time, so a re-send is recognised as the same
    statement, and a later change is a new statement: the newest one is what holds.
    """
    version = annotation.updated or dt.datetime.now(dt.timezone.utc).isoformat()
    return {
        "id": str(uuid.uuid5(_ANNOTATION_IDS, f"{annotation.statement_id}|{version}")),
        "actor": actor,
        "verb": {"id": ANNOTATED, "display": {"en": "annotated"}},
        "object": {"objectType": "StatementRef", "id": annotation.statement_id},
        "context": {"extensions": {ANNOTATION_EXTENSION: annotation.body()}},
        "timestamp": version if "T" in version else dt.datetime.now(dt.timezone.utc).isoformat(),
    }
