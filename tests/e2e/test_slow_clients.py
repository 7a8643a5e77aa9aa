"""Slow and half-open clients do not exhaust the server: request heads are gathered without
holding a thread, and heads and bodies that do not arrive in time close their connection."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from tests.soak.crash import Server, free_port, init_home

SLOW_CLIENTS = 8  # four times the server's threads


@pytest.fixture
def small_server(tmp_path):
    """One worker with two threads, and short timeouts."""
    port = free_port()
    init_home(tmp_path, port)
    server = Server(tmp_path, port, workers=1, threads=2, LRS_HEADER_TIMEOUT="2", LRS_BODY_TIMEOUT="2")
    server.start()
    yield server
    server.stop()


def _trickle(port: int, payload: bytes, stop: threading.Event, closed: list, delay: float = 0.2):
    sock = socket.create_connection(("127.0.0.1", port))
    started = time.monotonic()
    try:
        for byte in payload:
            if stop.is_set():
                return
            sock.send(bytes([byte]))
            time.sleep(delay)
    except OSError:
        closed.append(time.monotonic() - started)
    finally:
        sock.close()


def test_clients_sending_headers_byte_by_byte_do_not_stop_other_requests(small_server):
    stop, closed = threading.Event(), []
    head = b"GET /xapi/about HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: yes\r\n" * 100
    slow = [threading.Thread(target=_trickle, args=(small_server.port, head, stop, closed), daemon=True)
            for _ in range(SLOW_CLIENTS)]
    for thread in slow:
        thread.start()
    time.sleep(0.5)
    try:
        for moment in range(16):  # before, at and after LRS_HEADER_TIMEOUT
            started = time.monotonic()
            assert requests.get(f"{small_server.base}/about", timeout=5).status_code == 200
            assert time.monotonic() - started < 1, moment
            time.sleep(0.25)
        time.sleep(1)
        assert len(closed) == SLOW_CLIENTS  # closed by the server soon after the timeout
        assert all(seconds < 3.5 for seconds in closed), closed
    finally:
        stop.set()


def test_a_body_that_does_not_arrive_in_time_closes_the_connection(small_server):
    sock = socket.create_connection(("127.0.0.1", small_server.port))
    sock.sendall(b"PUT /xapi/statements?statementId=00000000-0000-4000-8000-000000000000 HTTP/1.1\r\n"
                 b"Host: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
                 b"X-Experience-API-Version: 1.0.3\r\n\r\n{")
    started = time.monotonic()
    sock.settimeout(10)
    answer = b""
    while True:
        data = sock.recv(4096)
        if not data:
            break
        answer += data
    assert time.monotonic() - started < 5
    assert not answer.startswith(b"HTTP/1.1 2")
    assert requests.get(f"{small_server.base}/about", timeout=5).status_code == 200


def test_half_open_connections_do_not_hold_threads(small_server):
    idle = [socket.create_connection(("127.0.0.1", small_server.port)) for _ in range(SLOW_CLIENTS)]
    try:
        for _ in range(5):
            started = time.monotonic()
            assert requests.get(f"{small_server.base}/about", timeout=5).status_code == 200
            assert time.monotonic() - started < 1
    finally:
        for sock in idle:
            sock.close()
