"""``lrs serve``: gunicorn with threaded workers that slow clients cannot exhaust.

gunicorn's gthread worker hands a connection to a thread as soon as a byte arrives, and the
thread then blocks until the whole request head is in: a few clients sending their headers
a byte at a time hold every thread. :class:`Worker` reads the head without blocking, in the
worker's event loop, and commits a thread only once the head is complete. A head must arrive
within ``LRS_HEADER_TIMEOUT`` seconds and a body within ``LRS_BODY_TIMEOUT`` seconds, or the
connection is closed.
"""

from __future__ import annotations

import socket
import time

from gunicorn.app.base import BaseApplication
from gunicorn.workers import gthread

from lrs.files import PRIVATE_UMASK
from lrs.serving import BalancedThreadWorker

#: the most a request head may be before it is handed to gunicorn's parser (which limits it again)
MAX_HEAD = 64 * 1024


class _TimedSocket:
    """The socket as the request parser reads it: every read gives up at the request's deadline."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.deadline: float | None = None
        self.timed_out = False

    def recv(self, size: int) -> bytes:
        if self.deadline is None:
            return self.sock.recv(size)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.timed_out = True
            return b""
        self.sock.settimeout(remaining)
        try:
            return self.sock.recv(size)
        except (socket.timeout, TimeoutError):
            self.timed_out = True
            return b""  # read as the client going away: the request fails, the connection closes
        finally:
            self.sock.settimeout(None)

    def __getattr__(self, name):
        return getattr(self.sock, name)


class Worker(BalancedThreadWorker):
    """gthread, with request heads gathered in the event loop (see the module docstring), accepting
    connections least busy worker first, and not keeping them for ever (lrs/serving.py)."""

    header_timeout = 10.0
    body_timeout = 60.0

    def handle(self, conn):
        if not self.cfg.is_ssl and not (conn.parser is not None and conn.parser.unreader.buf.getvalue()):
            ready = self._gather_head(conn)
            if ready is not True:
                return ready
        if conn.parser is None:
            conn.init()
        reader = conn.parser.unreader
        if not isinstance(reader.sock, _TimedSocket):
            reader.sock = _TimedSocket(reader.sock)
        reader.sock.deadline = time.monotonic() + self.body_timeout
        keepalive = super().handle(conn)
        reader.sock.deadline = None
        if reader.sock.timed_out:
            self.log.info("closed a connection that did not send its request body in time")
            return self._drop(conn)
        return keepalive

    def _gather_head(self, conn):
        """Read what has arrived without blocking: True once the head is in (handed to the
        parser), else what ``handle`` answers: wait in the event loop, or close."""
        if getattr(conn, "lrs_head", None) is None:
            conn.lrs_head, conn.lrs_deadline = bytearray(), time.monotonic() + self.header_timeout
        try:
            chunk = conn.sock.recv(MAX_HEAD, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            chunk = None
        except OSError:
            return False
        if chunk == b"" and not conn.lrs_head:
            return False  # closed without a request
        conn.lrs_head += chunk or b""
        if b"\r\n\r\n" not in conn.lrs_head and len(conn.lrs_head) < MAX_HEAD and chunk != b"":
            if time.monotonic() > conn.lrs_deadline:
                self.log.info("closed a connection that did not send its request head in time")
                return self._drop(conn)
            conn.data_ready = False
            return gthread._DEFER
        conn.init()
        conn.parser.unreader.unread(bytes(conn.lrs_head))
        conn.lrs_head = conn.lrs_deadline = None
        conn.data_ready = True
        return True

    @staticmethod
    def _drop(conn) -> bool:
        """Close at once: gunicorn's graceful close lingers in the event loop reading what a slow
        client still sends, which would stall every other connection of the worker."""
        conn.close()
        return False

    def finish_request(self, conn, fs):
        super().finish_request(conn, fs)
        deadline = getattr(conn, "lrs_deadline", None)
        if deadline is not None and self.pending_conns and self.pending_conns[-1] is conn:
            conn.timeout = max(conn.timeout, deadline)  # a partial head waits up to its deadline


class Server(BaseApplication):
    """gunicorn, configured from the LRS settings, serving :func:`lrs.app.create_app`."""

    def __init__(self, config, *, host: str, port: int, workers: int, threads: int):
        self.lrs_config, self.host, self.port, self.workers, self.threads = config, host, port, workers, threads
        super().__init__()

    def load_config(self):
        Worker.header_timeout = self.lrs_config.header_timeout
        Worker.body_timeout = self.lrs_config.body_timeout
        self.cfg.set("bind", f"{self.host}:{self.port}")
        self.cfg.set("workers", self.workers)
        self.cfg.set("worker_class", "lrs.server.Worker")
        self.cfg.set("threads", self.threads)
        self.cfg.set("timeout", 60)
        # Keep-alive (gunicorn's 2 s) makes requests cheaper; LRS_KEEPALIVE=0 turns it off. The
        # worker spreads connections over the workers either way (lrs/serving.py).
        self.cfg.set("keepalive", self.lrs_config.keepalive)
        self.cfg.set("graceful_timeout", 10)
        self.cfg.set("accesslog", self.lrs_config.access_log or None)
        self.cfg.set("umask", PRIVATE_UMASK)  # gunicorn's own files (workers' heartbeats, sockets) too

    def load(self):
        from lrs.app import create_app

        return create_app(self.lrs_config)  # the configuration `lrs serve` read, in every worker
