"""Today's worker before the server choice (issue 18), kept for the benchmark only: gunicorn 27's
gthread worker extended with slow-client protections and least-busy accepting (it was
``lrs.server.Worker`` and ``lrs.serving.BalancedThreadWorker``). ``bench/serverchoice.py`` runs it as
``gunicorn -k bench.legacy_gunicorn.Worker lrs.wsgi:app`` beside the candidates; ``lrs serve`` no
longer uses it (docs/performance.md, "The server choice").
"""

from __future__ import annotations

import socket
import time

from gunicorn.workers import gthread
from gunicorn.workers.gthread import ThreadWorker

class BalancedThreadWorker(ThreadWorker):
    #: how long a worker stands back per connection it holds (seconds), and at most
    STEP_BACK = 0.002
    MAX_STEP_BACK = 0.02

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._back_until = 0.0
        self._accept_now = False
        self._notified = 0.0

    #: the heartbeat to the arbiter (a utime syscall) at most this often; stock gthread sends one
    #: on every turn of the event loop, several per request (the timeout is 60 s)
    NOTIFY_EVERY = 1.0

    def notify(self):
        now = time.monotonic()
        if now - self._notified >= self.NOTIFY_EVERY:
            self._notified = now
            super().notify()

    #: a keep-alive connection older than this (seconds) gets ``Connection: close`` on its next
    #: response; its client connects again, to the least busy worker then. Without it, clients that
    #: connected while only some workers were up (a restart under load) would stay on those for good.
    MAX_CONNECTION_AGE = 10.0

    def handle_request(self, req, conn):
        now = time.monotonic()
        born = getattr(conn, "lrs_born", None)
        if born is None:
            conn.lrs_born = now
        elif now - born > self.MAX_CONNECTION_AGE:
            req.must_close = True
        return super().handle_request(req, conn)

    def accept(self, listener):
        if self.nr_conns and not self._accept_now:
            self._back_until = time.monotonic() + min(self.STEP_BACK * self.nr_conns, self.MAX_STEP_BACK)
            ThreadWorker.set_accept_enabled(self, False)
            return
        super().accept(listener)

    def set_accept_enabled(self, enabled):
        if enabled and self._back_until:
            return  # standing back: wait_for_and_dispatch_events turns accepting on again
        super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout):
        if self._back_until:
            now = time.monotonic()
            if now < self._back_until:
                timeout = min(timeout, self._back_until - now)
            else:
                self._back_until = 0.0
                if self.alive and self.nr_conns < self.worker_connections:
                    super().set_accept_enabled(True)
                    self._accept_now = True  # a connection still waiting now is ours
        try:
            super().wait_for_and_dispatch_events(timeout)
        finally:
            self._accept_now = False


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from lrs.config import Config

        config = Config.from_env()
        self.header_timeout, self.body_timeout = config.header_timeout, config.body_timeout

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
