"""Import: statements (with attachments) and documents into a person's space or a whole store.

Importers (``register_importers``) turn a file into :data:`Entry` values;
:func:`run_import` stores them through :func:`lrs.ingest.save_batch`, the same
path as the Statements resource: statement ids are kept, a statement stored
already is skipped, and an invalid statement is reported without stopping the
rest. ``stored`` is always this LRS's own (xAPI-Data.md §2.4.8); ``authority``
is kept only for an operator's restore (see docs/cpd.md).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import time
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterable, Iterator, Union

import orjson

from lrs import (
    Access, agent_key, AGENT_PROFILE, AttachmentPart, BadRequest, Credential, declared_attachments, Document,
    DocumentRef, LRSError, person_agent, personal_authority, PERSONAL_SCOPES, save_batch, STATE, tool_authority,
    VOIDED_VERB,
)
from lrs_cpd.registrations import Importer

#: where a mapped statement keeps the actor it had in the other LRS
IMPORTED_ACTOR = "https://learnfolio.example/xapi/extensions/imported-actor"
BATCH = 250
MAX_PROBLEMS = 1000


@dataclass
class StatementEntry:
    statement: dict
    #: attachment bodies by SHA-2: (content type, bytes)
    attachments: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    position: str = ""


@dataclass
class DocumentEntry:
    ref: DocumentRef
    content_type: str
    content: bytes
    updated: str = ""
    position: str = ""


@dataclass
class Problem:
    position: str
    message: str


Entry = Union[StatementEntry, DocumentEntry, Problem]


# -- reading xAPI JSON: our archive, a JSON array, JSON lines -------------------------------------


_HASHES = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


def sha2_matches(sha2: str, content: bytes) -> bool:
    """Whether ``content`` has the SHA-2 hash ``sha2`` (any of the lengths xAPI allows)."""
    algorithm = _HASHES.get(len(sha2))
    return algorithm is not None and algorithm(content).hexdigest() == sha2.lower()


def _unwrap(value) -> dict | None:
    """A statement, also from a Learning Locker style export row (``{"statement": {...}, ...}``)."""
    if isinstance(value, dict) and "actor" not in value and isinstance(value.get("statement"), dict):
        value = value["statement"]
    return value if isinstance(value, dict) else None


def _statement_entries(values: Iterable, attachments: dict, where: str) -> Iterator[Entry]:
    for position, value in enumerate(values):
        statement = _unwrap(value)
        label = f"{where}[{position}]"
        if statement is None:
            yield Problem(label, "not a statement (a JSON object)")
            continue
        parts = {}
        for attachment in declared_attachments(statement):
            sha2 = str(attachment.get("sha2", "")).lower()
            if sha2 in attachments:
                parts[sha2] = attachments[sha2]
        yield StatementEntry(statement, parts, label)


def _archive_entries(archive: dict) -> Iterator[Entry]:
    attachments = {}
    for sha2, body in (archive.get("attachments") or {}).items():
        try:
            content = base64.b64decode(body["content"], validate=True)
            content_type = body["contentType"]
        except (KeyError, TypeError, ValueError):
            yield Problem(f"attachments.{sha2[:16]}", "an attachment needs contentType and base64 content")
            continue
        if not sha2_matches(sha2, content):
            yield Problem(f"attachments.{sha2[:16]}", "the attachment's content does not have its SHA-2 hash")
            continue
        attachments[sha2.lower()] = (content_type, content)
    yield from _statement_entries(archive.get("statements") or [], attachments, "statements")
    for position, doc in enumerate(archive.get("documents") or []):
        label = f"documents[{position}]"
        try:
            kind = doc["resource"]
            if kind not in (STATE, AGENT_PROFILE):
                raise ValueError(f"resource {kind!r} is not state or agent_profile")
            key = doc.get("agentKey") or agent_key(doc["agent"])
            if key is None:
                raise ValueError("the document's agent has no identifier")
            ref = DocumentRef(kind, activity_id=doc.get("activityId") if kind == STATE else None, agent=key,
                              registration=doc.get("registration") if kind == STATE else None, doc_id=doc["id"])
            yield DocumentEntry(ref, doc["contentType"], base64.b64decode(doc["content"], validate=True),
                                doc.get("updated", ""), label)
        except (KeyError, TypeError, ValueError) as error:
            yield Problem(label, f"not a document this LRS can read: {error}")


def read_xapi(stream: BinaryIO) -> Iterator[Entry]:
    """A Learnfolio archive, a JSON array of statements, one statement, or JSON lines (one per line)."""
    head = stream.read(4096)
    first = head.lstrip()[:1]
    if first in (b"{", b"["):
        data = head + stream.read()
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            if first == b"{":  # JSON lines start with "{" too
                yield from _json_lines(data.splitlines())
                return
            yield Problem("file", "not valid JSON")
            return
        if isinstance(value, list):
            yield from _statement_entries(value, {}, "statements")
        elif isinstance(value, dict) and isinstance(value.get("statements"), list):
            yield from _archive_entries(value)
        else:
            yield from _statement_entries([value], {}, "statements")
        return
    yield from _json_lines(_lines(head, stream))


def _lines(head: bytes, stream: BinaryIO) -> Iterator[bytes]:
    rest = b""
    chunk = head
    while chunk:
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        yield from lines
        chunk = stream.read(1 << 20)
    if rest:
        yield rest


def _json_lines(lines: Iterable[bytes]) -> Iterator[Entry]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            yield Problem(f"line {number}", "not valid JSON")
            continue
        for entry in _statement_entries([value], {}, "line"):
            entry.position = f"line {number}"
            yield entry


XAPI_IMPORTER = Importer(
    name="xapi", title="xAPI statements (JSON)", read=read_xapi,
    accepts=lambda head: head.lstrip()[:1] in (b"{", b"["),
    description="a Learnfolio archive, or statements as a JSON array or JSON lines from another LRS"
                " (Learning Locker, SQL LRS, …)")


# -- storing ----------------------------------------------------------------------------------


@dataclass
class Target:
    """Where imported statements go, and how far they are trusted."""

    #: who writes them (lrs.access): a person's access puts them in that person's record only
    access: Access
    #: the person whose space they go to (their actor must be one of the person's identities), or None
    person: object = None
    #: a statement by someone else gets the person's account as actor (the old one kept in an extension)
    map_actor: bool = False
    #: keep each statement's own authority: an operator's restore only
    keep_authority: bool = False
    #: a document that changed at its source replaces ours (a scheduled pull keeps copies current);
    #: otherwise a different one is kept as it is
    update_documents: bool = False


def operator_target(store, config, username: str | None, *, map_actor: bool = False) -> Target:
    """What ``lrs import`` uses: the operator is trusted, so authorities are kept (xAPI-Data.md §2.4.9)."""
    if username is None:
        credential = Credential(key="lrs-import", name="lrs import", scopes=("all",),
                                authority=tool_authority("lrs-import", "lrs import"))
        return Target(Access.for_credential(credential, store), keep_authority=True)
    person = store.get_person(username)
    if person is None:
        raise BadRequest(f"no person named {username!r}", location="person")
    return person_target(store, config, person, map_actor=map_actor, name="lrs import", keep_authority=True)


def person_target(store, config, person, *, map_actor: bool = False, name: str = "Learnfolio import",
                  keep_authority: bool = False) -> Target:
    """Into a person's own record: written with their access, so only their statements and documents."""
    access = Access.for_person(store, person, credential=person_credential(config, person, name))
    return Target(access, person, map_actor, keep_authority=keep_authority)


def person_credential(config, person, name: str = "Learnfolio import") -> Credential:
    """The LRS acting for a person who imports their own records: their authority, not a tool's."""
    key = "cpd-import"
    return Credential(key=f"{key}:{person.id}", name=name, scopes=PERSONAL_SCOPES,
                      authority=personal_authority(key, name, config, person.username), person_id=person.id)


@dataclass
class ImportReport:
    statements: int = 0        # read
    stored: int = 0            # newly stored
    duplicates: int = 0        # stored already (identical)
    documents: int = 0         # newly stored
    documents_same: int = 0    # stored already, identical
    documents_kept: int = 0    # a different one was there: kept, not overwritten
    documents_updated: int = 0  # a newer one from its source replaced ours (Target.update_documents)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    seconds: float = 0.0

    def problem(self, position: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(position, message))

    def summary(self) -> str:
        text = (f"{self.statements} statements read: {self.stored} stored, {self.duplicates} already there,"
                f" {self.problem_count} problems; documents: {self.documents} stored, {self.documents_same}"
                f" already there, {self.documents_kept} kept as they were (a different one exists)")
        return text + f" ({self.seconds:.1f} s)"

    def to_dict(self) -> dict:
        return {**{k: v for k, v in self.__dict__.items() if k != "problems"},
                "problems": [p.__dict__ for p in self.problems]}


def _map_actor(statement: dict, person, config) -> dict:
    mapped = copy.deepcopy(statement)
    context = mapped.setdefault("context", {})
    context.setdefault("extensions", {})[IMPORTED_ACTOR] = statement["actor"]
    mapped["actor"] = person_agent(config, person.username)
    return mapped


def run_import(ctx, entries: Iterable[Entry], target: Target, *,
               progress: Callable[[int], None] | None = None) -> ImportReport:
    """Store what an importer read; ``progress(n)`` is told of each n entries handled."""
    started = time.monotonic()
    report = ImportReport()
    batch: list[StatementEntry] = []
    voiding: list[StatementEntry] = []

    def flush():
        if batch:
            _store_statements(ctx, batch, target, report)
            if progress:
                progress(len(batch))
            batch.clear()

    for entry in entries:
        if isinstance(entry, Problem):
            report.problem(entry.position, entry.message)
        elif isinstance(entry, DocumentEntry):
            _store_document(ctx, entry, target, report)
            if progress:
                progress(1)
        else:
            report.statements += 1
            statement = entry.statement
            if isinstance(statement.get("actor"), dict) and not target.access.may_write_as(statement):
                if not target.map_actor:
                    report.problem(entry.position, "its actor is not one of your identities: claim that identity"
                                                   " first, or import with the actor mapped to your account")
                    continue
                entry = StatementEntry(_map_actor(statement, target.person, ctx.config), entry.attachments,
                                       entry.position)
            if (statement.get("verb") or {}).get("id") == VOIDED_VERB:
                voiding.append(entry)  # after everything else: a person voids only what is there (lrs.access)
                continue
            batch.append(entry)
            if len(batch) >= BATCH:
                flush()
    for entry in voiding:
        batch.append(entry)
        if len(batch) >= BATCH:
            flush()
    flush()
    report.seconds = time.monotonic() - started
    return report


def _save(ctx, entries: list[StatementEntry], target: Target):
    parts = {}
    for entry in entries:
        for sha2, (content_type, content) in entry.attachments.items():
            parts[sha2] = AttachmentPart(sha2=sha2, content_type=content_type, content=content)
    statements = [copy.deepcopy(e.statement) for e in entries]
    version = "2.0.0" if any(str(s.get("version", "1.0.0")).startswith("2.") for s in statements) else "1.0.3"
    return save_batch(ctx, statements, parts, access=target.access, version=version,
                      keep_authority=target.keep_authority)


def _store_statements(ctx, entries: list[StatementEntry], target: Target, report: ImportReport) -> None:
    try:
        saved = _save(ctx, entries, target)
    except LRSError:
        # one statement spoils the batch: store them one by one to report exactly which
        for entry in entries:
            try:
                saved = _save(ctx, [entry], target)
            except LRSError as error:
                where = (error.location or "").replace("statement[0]", "statement")
                report.problem(entry.position, f"{error.message} ({where})" if where else error.message)
            else:
                report.stored += len(saved.new_ids)
                report.duplicates += 1 - len(saved.new_ids)
        return
    report.stored += len(saved.new_ids)
    report.duplicates += len(entries) - len(saved.new_ids)


def _store_document(ctx, entry: DocumentEntry, target: Target, report: ImportReport) -> None:
    ref = entry.ref
    if not target.access.reaches_documents_of(ref.agent):
        if not target.map_actor:
            report.problem(entry.position, "the document belongs to an agent that is not one of your identities")
            return
        ref = DocumentRef(ref.kind, activity_id=ref.activity_id, agent=agent_key(
            person_agent(ctx.config, target.person.username)), registration=ref.registration, doc_id=ref.doc_id)
    outcome = []

    def change(current: Document | None) -> Document | None:
        if current is None:
            new = Document.new(entry.content_type, entry.content)
            if entry.updated:
                new.updated = entry.updated
            outcome.append("stored")
            return new
        if current.content == entry.content:
            outcome.append("same")
            return current
        if target.update_documents and entry.updated and entry.updated >= current.updated:
            new = Document.new(entry.content_type, entry.content)
            new.updated = entry.updated
            outcome.append("updated")
            return new
        outcome.append("kept")
        return current

    try:
        reach = target.access.documents(ref.kind, "write", ref.agent)
        ctx.store.change_document(ref, change, reach=reach)
    except LRSError as error:
        report.problem(entry.position, error.message)
        return
    if outcome[-1] == "stored":
        report.documents += 1
    elif outcome[-1] == "same":
        report.documents_same += 1
    elif outcome[-1] == "updated":
        report.documents_updated += 1
    else:
        report.documents_kept += 1


def choose_importer(importers: dict[str, Importer], name: str | None, head: bytes) -> Importer:
    if name:
        if name not in importers:
            raise BadRequest(f"no importer named {name!r}; there are: {', '.join(sorted(importers))}",
                             location="format")
        return importers[name]
    for importer in importers.values():
        if importer.accepts(head):
            return importer
    raise BadRequest("no importer recognises this file; name its format", location="format")
