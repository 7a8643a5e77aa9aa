"""Talking to another LRS over the xAPI Statements API: pulling a history, posting a batch.

Pulling asks for ``attachments=true`` (so attachment bodies come along, as
multipart/mixed, xAPI-Communication.md §2.1.3) in ascending order and follows
``more`` until the last page.
"""

from __future__ import annotations

from typing import Iterator
from urllib.parse import urljoin, urlsplit

import orjson

from lrs import (
    Answer, AttachmentPart, build_multipart, declared_attachments, Guard, LRSError, OutboundError, split_parts,
    status_text,
)
from lrs_cpd.importing import Entry, Problem, StatementEntry, sha2_matches

def _endpoint(url: str) -> str:
    return url.rstrip("/") + "/"


def _origin(url: str) -> tuple[str, str | None, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, parts.hostname, parts.port or (443 if scheme == "https" else 80)


def pull_statements(url: str, key: str, secret: str, *, guard: Guard, version: str = "1.0.3", page_size: int = 500,
                    params: dict | None = None) -> Iterator[Entry]:
    """Every statement the credential may read at the LRS ``url`` (its xAPI endpoint), oldest first.

    Each page is a request through ``guard`` (lrs.outbound): the address and every ``more``
    link must be ones the server may contact, and a ``more`` link stays on the same server.
    """
    headers = {"X-Experience-API-Version": version}
    address = urljoin(_endpoint(url), "statements")
    query = {"limit": str(page_size), "ascending": "true", "attachments": "true", "format": "exact",
             **(params or {})}
    page = 0
    while address:
        response = guard.get(address, params=query, auth=(key, secret), headers=headers)
        if response.status_code != 200:
            raise OutboundError(f"the LRS at {url} answered {status_text(response.status_code)}",
                                retryable=response.status_code >= 500)
        try:
            result, parts = _statement_result(response)
        except (ValueError, KeyError, IndexError, LRSError):
            raise OutboundError(f"the LRS at {url} did not answer with xAPI statements (page {page + 1})",
                                retryable=False) from None
        for position, statement in enumerate(result.get("statements") or []):
            where = f"page {page + 1}, statement {position + 1}"
            if not isinstance(statement, dict):
                yield Problem(where, "not a statement")
                continue
            own = {}
            for attachment in declared_attachments(statement):
                sha2 = str(attachment.get("sha2", "")).lower()
                if sha2 in parts:
                    own[sha2] = parts[sha2]
            yield StatementEntry(statement, own, where)
        more = result.get("more")
        address = urljoin(_endpoint(url), more) if more else None
        if address and _origin(address) != _origin(url):
            raise OutboundError(f"the LRS at {url} pointed its next page at another server; stopped after page"
                                f" {page + 1}", retryable=False)
        query = None
        page += 1


def _statement_result(response: Answer) -> tuple[dict, dict]:
    content_type = response.headers.get("Content-Type", "")
    if content_type.lower().startswith("multipart/"):
        parts = split_parts(response.content, content_type)
        result = orjson.loads(parts[0][1])
        attachments = {}
        for headers, content in parts[1:]:
            sha2 = (headers.get("x-experience-api-hash") or "").lower()
            if sha2 and sha2_matches(sha2, content):
                attachments[sha2] = (headers.get("content-type", "application/octet-stream"), content)
        return result, attachments
    result = response.json()
    if not isinstance(result, dict):
        raise ValueError("not a StatementResult")
    return result, {}


def post_statements(http: Guard, url: str, key: str, secret: str, statements: list[str],
                    attachments: dict[str, tuple[str, bytes]]) -> Answer:
    """POST stored statements (JSON texts) to the LRS ``url``, with their attachment bodies if any.

    ``http`` is the guard of lrs.outbound (anything with its ``post``), so forwarding reaches
    only addresses the server may contact.
    """
    body = b"[" + b",".join(s.encode() for s in statements) + b"]"
    versions = {orjson.loads(s).get("version", "1.0.0")[:1] for s in statements}
    headers = {"X-Experience-API-Version": "2.0.0" if "2" in versions else "1.0.3"}
    if attachments:
        parts = [AttachmentPart(sha2, content_type, content) for sha2, (content_type, content) in attachments.items()]
        body, headers["Content-Type"] = build_multipart(body, parts)
    else:
        headers["Content-Type"] = "application/json"
    return http.post(urljoin(_endpoint(url), "statements"), data=body, auth=(key, secret), headers=headers)
