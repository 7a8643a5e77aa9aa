"""Typed errors, and the one place that turns them into xAPI error responses.

Views, the xAPI domain and the stores raise these; :func:`error_body` is the
only code that shapes the JSON an xAPI client sees, so every error reads alike.
"""

from __future__ import annotations


class LRSError(Exception):
    """Base of every error a client can cause; carries its HTTP status."""

    status_code = 500
    headers: dict[str, str] = {}

    def __init__(self, message: str, *, location: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        #: where in the request the problem is, e.g. ``statement[2].actor.mbox``
        self.location = location
        if headers:
            self.headers = {**self.headers, **headers}

    def to_dict(self) -> dict:
        body = {"error": True, "code": self.status_code, "message": self.message}
        if self.location:
            body["location"] = self.location
        return body


class BadRequest(LRSError):
    status_code = 400


class OutboundError(BadRequest):
    """A request to an address someone gave (another LRS) was refused or failed.

    The message is always Learnfolio's own (what, where, why), never the other server's text,
    so no page or log becomes a window onto a server the person cannot reach themselves.
    ``retryable`` says whether trying again later could succeed (forwarding retries those).
    """

    retryable = True

    def __init__(self, message: str, *, retryable: bool | None = None, location: str | None = "url"):
        super().__init__(message, location=location)
        if retryable is not None:
            self.retryable = retryable


class BlockedAddress(OutboundError):
    """The address is on the server's own network (loopback, private, link-local …) and not on
    the operator's allow-list (``LRS_OUTBOUND_ALLOW``)."""

    retryable = False


class Unauthorized(LRSError):
    status_code = 401
    headers = {"WWW-Authenticate": 'Basic realm="xAPI"'}


class Forbidden(LRSError):
    status_code = 403


class NotFound(LRSError):
    status_code = 404


class MethodNotAllowed(LRSError):
    status_code = 405


class Conflict(LRSError):
    status_code = 409


class PreconditionFailed(LRSError):
    status_code = 412


class PayloadTooLarge(LRSError):
    status_code = 413


class UnsupportedMediaType(LRSError):
    status_code = 415


class PreconditionRequired(LRSError):
    status_code = 428


class TooManyRequests(LRSError):
    status_code = 429


class StoreUnavailable(LRSError):
    """The store could not answer (locked too long, connection lost): retry later."""

    status_code = 503
    headers = {"Retry-After": "1"}
