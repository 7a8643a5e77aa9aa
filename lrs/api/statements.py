"""The Statements resource (xAPI-Communication.md §2.1): PUT, POST, GET and HEAD."""

from __future__ import annotations

import datetime as dt

import orjson
from flask import Response
from werkzeug.http import http_date

from lrs.api import cursors
from lrs.api.common import consistent_through, lrs_context, xapi_blueprint
from lrs.api.request import XAPIRequest, current
from lrs.ingest import save_statements
from lrs import rejected
from lrs.errors import BadRequest, LRSError, MethodNotAllowed, NotFound
from lrs.xapi import formats
from lrs.xapi.attachments import (
    AttachmentPart,
    build_multipart,
    parse_multipart,
)
from lrs.xapi.jsontext import parse_json
from lrs.xapi.query import (
    SINGLE_PARAMS,
    StatementQuery,
    check_known,
    parse_boolean,
    parse_format,
    parse_statement_query,
)
from lrs.xapi.versions import is_v2
from lrs.xapi.validation import validate_uuid


bp = xapi_blueprint("statements", __name__)

JSON = "application/json"
MULTIPART = "multipart/mixed"


@bp.route("/statements", methods=["GET", "HEAD", "PUT", "POST"])
def statements():
    xreq = current()
    if xreq.method in ("GET", "HEAD"):
        return get_statements(xreq)
    if xreq.method not in ("PUT", "POST"):
        raise MethodNotAllowed(f"the Statements resource does not allow {xreq.method}")
    try:
        return put_statement(xreq) if xreq.method == "PUT" else post_statements(xreq)
    except LRSError as error:
        # refused for what it holds: kept for the credential's owner to fix and send again (lrs/rejected.py)
        rejected.keep(lrs_context(), xreq, error)
        raise


# -- writing -------------------------------------------------------------------------


def _read_statements(xreq: XAPIRequest):
    """The parsed statement(s) of a PUT or POST, and its attachment parts by SHA-2."""
    if not xreq.body:
        raise BadRequest("the request has no body", location="body")
    if xreq.content_type == MULTIPART:
        body, parts = parse_multipart(xreq.body, xreq.header("content-type"),
                                      max_attachment_bytes=lrs_context().config.max_attachment_bytes)
        return parse_json(body, location="multipart part 1"), parts
    if xreq.content_type != JSON:
        raise BadRequest(
            f"statements must be sent as {JSON} or {MULTIPART}, not {xreq.content_type or 'no Content-Type'!r}",
            location="Content-Type",
        )
    return parse_json(xreq.body), {}


def _store(xreq: XAPIRequest, statements: list, parts: dict, *, statement_id: str | None = None) -> list[str]:
    xreq.extra["statements"] = len(statements)  # for the rejected-statements counter
    return save_statements(lrs_context(), statements, parts, access=xreq.access, version=xreq.version,
                           statement_id=statement_id)


def put_statement(xreq: XAPIRequest):
    check_known(xreq.params, ("statementId",))
    statement_id = xreq.params.get("statementId")
    if statement_id is None:
        raise BadRequest("PUT needs the statementId parameter", location="statementId")
    validate_uuid(statement_id, location="statementId")
    statement, parts = _read_statements(xreq)
    if not isinstance(statement, dict):
        raise BadRequest("PUT takes one statement, a JSON object", location="body")
    _store(xreq, [statement], parts, statement_id=statement_id)
    return Response(status=204)


def post_statements(xreq: XAPIRequest):
    check_known(xreq.params, ())
    body, parts = _read_statements(xreq)
    if isinstance(body, dict):
        body = [body]
    elif not isinstance(body, list):
        raise BadRequest("POST takes a statement (JSON object) or an array of statements", location="body")
    ids = _store(xreq, body, parts)
    return Response(orjson.dumps(ids), status=200, mimetype=JSON)


# -- reading -------------------------------------------------------------------------


def _consistent_through(response: Response) -> Response:
    response.headers["X-Experience-API-Consistent-Through"] = consistent_through()
    return response


def _render(json_text: str, fmt: str, xreq: XAPIRequest) -> str:
    downgrade = not is_v2(xreq.version) and formats.needs_downgrade(json_text)
    if fmt == "exact" and not downgrade:
        return json_text
    statement = orjson.loads(json_text)
    if downgrade:
        statement = formats.downgrade(statement)
    if fmt == "exact":
        return orjson.dumps(statement).decode()
    if fmt == "ids":
        statement = formats.ids(statement)
    else:
        statement = formats.canonical(statement, formats.parse_accept_language(xreq.header("accept-language")))
    return orjson.dumps(statement).decode()


def _attachment_parts(statement_ids: list[str], xreq: XAPIRequest) -> list[AttachmentPart]:
    """The bodies these statements carried, each once: never a body by its hash alone."""
    found = lrs_context().store.get_attachments(statement_ids, reach=xreq.access.reach())
    return [AttachmentPart(sha2, content_type, content) for sha2, (content_type, content) in found.items()]


def _respond(body: str, xreq: XAPIRequest, attachments: bool, statement_ids: list[str], **headers) -> Response:
    payload = body.encode()
    if attachments:
        payload, content_type = build_multipart(payload, _attachment_parts(statement_ids, xreq))
        response = Response(payload, status=200, content_type=content_type)
    else:
        response = Response(payload, status=200, mimetype=JSON)
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    if xreq.method == "HEAD":
        response.set_data(b"")
        response.headers["Content-Length"] = str(len(payload))
    return _consistent_through(response)


def _last_modified(stored: str) -> str:
    return http_date(dt.datetime.fromisoformat(stored))  # stored: %Y-%m-%dT%H:%M:%S.%fZ (UTC)


def get_statements(xreq: XAPIRequest):
    ctx = lrs_context()
    reach = xreq.access.reach()
    params = xreq.params
    single = [p for p in SINGLE_PARAMS if p in params]
    if single:
        if len(single) > 1:
            raise BadRequest("use statementId or voidedStatementId, not both", location=single[1])
        check_known(params, (single[0], "format", "attachments"))
        statement_id = params[single[0]]
        validate_uuid(statement_id, location=single[0])
        fmt = parse_format(params)
        attachments = parse_boolean(params, "attachments")
        # out of reach reads as absent: another person's statement is not theirs to know of
        found = ctx.store.get_statement(statement_id, reach=reach, voided=single[0] == "voidedStatementId")
        if found is None:
            raise NotFound(f"no statement with {single[0]} {statement_id}", location=single[0])
        return _respond(_render(found.json, fmt, xreq), xreq, attachments, [found.id],
                        Last_Modified=_last_modified(found.stored))

    if "more" in params:
        check_known(params, ("more",))
        query = StatementQuery.from_cursor(cursors.verify(params["more"], ctx.config.secret_key))
    else:
        query = parse_statement_query(params, version=xreq.version, max_limit=ctx.config.max_limit)
    limit = min(query.limit or ctx.config.default_limit, ctx.config.max_limit)
    page = ctx.store.query_statements(query, limit, reach=reach)
    rendered = ",".join(s.json for s in page.statements)
    if query.format != "exact" or (not is_v2(xreq.version) and ctx.store.may_hold_2_0_context()
                                   and formats.needs_downgrade(rendered)):  # asked after the page is read
        rendered = ",".join(_render(s.json, query.format, xreq) for s in page.statements)
    more = ""
    if page.more:
        more = f"{ctx.config.xapi_prefix}/statements?more={cursors.sign(page.more, ctx.config.secret_key)}"
    # one join: each `+` would copy the whole page (~150 KB) once more
    body = "".join(('{"statements":[', rendered, '],"more":', orjson.dumps(more).decode(), "}"))
    headers = {}
    if page.statements:
        newest = max(s.stored for s in page.statements)
        headers["Last_Modified"] = _last_modified(newest)
    return _respond(body, xreq, query.attachments, [s.id for s in page.statements], **headers)
