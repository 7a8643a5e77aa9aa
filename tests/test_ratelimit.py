"""Requests per second per credential: 429 with Retry-After past the burst, per credential."""

from __future__ import annotations

import pytest

from lrs.app import create_app
from lrs.errors import TooManyRequests
from lrs.ratelimit import TokenBuckets
from tests.conftest import SECRET_KEY, XAPIClient, add_credential


def test_token_buckets_refill_at_the_rate():
    now = [0.0]
    buckets = TokenBuckets(rate=2, burst=3, clock=lambda: now[0])
    for _ in range(3):
        buckets.take("a")
    with pytest.raises(TooManyRequests) as caught:
        buckets.take("a")
    assert caught.value.headers["Retry-After"] == "1"
    buckets.take("b")  # another credential has its own bucket
    now[0] = 0.5
    buckets.take("a")  # one token back after half a second at 2/s
    with pytest.raises(TooManyRequests):
        buckets.take("a")


def test_over_the_limit_is_429_with_retry_after_and_other_credentials_go_on(tmp_path):
    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "rate_limit": 1, "rate_burst": 3})
    store = app.extensions["lrs"].store
    noisy = XAPIClient(app.test_client(), add_credential(store, key="noisy"))
    quiet = XAPIClient(app.test_client(), add_credential(store, key="quiet"))
    statuses = [noisy.get("/xapi/statements").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    refused = noisy.get("/xapi/statements")
    assert refused.json["code"] == 429 and int(refused.headers["Retry-After"]) >= 1
    assert quiet.get("/xapi/statements").status_code == 200
    assert app.test_client().get("/xapi/about").status_code == 200  # no credential, no bucket


def test_no_limit_by_default(client):
    assert all(client.get("/xapi/statements").status_code == 200 for _ in range(300))


def test_rate_limit_plugin_can_be_disabled(tmp_path):
    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "rate_limit": 1, "rate_burst": 1,
                      "disable_plugins": ("lrs.ratelimit",)})
    client = XAPIClient(app.test_client(), add_credential(app.extensions["lrs"].store))
    assert [client.get("/xapi/statements").status_code for _ in range(3)] == [200, 200, 200]
