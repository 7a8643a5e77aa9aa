"""CPD test helpers: an app without a forwarding thread, a person, and histories stored fast."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from lrs.app import create_app
from lrs.auth.personal import create_person, person_agent
from lrs.ingest import save_batch
from lrs.xapi.agents import agent_key
from lrs.xapi.attachments import AttachmentPart
from lrs.xapi.documents import AGENT_PROFILE, STATE, Document, DocumentRef
from lrs.access import Access
from lrs_cpd.importing import person_credential
from lrs_space.vocabulary import TAGS, WAY
from tests.conftest import SECRET_KEY
from tests.plugins.space.conftest import PASSWORD, Browser  # noqa: F401  (re-exported for the tests)
from tests.conftest import EVERYTHING

COMPLETED = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en": "completed"}}


def make_app(home, **config):
    return create_app({"home": home, "secret_key": SECRET_KEY, "load_plugins": ("space", "cpd", "cpd_nursing"), "forward_worker": False, **config})


@pytest.fixture
def cpd_app(tmp_path):
    return make_app(tmp_path / "lrs")


@pytest.fixture
def ctx(cpd_app):
    return cpd_app.extensions["lrs"]


@pytest.fixture
def ann(ctx):
    return create_person(ctx.store, ctx.config, "ann", PASSWORD)


def record(ctx, person, number: int, *, day: str = "2026-03-10", minutes: int | None = 90, way: str | None = None,
           tags=(), reflection: str | None = "what I learned", title: str | None = None, **extra) -> dict:
    """A statement of ``person`` as a CPD source would send it."""
    statement = {
        "id": str(uuid.uuid4()),
        "actor": person_agent(ctx.config, person.username),
        "verb": COMPLETED,
        "object": {"objectType": "Activity", "id": f"https://courses.example.org/{number}",
                   "definition": {"name": {"en": title or f"Course {number}"},
                                  "type": "http://adlnet.gov/expapi/activities/course"}},
        "timestamp": f"{day}T09:00:00Z",
        "context": {"platform": "Example Academy"},
    }
    result = {}
    if minutes is not None:
        result["duration"] = f"PT{minutes}M"
    if reflection:
        result["response"] = reflection
    if result:
        statement["result"] = result
    extensions = {}
    if way:
        extensions[WAY] = way
    if tags:
        extensions[TAGS] = list(tags)
    if extensions:
        statement["context"]["extensions"] = extensions
    statement.update(extra)
    return statement


def attachment(content: bytes, content_type: str = "application/pdf", name: str = "certificate") -> tuple[dict, AttachmentPart]:
    sha2 = hashlib.sha256(content).hexdigest()
    meta = {"usageType": "https://learnfolio.example/attachments/evidence", "display": {"en": name},
            "contentType": content_type, "length": len(content), "sha2": sha2}
    return meta, AttachmentPart(sha2, content_type, content)


def store_statements(ctx, person, statements: list[dict], parts=None, batch: int = 500) -> None:
    """Store as the person's space would, in batches (the ingest path, without HTTP)."""
    parts = parts or {}
    access = Access.for_person(ctx.store, person, credential=person_credential(ctx.config, person, "test source"))
    for start in range(0, len(statements), batch):
        chunk = statements[start:start + batch]
        wanted = {a["sha2"] for s in chunk for a in s.get("attachments", [])}
        save_batch(ctx, chunk, {k: v for k, v in parts.items() if k in wanted}, access=access,
                   version="2.0.0")


def store_as_tool(ctx, statements: list[dict]) -> None:
    """Store as an organisation's tool would (all scopes): any actor."""
    from lrs.auth.credentials import Credential, tool_authority

    credential = Credential(key="test-tool", name="test tool", scopes=("all",),
                            authority=tool_authority("test-tool", "test tool"))
    save_batch(ctx, statements, {}, access=Access.for_credential(credential, ctx.store), version="2.0.0")


def put_documents(ctx, person, count: int = 10) -> list[DocumentRef]:
    key = agent_key(person_agent(ctx.config, person.username))
    refs = []
    for n in range(count):
        registration = str(uuid.UUID(int=n)) if n % 3 == 0 else None
        refs.append(DocumentRef(STATE, activity_id=f"https://courses.example.org/{n}", agent=key,
                                registration=registration, doc_id=f"bookmark-{n}"))
    refs.append(DocumentRef(AGENT_PROFILE, agent=key, doc_id="preferences"))
    for n, ref in enumerate(refs):
        content = b'{"page": %d}' % n if n % 2 else bytes(range(256)) * (n + 1)
        content_type = "application/json" if n % 2 else "application/octet-stream"
        ctx.store.change_document(ref, lambda _, c=content, t=content_type: Document.new(t, c), reach=EVERYTHING)
    return refs
