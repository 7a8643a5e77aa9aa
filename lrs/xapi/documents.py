"""Document resources (State, Activity Profile, Agent Profile; xAPI-Communication.md
§2.3–2.6): what is stored, how POST merges JSON, and the concurrency rules (§3.1).

The decision functions here run inside a store's write, against the document as it
is at that moment, so a precondition and the write it guards are one atomic step.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from lrs.errors import BadRequest, Conflict, PreconditionFailed
from lrs.xapi.jsontext import parse_json

STATE = "state"
ACTIVITY_PROFILE = "activity_profile"
AGENT_PROFILE = "agent_profile"
JSON = "application/json"


@dataclass(frozen=True)
class DocumentRef:
    """Where a document lives: its resource, its scope (activity, agent, registration) and id."""

    kind: str
    activity_id: str | None = None
    agent: str | None = None          # agent key (lrs.xapi.agents.agent_key)
    registration: str | None = None
    doc_id: str | None = None         # None: every document of the scope

    @property
    def scope(self) -> str:
        return json.dumps([self.activity_id, self.agent, self.registration], separators=(",", ":"))


@dataclass
class Document:
    content_type: str
    content: bytes
    etag: str = ""      # quoted, as sent in ETag headers
    updated: str = ""   # ISO 8601 UTC

    @classmethod
    def new(cls, content_type: str, content: bytes) -> "Document":
        etag = '"' + hashlib.sha1(content).hexdigest() + '"'
        updated = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return cls(content_type=content_type or "application/octet-stream", content=content, etag=etag,
                   updated=updated)

    @property
    def is_json(self) -> bool:
        return self.content_type.split(";")[0].strip().lower() == JSON


def _etags(header: str) -> set[str]:
    tags = set()
    for tag in header.split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag and not tag.startswith('"'):
            tag = f'"{tag}"'
        tags.add(tag)
    return tags


@dataclass(frozen=True)
class Preconditions:
    """The request's If-Match / If-None-Match, and whether a PUT must carry one."""

    if_match: str | None = None
    if_none_match: str | None = None
    #: a PUT over an existing document without either header is refused (409)
    required: bool = False
    #: ... and so is one that would create a document (400): 1.0.3 profiles need If-None-Match: * to
    #: create (the 1.0.3 conformance suite, XAPI-00273); 2.0 asks for 409 only, and the ADL reference
    #: LRS creates, so a 2.0 PUT without a precondition creates a new document as State does
    required_to_create: bool = False

    def check(self, existing: Document | None, *, is_put: bool = False) -> None:
        if self.if_match is not None:
            tags = _etags(self.if_match)
            if existing is None or ("*" not in tags and '"*"' not in tags and existing.etag not in tags):
                raise PreconditionFailed("If-Match does not match the document's current ETag", location="If-Match")
        if self.if_none_match is not None:
            tags = _etags(self.if_none_match)
            if existing is not None and ("*" in tags or '"*"' in tags or existing.etag in tags):
                raise PreconditionFailed("If-None-Match: the document exists already", location="If-None-Match")
        if is_put and self.required and self.if_match is None and self.if_none_match is None:
            if existing is None and self.required_to_create:
                raise BadRequest("a PUT here needs If-None-Match: * to create the document "
                                 "(or If-Match with the ETag of the one it replaces)", location="If-None-Match")
            if existing is None:
                return
            raise Conflict("the document exists: send If-Match with its ETag to replace it, "
                           "or If-None-Match: * to create it only if absent", location="If-Match")


def merge(existing: Document | None, content_type: str, content: bytes) -> Document:
    """POST semantics: merge a JSON object into an existing JSON object (top-level keys)."""
    incoming = Document.new(content_type, content)
    if existing is None:
        if incoming.is_json:
            _json_object(content, "body")
        return incoming
    if not (existing.is_json and incoming.is_json):
        raise BadRequest("POST merges JSON documents only: both the stored document and the body must be "
                         f"{JSON} objects; use PUT to replace", location="Content-Type")
    old = _json_object(existing.content, "stored document")
    new = _json_object(content, "body")
    old.update(new)
    return Document.new(JSON, json.dumps(old, ensure_ascii=False, separators=(",", ":")).encode())


def _json_object(content: bytes, location: str) -> dict:
    value = parse_json(content, location=location)
    if not isinstance(value, dict):
        raise BadRequest(f"the {location} must be a JSON object to be merged", location=location)
    return value
