"""What every xAPI resource does alike: build the XAPIRequest, negotiate the version,
authenticate, answer CORS, and stamp the version header on the response."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request

from lrs.api.request import authenticate, build_request, negotiate_version
from lrs.xapi import versions

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, PUT, POST, DELETE, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match, Accept-Language"
    ),
    "Access-Control-Expose-Headers": (
        "ETag, Last-Modified, Content-Type, Content-Length, WWW-Authenticate, "
        "X-Experience-API-Version, X-Experience-API-Consistent-Through"
    ),
    "Access-Control-Max-Age": "86400",
}


#: documents are served byte for byte with the content type their writer chose: never sniffed,
#: never run as a page of the LRS's origin
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def consistent_through() -> str:
    """Asked of the store: only it knows which writes every reader sees (several processes may write)."""
    return lrs_context().store.consistent_through()


def lrs_context():
    return current_app.extensions["lrs"]


def xapi_blueprint(name: str, import_name: str, *, authenticated: bool = True,
                   version_required: bool = True) -> Blueprint:
    """A blueprint for one xAPI resource with the shared request handling attached."""
    bp = Blueprint(name, import_name)

    @bp.before_request
    def prepare():
        if request.method == "OPTIONS":
            return Response(status=200)
        xreq = build_request()
        g.xapi = xreq
        if version_required or xreq.header(versions.HEADER) is not None:
            negotiate_version(xreq)
        else:
            xreq.version = "2.0.0"
        if authenticated:
            authenticate(xreq)
        return None

    return bp


def response_version() -> str:
    xreq = g.get("xapi")
    if xreq is not None and xreq.version:
        return xreq.version
    sent = request.headers.get(versions.HEADER, "")
    if sent.startswith("2"):
        return "2.0.0"
    if sent.startswith("1"):
        return "1.0.3"
    return lrs_context().config.default_xapi_version


#: the CORS and security headers every xAPI answer carries unless its view set them, with their
#: lower-case names: made once, not for each of the ~1,000 answers a second
_STANDING_HEADERS = tuple((name.lower(), name, value)
                          for name, value in (*CORS_HEADERS.items(), *SECURITY_HEADERS.items()))


def finish_response(response: Response) -> Response:
    """After every xAPI request: version, CORS and security headers."""
    headers = response.headers
    headers[versions.HEADER] = response_version()
    present = {name.lower() for name, _ in headers.items()}
    flask_request = request._get_current_object()  # one context lookup instead of one per attribute
    if (flask_request.method in ("GET", "HEAD", "POST") and flask_request.path.endswith("/statements")
            and "x-experience-api-consistent-through" not in present):
        # clients compare it with `since` to know their view is complete, errors included
        headers.add("X-Experience-API-Consistent-Through", consistent_through())
    for lower, name, value in _STANDING_HEADERS:
        if lower not in present:
            headers.add(name, value)
    return response
