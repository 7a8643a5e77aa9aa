"""Requests per second per credential (``LRS_RATE_LIMIT``, burst ``LRS_RATE_BURST``): a token
bucket for each credential key, answered with 429 and Retry-After when empty.

A built-in plugin: it wraps ``authority_from_request``, so every authenticated request is
counted against the credential it acts with, whichever scheme authenticated it. Buckets live
in each worker process: with N workers a credential may reach N times the rate. Disable it
with ``LRS_DISABLE_PLUGINS=lrs.ratelimit``, or replace it by a plugin that shares buckets.
"""

from __future__ import annotations

import math
import threading
import time

from flask import current_app

from lrs.errors import TooManyRequests
from lrs.hookspecs import hookimpl

EXTENSION = "lrs.ratelimit"


class TokenBuckets:
    """``rate`` tokens a second, at most ``burst`` saved up, for each key."""

    def __init__(self, rate: float, burst: int, clock=time.monotonic):
        self.rate, self.burst, self.clock = rate, max(burst, 1), clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Spend a token of ``key`` or raise TooManyRequests saying when one will be there."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                wait = math.ceil((1 - tokens) / self.rate)
                raise TooManyRequests(f"this credential may make {self.rate:g} requests a second; "
                                      f"retry in {wait} s", headers={"Retry-After": str(wait)})
            self._buckets[key] = (tokens - 1, now)


@hookimpl
def startup(app):
    config = app.extensions["lrs"].config
    if config.rate_limit > 0:
        app.extensions[EXTENSION] = TokenBuckets(config.rate_limit, config.rate_burst or math.ceil(2 * config.rate_limit))


@hookimpl(wrapper=True)
def authority_from_request(request, store, config):
    credential = yield
    buckets = current_app.extensions.get(EXTENSION)
    if credential is not None and buckets is not None:
        buckets.take(credential.key)
    return credential
