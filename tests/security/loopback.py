"""Real HTTP servers on 127.0.0.1 for the outbound tests, and a safety net for the rest of the network.

A :class:`LoopbackServer` answers every request with what its ``answer`` function returns and
records each request it receives, so a test can show that an address was never contacted.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable

import pytest


@dataclass
class Answer:
    status: int = 200
    headers: dict = field(default_factory=dict)
    #: the whole body, or pieces sent one after another (no Content-Length then: the end is the close)
    body: bytes | Iterable[bytes] = b""


@dataclass
class LoopbackServer:
    url: str
    port: int
    hits: list = field(default_factory=list)   # (method, path) of every request received


@contextlib.contextmanager
def loopback_server(answer: Callable[[str, str], Answer] = lambda method, path: Answer(), *,
                    tls: tuple[str, str] | None = None):
    """Serves on 127.0.0.1; with ``tls`` (certificate file, key file) over https."""
    record: list = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            record.append((self.command, self.path))
            reply = answer(self.command, self.path)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            try:
                if isinstance(reply.body, bytes):
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                else:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for piece in reply.body:
                        self.wfile.write(piece)
                        self.wfile.flush()
                    self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):  # the client stopped reading: as it should
                self.close_connection = True

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield LoopbackServer(f"{'https' if tls else 'http'}://127.0.0.1:{port}", port, record)
    finally:
        server.shutdown()
        server.server_close()


def trickle(pieces: int, every: float) -> Iterable[bytes]:
    """A body that arrives a byte at a time, bounded so the server stops by itself."""
    for _ in range(pieces):
        yield b" "
        time.sleep(every)


def _on_this_machine(address) -> bool:
    host = address[0] if isinstance(address, tuple) else None
    try:
        ip = ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


@pytest.fixture
def no_traffic_off_this_machine(monkeypatch):
    """Safety net, not proof: a TCP connection to any address but loopback fails here instead of leaving.

    The tests name private and link-local addresses; this workplace must never send them
    traffic, even when the code under test is wrong. A refused connection shows up as an
    ordinary connection error, which no test accepts as the guard's answer.
    """
    attempts: list = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _on_this_machine(address):
            attempts.append(address)
            raise ConnectionRefusedError(f"test safety net: no traffic to {address[0]}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts
