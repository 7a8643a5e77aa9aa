"""Everything a person owns, in one archive: re-importable into another Learnfolio.

The archive (format ``learnfolio-personal-archive/1``, docs/space.md "Everything I own") holds
every statement of the person exactly as stored (earlier versions and voiding statements
included, in the order they were stored), the attachment bodies they carried, the state and
agent profile documents of their identities, and their own items of the kinds plugins name
with ``archive_kinds``: goals and their links, annotations, shares they made, their settings
(the space's, CPD's). Its ``statements``, ``attachments`` and ``documents`` have the shape of
CPD's xAPI archive, so any importer of that reads them too.

Importing it into another Learnfolio makes it the importing person's: statements whose actor
was one of the archive's identities get the person's account as actor (the one they had is
kept in the ``…/extensions/imported-actor`` extension), items are made anew for the person.
Not carried: keys and passwords (secrets of this server), forwarding rules (they hold another
LRS's credentials), chat links (they are this server's), shares made *to* the person.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Callable

import orjson

from lrs import (
    Access, AGENT_PROFILE, AttachmentPart, Document, DocumentRef, Item, LRSError, STATE, StatementQuery,
    VOIDED_VERB, agent_key, named_registrations, person_agent, save_batch,
)

FORMAT = "learnfolio-personal-archive/1"
IMPORTED_ACTOR = "https://learnfolio.example/xapi/extensions/imported-actor"
BATCH = 250
MAX_PROBLEMS = 200


@dataclass(frozen=True)
class ArchiveKind:
    """A kind of a person's items that goes in their archive (``archive_kinds``).

    ``ids`` says how an imported item is named: ``person`` (one per person: its id is the
    person's id, settings), ``statement`` (one per person and record: ``<person id>:<statement
    id>``, annotations) or ``own`` (its own id, kept unless another person's item has it).
    ``adopt(item, importing)`` may change an item for its new home, or return None to leave it out.
    """

    name: str
    title: str
    ids: str = "own"
    adopt: Callable | None = None


def archive_kinds(pm) -> dict[str, ArchiveKind]:
    return named_registrations(pm.hook.archive_kinds(), "an archive kind")


# -- writing ---------------------------------------------------------------------------------


def person_statements(store, access) -> list[str]:
    """Every statement of the person as stored (JSON text), voided ones included, in stored order."""
    reach = access.reach()
    found: list[tuple[str, str]] = []
    voided: list[str] = []
    query = StatementQuery(ascending=True)
    while True:
        page = store.query_statements(query, 500, reach=reach)
        for stored in page.statements:
            found.append((stored.stored, stored.json))
            if '"' + VOIDED_VERB + '"' in stored.json:
                statement = orjson.loads(stored.json)
                if statement["verb"]["id"] == VOIDED_VERB:
                    voided.append(statement["object"]["id"])
        if not page.more:
            break
        query = StatementQuery.from_cursor(page.more)
    for target in dict.fromkeys(voided):
        stored = store.get_statement(target, reach=reach, voided=True)
        if stored is not None:
            found.append((stored.stored, stored.json))
    found.sort(key=lambda pair: pair[0])
    return [text for _, text in found]


def write_archive(lrs, person, access, out) -> None:
    """The whole archive of ``person`` (read through ``access``, theirs) as JSON into ``out``."""
    store = lrs.store
    identities = store.list_identities(person.id, verified=True)
    reach = access.reach()
    texts = person_statements(store, access)
    carriers = [orjson.loads(t)["id"] for t in texts if '"attachments"' in t]
    attachments = {}
    for start in range(0, len(carriers), 100):
        for sha2, (content_type, content) in store.get_attachments(carriers[start:start + 100], reach=reach).items():
            attachments[sha2] = {"contentType": content_type, "content": base64.b64encode(content).decode()}
    documents = []
    for identity in identities:
        for ref in store.agent_documents(identity.key, reach=reach):
            document = store.get_document(ref, reach=reach)
            if document is not None:
                documents.append({"resource": ref.kind, "activityId": ref.activity_id, "agent": identity.agent,
                                  "agentKey": identity.key, "registration": ref.registration, "id": ref.doc_id,
                                  "contentType": document.content_type, "updated": document.updated,
                                  "content": base64.b64encode(document.content).decode()})
    items = {}
    for kind in archive_kinds(lrs.pm).values():
        items[kind.name] = [{"item_id": item.item_id, "ref": item.ref, "body": item.body, "created": item.created}
                            for item in store.list_items(kind.name, person_id=person.id)]
    head = {"format": FORMAT, "exported": dt.datetime.now(dt.timezone.utc).isoformat(),
            "person": {"username": person.username, "email": person.email,
                       "identities": [i.agent for i in identities]}}
    out.write(orjson.dumps(head)[:-1] + b',\n"statements":[\n')
    out.write(b",\n".join(t.encode() for t in texts))
    out.write(b'\n],\n"attachments":' + orjson.dumps(attachments) + b',\n"documents":' + orjson.dumps(documents)
              + b',\n"items":' + orjson.dumps(items) + b"}\n")


# -- reading ---------------------------------------------------------------------------------


@dataclass
class Importing:
    """One import: where it goes, and what became of what."""

    lrs: object
    person: object
    access: Access
    old_keys: set[str]
    ids: dict[str, str] = field(default_factory=dict)        # an own item's id in the archive → here
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def store(self):
        return self.lrs.store

    def count(self, what: str, n: int = 1) -> None:
        if n:
            self.counts[what] = self.counts.get(what, 0) + n

    def problem(self, text: str) -> None:
        self.count("problems")
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


def read_archive(data: bytes) -> dict:
    """The archive in ``data``; ValueError with a message for the person when it is not one."""
    try:
        archive = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise ValueError("This file is not JSON: choose the archive Learnfolio gave you.") from None
    if not isinstance(archive, dict) or archive.get("format") != FORMAT:
        raise ValueError("This file is not a Learnfolio archive of everything a person owns"
                         f" (format {FORMAT}); an xAPI file is imported on the CPD log's import page.")
    return archive


def import_archive(lrs, person, access: Access, archive: dict) -> Importing:
    """Make an archive's statements, documents and items the person's own here."""
    old = {agent_key(a) for a in (archive.get("person") or {}).get("identities") or [] if isinstance(a, dict)}
    importing = Importing(lrs, person, access, {k for k in old if k})
    _import_statements(importing, archive)
    _import_documents(importing, archive.get("documents") or [])
    _import_items(importing, archive.get("items") or {})
    return importing


def _parts(archive: dict, importing: Importing) -> dict[str, AttachmentPart]:
    parts = {}
    for sha2, body in (archive.get("attachments") or {}).items():
        try:
            content = base64.b64decode(body["content"], validate=True)
            content_type = str(body["contentType"])
        except (KeyError, TypeError, ValueError):
            importing.problem(f"attachment {sha2[:16]}: no contentType and base64 content")
            continue
        algorithm = {56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}.get(len(sha2))
        if algorithm is None or hashlib.new(algorithm, content).hexdigest() != sha2.lower():
            importing.problem(f"attachment {sha2[:16]}: its content does not have its SHA-2 hash")
            continue
        parts[sha2.lower()] = AttachmentPart(sha2=sha2.lower(), content_type=content_type, content=content)
    return parts


def _adopt_statement(statement: dict, importing: Importing) -> dict | None:
    """The statement as the person's: their account as actor when it was one of the archive's identities."""
    if importing.access.may_write_as(statement):
        return statement
    actor = statement.get("actor") or {}
    named = {agent_key(actor)} | {agent_key(m) for m in actor.get("member") or [] if isinstance(m, dict)}
    if not named & importing.old_keys:
        return None
    mapped = copy.deepcopy(statement)
    mapped.setdefault("context", {}).setdefault("extensions", {})[IMPORTED_ACTOR] = actor
    mapped["actor"] = person_agent(importing.lrs.config, importing.person.username)
    return mapped


def _save(importing: Importing, statements: list[dict], parts: dict) -> None:
    if not statements:
        return
    wanted = {a.get("sha2", "").lower() for s in statements for a in s.get("attachments") or [] if isinstance(a, dict)}
    batch_parts = {sha2: part for sha2, part in parts.items() if sha2 in wanted}
    version = "2.0.0" if any(str(s.get("version", "1.0.0")).startswith("2.") for s in statements) else "1.0.3"
    try:
        saved = save_batch(importing.lrs, [copy.deepcopy(s) for s in statements], batch_parts,
                           access=importing.access, version=version)
    except LRSError as error:
        if len(statements) == 1:
            importing.problem(f"statement {statements[0].get('id', '?')}: {error.message}")
            return
        for statement in statements:  # one spoils the batch: find which
            _save(importing, [statement], parts)
        return
    importing.count("statements stored", len(saved.new_ids))
    importing.count("statements already here", len(statements) - len(saved.new_ids))


def _import_statements(importing: Importing, archive: dict) -> None:
    parts = _parts(archive, importing)
    batch: list[dict] = []
    for position, statement in enumerate(archive.get("statements") or []):
        if not isinstance(statement, dict):
            importing.problem(f"statements[{position}]: not a statement")
            continue
        adopted = _adopt_statement(statement, importing)
        if adopted is None:
            importing.problem(f"statements[{position}]: its actor is none of the archive's identities")
            continue
        if (adopted.get("verb") or {}).get("id") == VOIDED_VERB:
            _save(importing, batch, parts)  # what it voids is stored first (a person voids only what is there)
            batch = []
        batch.append(adopted)
        if len(batch) >= BATCH or (adopted.get("verb") or {}).get("id") == VOIDED_VERB:
            _save(importing, batch, parts)
            batch = []
    _save(importing, batch, parts)


def _import_documents(importing: Importing, documents: list) -> None:
    mine = agent_key(person_agent(importing.lrs.config, importing.person.username))
    for position, doc in enumerate(documents):
        try:
            kind = doc["resource"]
            if kind not in (STATE, AGENT_PROFILE):
                raise ValueError(f"resource {kind!r} is not state or agent_profile")
            key = doc.get("agentKey") or agent_key(doc["agent"])
            if not importing.access.reaches_documents_of(key):
                if key not in importing.old_keys:
                    raise ValueError("its agent is none of the archive's identities")
                key = mine
            ref = DocumentRef(kind, activity_id=doc.get("activityId") if kind == STATE else None, agent=key,
                              registration=doc.get("registration") if kind == STATE else None, doc_id=doc["id"])
            content = base64.b64decode(doc["content"], validate=True)
            content_type = str(doc["contentType"])
        except (KeyError, TypeError, ValueError) as error:
            importing.problem(f"documents[{position}]: {error}")
            continue

        def change(current: Document | None) -> Document | None:
            if current is not None:
                return current  # one is there already: kept as it is
            importing.count("documents stored")
            return Document.new(content_type, content)

        try:
            importing.store.change_document(ref, change, reach=importing.access.documents(kind, "write", key))
        except LRSError as error:
            importing.problem(f"documents[{position}]: {error.message}")


def _import_items(importing: Importing, items: dict) -> None:
    kinds = archive_kinds(importing.lrs.pm)
    store = importing.store
    person_id = importing.person.id
    ordered = sorted(items.items(), key=lambda kv: kv[0] == "share")  # shares last: they name goals
    for name, entries in ordered:
        kind = kinds.get(name)
        if kind is None or not isinstance(entries, list):
            importing.problem(f"items of kind {name!r}: this Learnfolio does not keep them")
            continue
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("body"), dict):
                importing.problem(f"an item of kind {name!r} is not one")
                continue
            ref = entry.get("ref")
            if kind.ids == "person":
                item_id = str(person_id)
            elif kind.ids == "statement":
                if not ref:
                    continue
                item_id = f"{person_id}:{str(ref).lower()}"
            else:
                item_id = str(entry.get("item_id") or secrets.token_hex(8))
                existing = store.get_item(name, item_id)
                if existing is not None and not importing.access.owns_item(existing):
                    importing.ids[item_id] = item_id = secrets.token_hex(8)
            item = Item(name, item_id, person_id, dict(entry["body"]), ref=ref)
            if kind.adopt is not None:
                item = kind.adopt(item, importing)
                if item is None:
                    continue
            store.put_item(item)
            importing.count(kind.title)
