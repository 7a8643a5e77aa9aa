"""xAPI statements for journal entries, with ids derived from their content.

Data model: https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#statements
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote

from lrs_journal.config import Config

VERB = {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}}
VOIDED = {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}}
ENTRY_TYPE = "http://activitystrea.ms/schema/1.0/note"
TAGS_EXTENSION = "http://id.tincanapi.com/extension/tags"
PLATFORM = "lrs-journal"
#: the namespace of every statement id lrs-journal derives (uuid5)
ID_NAMESPACE = uuid.UUID("5b0f3c1e-6a0e-4c55-9a43-8d1f1b6c2e7a")


def actor(config: Config) -> dict:
    """The person whose journal this is; personal keys accept only statements about their person."""
    agent: dict = {"objectType": "Agent"}
    if config.name:
        agent["name"] = config.name
    if config.email:
        agent["mbox"] = "mailto:" + config.email.removeprefix("mailto:")
    else:
        agent["account"] = {"homePage": config.account_homepage, "name": config.account_name}
    return agent


def iri_base(config: Config) -> str:
    """Where the person's entry IRIs start: the configured base, else one unique to the actor."""
    if config.iri_base:
        return config.iri_base
    who = actor(config)
    identity = who.get("mbox") or f"{who['account']['homePage']}|{who['account']['name']}"
    return f"urn:lrs-journal:{hashlib.sha1(identity.encode()).hexdigest()[:12]}:"


def entry_iri(base: str, *parts: str) -> str:
    return base + "/".join(quote(part, safe="/-_.~") for part in parts)


def iso_duration(minutes: float) -> str:
    total = round(minutes * 60)
    hours, rest = divmod(total, 3600)
    mins, secs = divmod(rest, 60)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{mins}M" if mins else "") + (f"{secs}S" if secs else "")
    return text if text != "PT" else "PT0S"


@dataclass(frozen=True)
class Entry:
    """One journal entry: what it is called, what was written, and where it comes from."""

    iri: str
    name: str
    text: str = ""
    tags: tuple[str, ...] = ()
    minutes: float | None = None
    timestamp: str | None = None
    language: str = "und"
    source: str = field(default="", compare=False)  # the file (and heading) it came from, for messages


def entry_statement(entry: Entry, config: Config, *, statement_id: str | None = None) -> dict:
    """The statement for an entry; without ``statement_id`` its id is derived from its content."""
    definition = {"type": ENTRY_TYPE, "name": {entry.language: entry.name}}
    statement: dict = {
        "actor": actor(config),
        "verb": VERB,
        "object": {"objectType": "Activity", "id": entry.iri, "definition": definition},
    }
    result: dict = {}
    if entry.text:
        result["response"] = entry.text
    if entry.minutes is not None:
        result["duration"] = iso_duration(entry.minutes)
    if result:
        statement["result"] = result
    context: dict = {"platform": PLATFORM}
    if entry.tags:
        context["extensions"] = {TAGS_EXTENSION: list(entry.tags)}
    statement["context"] = context
    if entry.timestamp:
        statement["timestamp"] = entry.timestamp
    statement["id"] = statement_id or content_id(statement)
    return statement


def content_id(statement: dict, revision: int = 0) -> str:
    """A statement id from everything in the statement: the same entry always gets the same id,
    a changed entry a new one (uuid5 over the canonical JSON; ``revision`` makes another id for
    content whose first id was voided, since a voided id cannot be stored again)."""
    body = {k: v for k, v in statement.items() if k != "id"}
    material = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if revision:
        material += f"\nrevision {revision}"
    return str(uuid.uuid5(ID_NAMESPACE, material))


def voiding_statement(config: Config, statement_id: str) -> dict:
    """The statement that voids ``statement_id`` (its id derived from it, so voiding twice is one statement).
    https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#voided"""
    return {
        "id": str(uuid.uuid5(ID_NAMESPACE, f"voids {statement_id}")),
        "actor": actor(config),
        "verb": VOIDED,
        "object": {"objectType": "StatementRef", "id": statement_id},
    }
