"""What a user's own load test sees (issue 18, target 5): a plain threaded client, one
``http.client`` keep-alive connection per thread, nothing tuned, against the same server and
workloads as the bench's asyncio client, one right after the other; the two must agree within 15 %.

    .venv/bin/python -m bench.run --sizes 100000 --plain-check --concurrency 4 --duration 8
"""

from __future__ import annotations

import base64
import http.client
import threading
import time

from bench.run import Result


def plain_closed_loop(server, name: str, make, concurrency: int, duration: float, size: int) -> Result:
    """``concurrency`` threads, each with its own keep-alive connection, sending until ``duration``."""
    result = Result(server.name, name + " (plain)", concurrency, size)
    token = base64.b64encode(f"{server.auth[0]}:{server.auth[1]}".encode()).decode()
    base = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
    lock = threading.Lock()
    deadline = time.perf_counter() + duration
    making = threading.Lock()  # the workloads' request factories are not thread-safe

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        while time.perf_counter() < deadline:
            with making:
                method, path, body, headers, count = make()[:5]
            headers = {**base, **(headers or {}), **({"Content-Type": "application/json"} if body else {})}
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body or None, headers=headers)
                response = response_of(connection)
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                status = 599
            elapsed = time.perf_counter() - started
            with lock:
                result.latencies.append(elapsed)
                result.requests += 1
                if status >= 400:
                    result.errors += 1
                else:
                    result.statements += count
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    cpu0, t0 = server.cpu_seconds(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - t0
    result.server_cpu = server.cpu_seconds() - cpu0
    result.worker_rss_mb = max(server.worker_rss()) / 2**20
    return result


def response_of(connection):
    response = connection.getresponse()
    response.read()
    return response
