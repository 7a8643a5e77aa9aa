"""What the contract tests of every part share: statements as the domain prepares them, and
the people and attachment bodies they name."""

from __future__ import annotations

import copy
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from lrs.access import Reach
from lrs.xapi.query import StatementQuery
from lrs.xapi.statements import prepare
from tests.conftest import EVERYTHING, statement


AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://example.org", "name": "tool"}}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def prepared(body=None, key="tool", **overrides):
    body = copy.deepcopy(body) if body is not None else statement(id=str(uuid.uuid4()), **overrides)
    return prepare(body, authority=AUTHORITY, authority_key=key, version="1.0.3", owners=None)


def ids(page):
    return [s.id for s in page.statements]


ERASED = "https://learnfolio.example/erased"


class Part:
    """An attachment body as stores receive it."""

    def __init__(self, content: bytes, content_type: str = "text/plain"):
        self.content, self.content_type = content, content_type


def with_attachment(actor, part: Part, **extra):
    import hashlib

    sha = hashlib.sha256(part.content).hexdigest()
    attachment = {"usageType": "http://example.com/u", "display": {"en": "notes"}, "contentType": part.content_type,
                  "length": len(part.content), "sha2": sha}
    carrier = prepared(actor=actor, attachments=[attachment], **extra)
    carrier.carries = [sha]  # as lrs.ingest sets it: the part came with this statement
    return carrier, sha


def person(backend, name):
    return backend.add_person(name, "hash")


def by(actor, **extra):
    return prepared(actor=actor, **extra)


def together(count, work):
    start = threading.Barrier(count)

    def run(i):
        start.wait()
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def q(backend, limit=20, authority_key=None, **filters):
    reach = Reach(None, authority_key=authority_key) if authority_key else EVERYTHING
    return ids(backend.query_statements(StatementQuery(**filters), limit, reach=reach))
