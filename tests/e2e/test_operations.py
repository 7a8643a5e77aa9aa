"""Operating a real server: /health, and /metrics counting for all workers together."""

from __future__ import annotations

import uuid

import requests

from tests.conftest import statement
from tests.test_observability import _metric


def test_health_over_http(server):
    base, _, _ = server
    response = requests.get(base.removesuffix("/xapi") + "/health", timeout=5)
    assert response.status_code == 200 and response.json()["store"] == "ok"


def test_metrics_add_up_the_counters_of_every_worker(server):
    base, session, _ = server
    metrics_url = base.removesuffix("/xapi") + "/metrics"
    assert requests.get(metrics_url, timeout=5).status_code == 401
    before = _metric(session.get(metrics_url).text, "lrs_statements_stored_total")
    for _ in range(20):  # a new connection each time, so the requests spread over the workers
        batch = [statement(id=str(uuid.uuid4())) for _ in range(5)]
        response = requests.post(f"{base}/statements", json=batch, auth=session.auth, timeout=10,
                                 headers={**session.headers, "Connection": "close"})
        assert response.status_code == 200
    after = _metric(session.get(metrics_url).text, "lrs_statements_stored_total")
    assert after - before == 100
