"""Talking to another LRS over the xAPI Statements API: pulling a history, posting a batch.

Pulling asks for ``attachments=true`` (so attachment bodies come along, as
multipart/mixed, xAPI-Communication.md §2.1.3) in ascending order and follows
``more`` until the last page.
"""

from __future__ import annotations

from typing import Iterator
from urllib.parse import urljoin

import orjson
import requests

from lrs.errors import BadRequest
from lrs.xapi.attachments import AttachmentPart, build_multipart, declared_attachments, split_parts
from lrs_cpd.importing import Entry, Problem, StatementEntry, sha2_matches

TIMEOUT = 30


class RemoteError(BadRequest):
    """The other LRS refused or could not be reached."""


def _endpoint(url: str) -> str:
    return url.rstrip("/") + "/"


def pull_statements(url: str, key: str, secret: str, *, version: str = "1.0.3", page_size: int = 500,
                    session: requests.Session | None = None, params: dict | None = None) -> Iterator[Entry]:
    """Every statement the credential may read at the LRS ``url`` (its xAPI endpoint), oldest first."""
    http = session or requests.Session()
    headers = {"X-Experience-API-Version": version}
    address = urljoin(_endpoint(url), "statements")
    query = {"limit": str(page_size), "ascending": "true", "attachments": "true", "format": "exact",
             **(params or {})}
    page = 0
    while address:
        try:
            response = http.get(address, params=query, auth=(key, secret), headers=headers, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise RemoteError(f"the LRS at {url} could not be reached: {error}", location="url") from None
        if response.status_code != 200:
            raise RemoteError(f"the LRS at {url} answered {response.status_code}: {response.text[:200]}",
                              location="url")
        result, parts = _statement_result(response)
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
        query = None
        page += 1


def _statement_result(response) -> tuple[dict, dict]:
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
    return response.json(), {}


def post_statements(http: requests.Session, url: str, key: str, secret: str, statements: list[str],
                    attachments: dict[str, tuple[str, bytes]]) -> requests.Response:
    """POST stored statements (JSON texts) to the LRS ``url``, with their attachment bodies if any."""
    body = b"[" + b",".join(s.encode() for s in statements) + b"]"
    versions = {orjson.loads(s).get("version", "1.0.0")[:1] for s in statements}
    headers = {"X-Experience-API-Version": "2.0.0" if "2" in versions else "1.0.3"}
    if attachments:
        parts = [AttachmentPart(sha2, content_type, content) for sha2, (content_type, content) in attachments.items()]
        body, headers["Content-Type"] = build_multipart(body, parts)
    else:
        headers["Content-Type"] = "application/json"
    return http.post(urljoin(_endpoint(url), "statements"), data=body, auth=(key, secret), headers=headers,
                     timeout=TIMEOUT)
