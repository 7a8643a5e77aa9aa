"""What the three document resources share: reading their parameters into a
DocumentRef, and answering GET/PUT/POST/DELETE with ETags and preconditions."""

from __future__ import annotations

import datetime as dt

import orjson
from flask import Response
from werkzeug.http import http_date

from lrs.api.common import lrs_context
from lrs.api.request import XAPIRequest
from lrs.errors import BadRequest, MethodNotAllowed, NotFound
from lrs.xapi import documents
from lrs.xapi.agents import agent_key
from lrs.xapi.documents import Document, DocumentRef, Preconditions
from lrs.xapi.query import parse_agent_param
from lrs.xapi.validation import parse_timestamp, validate_activity_id, validate_uuid
from lrs.xapi.versions import is_v2


def required(params: dict, name: str) -> str:
    value = params.get(name)
    if value is None:
        raise BadRequest(f"the {name} parameter is required", location=name)
    return value


def activity_param(params: dict) -> str:
    value = required(params, "activityId")
    validate_activity_id(value, location="activityId")
    return value


def agent_param(params: dict, version: str) -> str:
    return agent_key(parse_agent_param(required(params, "agent"), version=version))


def registration_param(params: dict) -> str | None:
    value = params.get("registration")
    if value is not None:
        validate_uuid(value, location="registration")
        value = value.lower()
    return value


def _http_date(updated: str) -> str:
    return http_date(dt.datetime.fromisoformat(updated.replace("Z", "+00:00")))


def _since(params: dict, version: str) -> str | None:
    since = params.get("since")
    if since is None:
        return None
    moment = parse_timestamp(since, location="since", version=version)
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def serve_document(xreq: XAPIRequest, ref: DocumentRef, id_param: str, resource: str, *,
                   allow_multi_delete: bool = False) -> Response:
    """Answer one document request; ``ref.doc_id`` is None when the id parameter is absent."""
    ctx = lrs_context()
    store = ctx.store
    method = xreq.method
    reach = xreq.access.documents(resource, "read" if method in ("GET", "HEAD") else "write", ref.agent)

    if method in ("GET", "HEAD"):
        if ref.doc_id is None:
            rows = store.document_ids(ref, _since(xreq.params, xreq.version), reach=reach)
            response = Response(orjson.dumps([doc_id for doc_id, _ in rows]), mimetype="application/json")
            if rows:
                response.headers["Last-Modified"] = _http_date(max(updated for _, updated in rows))
        else:
            if "since" in xreq.params:
                raise BadRequest(f"since applies only when {id_param} is absent", location="since")
            document = store.get_document(ref, reach=reach)
            if document is None:
                raise NotFound(f"no document with {id_param} {ref.doc_id!r} here", location=id_param)
            response = Response(document.content, content_type=document.content_type)
            response.headers["ETag"] = document.etag
            response.headers["Last-Modified"] = _http_date(document.updated)
        if method == "HEAD":
            length = len(response.get_data())
            response.set_data(b"")
            response.headers["Content-Length"] = str(length)
        return response

    if "since" in xreq.params:
        raise BadRequest("since applies only to GET", location="since")
    if method == "DELETE" and ref.doc_id is None:
        if not allow_multi_delete:
            raise BadRequest(f"DELETE needs the {id_param} parameter", location=id_param)
        store.delete_documents(ref, reach=reach)
        return Response(status=204)
    if ref.doc_id is None:
        raise BadRequest(f"{method} needs the {id_param} parameter", location=id_param)

    v2 = is_v2(xreq.version)
    conditions = Preconditions(
        if_match=xreq.header("if-match"),
        if_none_match=xreq.header("if-none-match"),
        required=resource != "state" or v2,
        required_to_create=resource != "state" and not v2,
    )
    content_type = xreq.header("content-type") or "application/octet-stream"
    body = xreq.body

    if method == "PUT":
        def change(existing):
            conditions.check(existing, is_put=True)
            if content_type.split(";")[0].strip().lower() == documents.JSON:
                documents.merge(None, content_type, body)  # a JSON document must parse
            return Document.new(content_type, body)
    elif method == "POST":
        def change(existing):
            conditions.check(existing)
            return documents.merge(existing, content_type, body)
    elif method == "DELETE":
        def change(existing):
            conditions.check(existing)
            return None  # deleting what is not there is done already (DELETE is idempotent)
    else:
        raise MethodNotAllowed(f"{method} is not allowed here")
    new = store.change_document(ref, change, reach=reach)
    response = Response(status=204)
    if new is not None:
        response.headers["ETag"] = new.etag
    return response

