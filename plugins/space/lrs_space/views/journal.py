"""'Add what I learned': a journal entry stored as a proper xAPI statement; and editing one.

Statements never change, so an edit voids the entry and stores the new version in one batch
(all or nothing), the new one naming the old in ``context.statement``: the history stays,
and what the person said about the entry (annotation, goal links) moves to the new version."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, url_for

from lrs import (
    Access, Credential, is_iri, lrs_app, LRSError, person_agent, personal_authority, PERSONAL_SCOPES, render,
    save_statements, signed_in, VOIDED_VERB,
)
from lrs_space.annotations import move_annotation, parse_tags
from lrs_space.people import goals_of, record_of
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


def journal_statement(person, form, *, previous=None) -> dict:
    """The statement for a journal form; raises ValueError with a message for the person.

    ``previous``: the record this one replaces (an edit); its time is kept unless the date changed."""
    what = form.get("what", "").strip()
    if not what:
        raise ValueError("Say what you learned.")
    verbs = {name: (iri, label) for name, iri, label in JOURNAL_VERBS}
    verb_iri, verb_label = verbs.get(form.get("verb", "learned"), verbs["learned"])
    link = form.get("link", "").strip()
    if link and not is_iri(link):
        raise ValueError("The link must be a full address, like https://example.org/page.")
    if previous is not None and not link and not previous.link:
        activity_id = previous.activity_id  # the same entry, written again
    else:
        activity_id = link or f"{lrs_app().config.people_home_page}/{person.username}/journal/{uuid.uuid4()}"
    activity = {"objectType": "Activity", "id": activity_id,
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
        "timestamp": (previous.when if previous is not None and form.get("date", "") == previous.day
                      else _timestamp(form.get("date", ""))),
        "context": {"platform": JOURNAL_PLATFORM, "language": "en"},
    }
    if previous is not None:
        statement["context"]["statement"] = {"objectType": "StatementRef", "id": previous.id}
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


#: a web address inside shared text (apps often send the link in ``text`` and leave ``url`` empty)
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"]+")


def _web_address(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not re.search(r"[\s\x00-\x1f\\]", value)


def shared_form(args) -> dict | None:
    """What another app shared to the installed space (Web Share Target: ``title``, ``text``,
    ``url`` in the query) as a journal form to confirm, or None. It only fills the form: the
    person adds it with the CSRF-protected POST, so a link someone else made stores nothing.
    Only an http(s) address becomes the link; anything else stays text."""
    title, text, url = ((args.get(name) or "").strip() for name in ("title", "text", "url"))
    if not (title or text or url):
        return None
    if not _web_address(url):
        not_a_page, url = url, ""
        found = _WEB_ADDRESS.search(text)
        if found and _web_address(found.group(0).rstrip(".,;:!?)")):
            url = found.group(0).rstrip(".,;:!?)")
            text = (text[:found.start()].rstrip() + " " + text[found.start() + len(url):].lstrip(".,;:!?) ")).strip()
        text = " ".join(part for part in (text, not_a_page) if part)
    what = title or text.split("\n", 1)[0].strip() or url
    takeaway = "" if text == what else text
    return {"what": what[:500], "link": url[:2000], "takeaway": takeaway[:10_000]}


@bp.route("/journal", methods=["GET", "POST"])
@signed_in
def journal():
    error = None
    shared = shared_form(request.args) if request.method == "GET" else None
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
    return render("journal.html", error=error, verbs=JOURNAL_VERBS, ways=WAYS, form=shared or request.form,
                  shared=shared is not None, today=dt.date.today().isoformat(), editing=None), 400 if error else 200


def _form_of(record) -> dict:
    """A journal form filled with what an entry says."""
    verbs = {iri: name for name, iri, _ in JOURNAL_VERBS}
    extensions = (record.statement.get("context") or {}).get("extensions") or {}
    seconds = record.own.seconds
    return {"what": record.own.title, "verb": verbs.get(record.verb_id, "learned"),
            "way": extensions.get(WAY, ""), "minutes": str(round(seconds / 60)) if seconds else "",
            "date": record.day, "link": record.link or "", "tags": ", ".join(record.own.tags),
            "takeaway": (record.statement.get("result") or {}).get("response", "")}


@bp.route("/records/<statement_id>/edit", methods=["GET", "POST"])
@signed_in
def journal_edit(statement_id):
    """Edit a journal entry of mine: void it and store the new version, in one batch."""
    record = record_of(g.access, statement_id)
    if not record.is_journal:
        abort(404, description="only entries written in the journal can be edited; correct any record on its page")
    error = None
    form = request.form if request.method == "POST" else _form_of(record)
    if request.method == "POST":
        try:
            statement = journal_statement(g.person, request.form, previous=record)
            voiding = {"id": str(uuid.uuid4()), "actor": statement["actor"],
                       "verb": {"id": VOIDED_VERB, "display": {"en": "voided"}},
                       "object": {"objectType": "StatementRef", "id": record.id}}
            access = Access.for_person(lrs_app().store, g.person, credential=space_credential(g.person))
            save_statements(lrs_app(), [voiding, statement], {}, access=access, version="2.0.0")
        except ValueError as e:
            error = str(e)
        except LRSError as e:
            error = f"The entry could not be stored: {e.message}"
        else:
            _carry_over(record.id, statement["id"])
            return redirect(url_for("space.record", statement_id=statement["id"], edited=1))
    return render("journal.html", error=error, verbs=JOURNAL_VERBS, ways=WAYS, form=form,
                  today=dt.date.today().isoformat(), editing=record), 400 if error else 200


def _carry_over(old_id: str, new_id: str) -> None:
    """What the person said about the old version belongs to the new one: annotation and goal links."""
    store = lrs_app().store
    move_annotation(store, g.person.id, old_id, new_id)
    for goal in goals_of(g.person.id):
        ids = goal.body.get("statement_ids", [])
        if old_id in ids:
            goal.body["statement_ids"] = [new_id.lower() if i == old_id else i for i in ids]
            store.put_item(goal)

