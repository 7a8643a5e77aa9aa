"""The gunicorn worker ``lrs serve`` runs: gthread, spreading connections over the workers.

Every worker watches the shared listening socket, and a new connection wakes them
all; stock gthread lets whichever is first accept it, so a busy worker that
happens to run at that moment takes connection after connection, and a few
keep-alive clients may all end up in one process (one core, one GIL) while the
others idle. Here a worker that already holds connections steps back from the
socket for a moment that grows with how many it holds (2 ms each, at most
20 ms), so an idle or less busy worker takes the connection first: least
connections, without shared state. A connection nobody else takes is accepted
when the moment ends. Only connection set-up waits; requests on open
connections never do, and the worker's loop keeps running meanwhile.

Connections are not kept for ever: after 10 s one is closed at the end of a
response (``Connection: close``) and its client connects again, so clients that
connected while only some workers were up (start-up, a restart under load)
spread out within seconds. It also sends its heartbeat to the arbiter once a
second rather than on every turn of its event loop.
"""

from __future__ import annotations

import time

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
