"""What an operator reads: ``/health`` (no credentials; 200, or 503 when the store does not
answer), ``/metrics`` (Prometheus text; a credential with scope ``all``, or none when
``LRS_METRICS_PUBLIC=1``) and one JSON line per request (``LRS_REQUEST_LOG``).

A built-in plugin. Counters are kept with prometheus_client; under ``lrs serve`` they are
shared by the workers through files in ``PROMETHEUS_MULTIPROC_DIR`` (set by ``lrs serve``),
so ``/metrics`` answers for the whole server whichever worker serves it.

Request logs never hold the Authorization header, secrets, query strings (they carry agents'
mboxes) or bodies: method, path, status, time taken, sizes, credential key, xAPI version.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from lrs import __version__
from lrs.errors import Forbidden, LRSError, StoreUnavailable
from lrs.files import open_private
from lrs.hookspecs import hookimpl

EXTENSION = "lrs.observability"
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: the reason label of a rejected statement, by the error's HTTP status
REASONS = {400: "invalid", 401: "unauthorized", 403: "forbidden", 409: "conflict", 413: "too_large",
           415: "invalid", 429: "rate_limited", 503: "store_unavailable"}


@dataclass
class Metrics:
    registry: Any
    requests: Any
    duration: Any
    stored: Any
    rejected: Any
    #: refused requests kept for their credential's owner (lrs/rejected.py), and kept ones removed
    rejected_kept: Any = None
    rejected_removed: Any = None
    #: the folder where the server's workers keep their counters (summed by /metrics), or ""
    multiprocess_dir: str = ""

    @classmethod
    def create(cls, multiprocess_dir: str = "") -> "Metrics":
        from prometheus_client import CollectorRegistry, Counter, Histogram

        registry = CollectorRegistry()
        return cls(
            registry=registry,
            requests=Counter("lrs_requests", "HTTP requests answered, by resource, method and status",
                             ["resource", "method", "status"], registry=registry),
            duration=Histogram("lrs_request_duration_seconds", "Time to answer a request, by resource",
                               ["resource"], registry=registry,
                               buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)),
            stored=Counter("lrs_statements_stored", "Statements newly stored", registry=registry),
            rejected=Counter("lrs_statements_rejected", "Statements refused, by reason", ["reason"],
                             registry=registry),
            rejected_kept=Counter("lrs_rejected_kept", "Refused statement requests kept for their credential's"
                                  " owner, by what of the body was kept (whole, statements, none)", ["kept"],
                                  registry=registry),
            rejected_removed=Counter("lrs_rejected_removed", "Kept refused requests removed, by why (expired,"
                                     " credential_limit, total_limit, resent, discarded)", ["reason"],
                                     registry=registry),
            multiprocess_dir=multiprocess_dir,
        )

    def exposition(self) -> bytes:
        from prometheus_client import CollectorRegistry, generate_latest, multiprocess

        if self.multiprocess_dir:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


class RequestLog:
    """JSON lines to stderr (``-``) or appended to a file.

    Each line is one ``write`` to a file opened with O_APPEND (no Python buffering, no lock): lines
    of the workers and their threads never interleave, and nothing waits in a buffer. Through
    ``sys.stderr`` it cost ~10 % of a small request's CPU; so, ~3 % (docs/performance.md)."""

    def __init__(self, target: str):
        if target == "-":
            self._stream, self._fd = sys.stderr, None
        else:
            self._stream = open_private(target, "ab", buffering=0)
            self._fd = self._stream.fileno()
        self._lock = threading.Lock()

    def write(self, record: dict) -> None:
        line = orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
        if self._fd is not None:
            os.write(self._fd, line)
            return
        with self._lock:
            self._stream.write(line.decode())
            self._stream.flush()


@dataclass
class Observability:
    metrics: Metrics
    log: RequestLog | None
    #: the labelled children of the request counter and histogram, by their labels
    counters: dict = field(default_factory=dict)
    histograms: dict = field(default_factory=dict)


def _state() -> Observability | None:
    return current_app.extensions.get(EXTENSION)


def metrics_of(lrs) -> Metrics | None:
    """The application's counters, also outside a request (commands, worker threads); None when off."""
    state = lrs.plugin_state(EXTENSION).get("state")
    return state.metrics if state is not None else None


bp = Blueprint("observability", __name__)


@bp.route("/health", methods=["GET", "HEAD"])
def health():
    store = current_app.extensions["lrs"].store
    try:
        store.ping()
    except LRSError:
        raise
    except Exception as error:
        raise StoreUnavailable(f"the store does not answer ({type(error).__name__})") from None
    body = {"status": "ok", "store": "ok", "version": __version__}
    return Response(orjson.dumps(body), mimetype="application/json", headers={"Cache-Control": "no-store"})


@bp.route("/metrics", methods=["GET"])
def metrics():
    ctx = current_app.extensions["lrs"]
    if not ctx.config.metrics_public:
        credential = ctx.pm.hook.authority_from_request(request=request, store=ctx.store, config=ctx.config, lrs=ctx)
        g.lrs_credential = credential
        if credential is None or "all" not in credential.scopes:
            raise Forbidden("/metrics needs a credential with the scope 'all'")
    return Response(_state().metrics.exposition(), mimetype="text/plain; version=0.0.4")


# -- hooks ----------------------------------------------------------------------------------


@hookimpl
def register_routes(app):
    return [bp]


@hookimpl
def startup(app, lrs):
    config = lrs.config
    state = Observability(metrics=Metrics.create(config.metrics_dir),
                          log=RequestLog(config.request_log) if config.request_log else None)
    app.extensions[EXTENSION] = state
    lrs.plugin_state(EXTENSION)["state"] = state

    @app.before_request
    def _started():
        g.lrs_started = time.perf_counter()

    @app.after_request
    def _answered(response):
        _record(state, response)
        return response


@hookimpl
def statements_stored(statements, lrs):
    state = lrs.plugin_state(EXTENSION).get("state")  # also outside a request (imports, the CLI)
    if state is not None:
        state.metrics.stored.inc(len(statements))


@hookimpl
def handle_exception(error, request):
    state = _state()
    xreq = g.get("xapi")
    method = xreq.method if xreq is not None else request.method
    if state is None or method not in ("PUT", "POST") or not request.path.endswith("/statements"):
        return None
    if isinstance(error, LRSError):
        status = error.status_code
    elif isinstance(error, HTTPException):
        status = error.code or 500
    else:
        status = 500
    count = xreq.extra.get("statements", 1) if xreq is not None else 1
    state.metrics.rejected.labels(reason=REASONS.get(status, "error")).inc(count)
    return None


def _declared_length(value: str | None) -> int:
    """The request's Content-Length as sent (0 when absent or not a number), without werkzeug's parsing."""
    return int(value) if value and value.isascii() and value.isdigit() else 0


def _record(state: Observability, response: Response) -> None:
    # the request and g looked up in the context once each, not once per attribute
    flask_request, request_g = request._get_current_object(), g._get_current_object()
    elapsed = time.perf_counter() - request_g.get("lrs_started", time.perf_counter())
    resource = flask_request.blueprint or "none"
    xreq = request_g.get("xapi")
    method = xreq.method if xreq is not None else flask_request.method
    status = response.status_code
    counter = state.counters.get((resource, method, status))
    if counter is None:  # prometheus_client's labels() costs more than the increment; kept per label set
        counter = state.counters[(resource, method, status)] = state.metrics.requests.labels(
            resource=resource, method=method, status=str(status))
    counter.inc()
    histogram = state.histograms.get(resource)
    if histogram is None:
        histogram = state.histograms[resource] = state.metrics.duration.labels(resource=resource)
    histogram.observe(elapsed)
    if state.log is None:
        return
    credential = getattr(xreq, "credential", None) if xreq is not None else request_g.get("lrs_credential")
    record = {
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
        "method": method,
        "path": flask_request.path,
        "status": response.status_code,
        "ms": round(elapsed * 1000, 2),
        "in": _declared_length(flask_request.environ.get("CONTENT_LENGTH")),
        "out": response.calculate_content_length(),
        "credential": getattr(credential, "key", None),
        "xapi_version": getattr(xreq, "version", None) or None,
        "remote": flask_request.remote_addr,
    }
    if response.status_code >= 400 and response.is_json:
        record["location"] = (response.get_json(silent=True) or {}).get("location")
    state.log.write(record)
