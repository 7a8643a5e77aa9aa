"""Talking to another LRS over the xAPI: pulling a history and its documents, posting a batch.

Pulling asks for ``attachments=true`` (so attachment bodies come along, as
multipart/mixed, xAPI-Communication.md §2.1.3) in ascending order and follows
``more`` until the last page; scheduled pulls (lrs_cpd/pulling.py) read it a page at a
time, with the other LRS's X-Experience-API-Consistent-Through, to resume where they left.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import urljoin, urlsplit

import orjson

from lrs import (
    AGENT_PROFILE, agent_key, Answer, AttachmentPart, build_multipart, declared_attachments, DocumentRef, Guard,
    LRSError, OutboundError, split_parts, STATE, status_text,
)
from lrs_cpd.importing import DocumentEntry, Entry, Problem, StatementEntry, sha2_matches

def _endpoint(url: str) -> str:
    return url.rstrip("/") + "/"


def _origin(url: str) -> tuple[str, str | None, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, parts.hostname, parts.port or (443 if scheme == "https" else 80)


#: answers worth asking again later: the other LRS may be busy, restarting or rate limiting
RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})
CONSISTENT_THROUGH = "X-Experience-API-Consistent-Through"


@dataclass
class Page:
    """One page of a StatementResult, read: its entries, and what a puller needs to resume after it."""

    number: int                      # 1, 2, …
    entries: list[Entry]
    #: the other LRS's X-Experience-API-Consistent-Through (every statement stored up to it was visible)
    consistent_through: str | None
    #: the newest ``stored`` on the page
    newest: str | None
    #: whether a ``more`` link followed
    more: bool


def pull_pages(url: str, key: str, secret: str, *, guard: Guard, version: str = "1.0.3", page_size: int = 500,
               params: dict | None = None) -> Iterator[Page]:
    """Every statement the credential may read at the LRS ``url`` (its xAPI endpoint), oldest
    first, a page at a time (``since`` and ``agent`` in ``params`` narrow it).

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
                                retryable=response.status_code in RETRYABLE)
        try:
            result, parts = _statement_result(response)
        except (ValueError, KeyError, IndexError, LRSError):
            raise OutboundError(f"the LRS at {url} did not answer with xAPI statements (page {page + 1})",
                                retryable=False) from None
        entries: list[Entry] = []
        newest = None
        for position, statement in enumerate(result.get("statements") or []):
            where = f"page {page + 1}, statement {position + 1}"
            if not isinstance(statement, dict):
                entries.append(Problem(where, "not a statement"))
                continue
            own = {}
            for attachment in declared_attachments(statement):
                sha2 = str(attachment.get("sha2", "")).lower()
                if sha2 in parts:
                    own[sha2] = parts[sha2]
            entries.append(StatementEntry(statement, own, where))
            stored = instant(statement.get("stored"))
            if stored is not None and (newest is None or stored > newest):
                newest = stored
        more = result.get("more")
        address = urljoin(_endpoint(url), more) if more else None
        if address and _origin(address) != _origin(url):
            raise OutboundError(f"the LRS at {url} pointed its next page at another server; stopped after page"
                                f" {page + 1}", retryable=False)
        page += 1
        yield Page(page, entries, instant(response.headers.get(CONSISTENT_THROUGH)), newest, bool(address))
        query = None


def pull_statements(url: str, key: str, secret: str, *, guard: Guard, version: str = "1.0.3", page_size: int = 500,
                    params: dict | None = None) -> Iterator[Entry]:
    """:func:`pull_pages`, statement by statement: today's one-shot import."""
    for page in pull_pages(url, key, secret, guard=guard, version=version, page_size=page_size, params=params):
        yield from page.entries


def instant(value) -> str | None:
    """A timestamp as ``2026-03-10T09:00:00.123Z`` (UTC, milliseconds), comparable as text; None if it is none."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _http_instant(value: str | None) -> str:
    """An HTTP date (Last-Modified) as :func:`instant` writes times, or "" when there is none."""
    if not value:
        return ""
    try:
        return instant(email.utils.parsedate_to_datetime(value).isoformat()) or ""
    except (TypeError, ValueError):
        return ""


# -- documents ------------------------------------------------------------------------------------


def _document_ids(guard: Guard, address: str, url: str, query: dict, auth, headers, what: str) -> list[str]:
    response = guard.get(address, params=query, auth=auth, headers=headers)
    if response.status_code != 200:
        raise OutboundError(f"the LRS at {url} answered {status_text(response.status_code)} when asked for {what}",
                            retryable=response.status_code in RETRYABLE)
    try:
        ids = response.json()
    except ValueError:
        ids = None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise OutboundError(f"the LRS at {url} did not answer with document ids when asked for {what}",
                            retryable=False)
    return ids


def pull_documents(url: str, key: str, secret: str, *, guard: Guard, version: str = "1.0.3",
                   scopes: list[tuple[dict, str | None, str | None, str | None]]) -> Iterator[Entry]:
    """The state and agent profile documents of ``scopes`` at the LRS ``url``.

    Each scope is (agent, activity id, registration, since): with an activity id, the state
    documents of the agent in that activity (and registration); without, the agent's profile
    documents. ``since`` asks only for documents changed after it. State can only be listed
    per activity (xAPI-Communication.md §2.3), which is why the activities come from statements.
    """
    auth, headers = (key, secret), {"X-Experience-API-Version": version}
    for agent, activity_id, registration, since in scopes:
        agent_json = orjson.dumps(agent).decode()
        key_of = agent_key(agent)
        if activity_id is None:
            address, id_param, kind, what = urljoin(_endpoint(url), "agents/profile"), "profileId", AGENT_PROFILE, \
                "agent profiles"
            query = {"agent": agent_json}
        else:
            address, id_param, kind, what = urljoin(_endpoint(url), "activities/state"), "stateId", STATE, \
                "state documents"
            query = {"activityId": activity_id, "agent": agent_json}
            if registration:
                query["registration"] = registration
        if since:
            query["since"] = since
        for doc_id in _document_ids(guard, address, url, query, auth, headers, what):
            one = {k: v for k, v in query.items() if k != "since"}
            response = guard.get(address, params={**one, id_param: doc_id}, auth=auth, headers=headers)
            where = f"{what} {doc_id!r}"
            if response.status_code == 404:  # deleted since it was listed
                continue
            if response.status_code != 200:
                raise OutboundError(f"the LRS at {url} answered {status_text(response.status_code)} for {where}",
                                    retryable=response.status_code in RETRYABLE)
            ref = DocumentRef(kind, activity_id=activity_id, agent=key_of,
                              registration=registration.lower() if registration else None, doc_id=doc_id)
            yield DocumentEntry(ref, response.headers.get("Content-Type", "application/octet-stream"),
                                response.content, _http_instant(response.headers.get("Last-Modified")), where)


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
