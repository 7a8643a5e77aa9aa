"""'Add what I learned': a journal entry stored as a proper xAPI statement."""

from __future__ import annotations

import datetime as dt
import uuid

from flask import g, redirect, request, url_for

from lrs import (
    Access, Credential, is_iri, lrs_app, LRSError, person_agent, personal_authority, PERSONAL_SCOPES, render,
    save_statements, signed_in,
)
from lrs_space.vocabulary import JOURNAL_ENTRY, JOURNAL_PLATFORM, JOURNAL_VERBS, TAGS, WAY
from lrs_space.ways import WAYS
from lrs_space.web import bp

SPACE_KEY = "learning-space"


def space_credential(person) -> Credential:
    """The space acting for the signed-in person, like a personal key they did not have to make."""
    config = lrs_app().config
    return Credential(key=f"{SPACE_KEY}:{person.id}", name="Learnfolio space", scopes=PERSONAL_SCOPES,
                      authority=personal_authority(SPACE_KEY, "Learnfolio space", config, person.username),
                      person_id=person.id)


def parse_tags(text: str) -> list[str]:
    return list(dict.fromkeys(t.strip().lstrip("#") for t in text.replace(";", ",").split(",") if t.strip()))[:20]


def journal_statement(person, form) -> dict:
    """The statement for a journal form; raises ValueError with a message for the person."""
    what = form.get("what", "").strip()
    if not what:
        raise ValueError("Say what you learned.")
    verbs = {name: (iri, label) for name, iri, label in JOURNAL_VERBS}
    verb_iri, verb_label = verbs.get(form.get("verb", "learned"), verbs["learned"])
    link = form.get("link", "").strip()
    if link and not is_iri(link):
        raise ValueError("The link must be a full address, like https://example.org/page.")
    activity = {"objectType": "Activity",
                "id": link or f"{lrs_app().config.people_home_page}/{person.username}/journal/{uuid.uuid4()}",
                "definition": {"name": {"en": what[:500]}, "type": JOURNAL_ENTRY}}
    extensions = {}
    tags = parse_tags(form.get("tags", ""))
    if tags:
        extensions[TAGS] = tags
    way = form.get("way", "")
    if way in WAYS:
        extensions[WAY] = way
    statement = {
        "id": str(uuid.uuid4()),
        "actor": person_agent(lrs_app().config, person.username),
        "verb": {"id": verb_iri, "display": {"en": verb_label}},
        "object": activity,
        "timestamp": _timestamp(form.get("date", "")),
        "context": {"platform": JOURNAL_PLATFORM, "language": "en"},
    }
    if extensions:
        statement["context"]["extensions"] = extensions
    result = {}
    minutes = form.get("minutes", "").strip()
    if minutes:
        if not minutes.isdigit() or not 0 < int(minutes) <= 100_000:
            raise ValueError("Time spent is a whole number of minutes.")
        result["duration"] = f"PT{int(minutes)}M"
    takeaway = form.get("takeaway", "").strip()
    if takeaway:
        result["response"] = takeaway[:10_000]
    if result:
        statement["result"] = result
    return statement


def _timestamp(day: str) -> str:
    now = dt.datetime.now(dt.timezone.utc)
    if day:
        try:
            chosen = dt.date.fromisoformat(day)
        except ValueError:
            raise ValueError("The date must be like 2026-11-25.") from None
        if chosen > now.date():
            raise ValueError("The date cannot be in the future.")
        if chosen != now.date():
            return dt.datetime.combine(chosen, dt.time(12, 0), dt.timezone.utc).isoformat().replace("+00:00", "Z")
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@bp.route("/journal", methods=["GET", "POST"])
@signed_in
def journal():
    error = None
    if request.method == "POST":
        try:
            statement = journal_statement(g.person, request.form)
            access = Access.for_person(lrs_app().store, g.person, credential=space_credential(g.person))
            save_statements(lrs_app(), [statement], {}, access=access, version="2.0.0")
        except ValueError as e:
            error = str(e)
        except LRSError as e:
            error = f"The entry could not be stored: {e.message}"
        else:
            return redirect(url_for("space.record", statement_id=statement["id"], added=1))
    return render("journal.html", error=error, verbs=JOURNAL_VERBS, ways=WAYS, form=request.form,
                  today=dt.date.today().isoformat()), 400 if error else 200
