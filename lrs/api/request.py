"""One xAPI request, whatever syntax it came in: the views read :class:`XAPIRequest`,
never Flask's request, so the 1.0.3 alternate request syntax (xAPI-Communication.md
§1.3: ``POST ?method=PUT`` with headers and content in a form body) is handled once."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from flask import current_app, g, request

from lrs.access import Access
from lrs.errors import BadRequest, Unauthorized
from lrs.xapi import versions

#: form fields of the alternate syntax that stand for HTTP headers
ALT_HEADERS = {
    "authorization": "Authorization",
    "x-experience-api-version": "X-Experience-API-Version",
    "content-type": "Content-Type",
    "content-length": "Content-Length",
    "if-match": "If-Match",
    "if-none-match": "If-None-Match",
}
ALT_METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD")


@dataclass
class XAPIRequest:
    method: str
    params: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    version: str = ""  # set by negotiate_version
    credential: object = None
    #: who is asking, resolved once (lrs.access): every view asks it, and nothing else, about ownership
    access: object = None
    alternate: bool = False
    extra: dict = field(default_factory=dict)

    def header(self, name: str, default=None):
        return self.headers.get(name.lower(), default)

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()


def _single_params(pairs) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise BadRequest(f"the parameter {name!r} is given more than once", location=name)
        if "\x00" in name or "\x00" in value:
            raise BadRequest("parameters may not contain NUL characters", location=name)
        params[name] = value
    return params


def _headers(environ: dict) -> dict[str, str]:
    """The request headers by lower-case name, as werkzeug's EnvironHeaders lists them (faster)."""
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key != "HTTP_CONTENT_TYPE" and key != "HTTP_CONTENT_LENGTH":
                headers[key[5:].replace("_", "-").lower()] = value
        elif (key == "CONTENT_TYPE" or key == "CONTENT_LENGTH") and value:
            headers[key.replace("_", "-").lower()] = value
    return headers


def build_request() -> XAPIRequest:
    """Read Flask's request into an XAPIRequest (alternate syntax included)."""
    flask_request = request._get_current_object()  # one context lookup instead of one per attribute
    try:
        query_pairs = parse_qsl(flask_request.query_string.decode("utf-8"), keep_blank_values=True,
                                errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("the query string is not valid UTF-8", location="query") from None
    params = _single_params(query_pairs)
    headers = _headers(flask_request.environ)
    method = flask_request.method
    if method == "POST" and "method" in params:
        return _alternate(params, headers)
    return XAPIRequest(method=method, params=params, headers=headers, body=_body(flask_request))


def _body(flask_request) -> bytes:
    """The request's body. A request with neither Content-Length nor Transfer-Encoding has none
    (RFC 9112 §6.3): most GETs, answered without building werkzeug's input stream (a tenth of a
    small request's CPU). Any other is read as werkzeug reads it, limits and 413 included."""
    environ = flask_request.environ
    if not environ.get("CONTENT_LENGTH") and "HTTP_TRANSFER_ENCODING" not in environ:
        return b""
    return flask_request.get_data()


def _alternate(params: dict, headers: dict) -> XAPIRequest:
    version_header = headers.get("x-experience-api-version")
    method = params.pop("method").upper()
    if params:
        raise BadRequest("with the alternate request syntax only 'method' may be in the query string",
                         location=next(iter(params)))
    if method not in ALT_METHODS:
        raise BadRequest(f"'method' must be one of {', '.join(ALT_METHODS)}", location="method")
    content_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise BadRequest("an alternate-syntax request must have a form body "
                         "(Content-Type: application/x-www-form-urlencoded)", location="Content-Type")
    try:
        form = parse_qsl(request.get_data().decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("the form body is not valid UTF-8", location="body") from None
    fields = _single_params(form)
    new_headers = {k: v for k, v in headers.items() if k not in ("content-type", "content-length")}
    body = b""
    out_params = {}
    for name, value in fields.items():
        low = name.lower()
        if low in ALT_HEADERS:
            new_headers[low] = value
        elif name == "content":
            body = value.encode("utf-8")
        else:
            out_params[name] = value
    if version_header and "x-experience-api-version" not in {k.lower() for k in fields}:
        new_headers["x-experience-api-version"] = version_header
    if body and "content-type" not in new_headers:
        new_headers["content-type"] = "application/json"
    return XAPIRequest(method=method, params=out_params, headers=new_headers, body=body, alternate=True)


def current() -> XAPIRequest:
    return g.xapi


def negotiate_version(xreq: XAPIRequest) -> None:
    xreq.version = versions.negotiate(xreq.header(versions.HEADER))
    if xreq.alternate and versions.is_v2(xreq.version):
        raise BadRequest("the alternate request syntax was removed in xAPI 2.0", location="method")


def authenticate(xreq: XAPIRequest):
    ctx = current_app.extensions["lrs"]
    # the hook may read the Authorization header from the form body of an alternate-syntax request
    proxy = _HeaderView(request, xreq.headers)
    credential = ctx.pm.hook.authority_from_request(request=proxy, store=ctx.store, config=ctx.config, lrs=ctx)
    if credential is None:
        raise Unauthorized("no authentication scheme of this LRS recognised the request")
    xreq.credential = credential
    xreq.access = Access.for_credential(credential, ctx.store)
    return credential


class _HeaderView:
    """The Flask request, with headers as the xAPI request has them."""

    def __init__(self, flask_request, headers: dict):
        self._request = flask_request
        self.headers = _CaseInsensitive(headers)

    def __getattr__(self, name):
        return getattr(self._request, name)


class _CaseInsensitive(dict):
    def get(self, key, default=None):
        return super().get(key.lower(), default)
