"""The gunicorn worker of `lrs serve` (lrs/serving.py): least-busy-first accepting, connections
that do not stay on one worker for good, a heartbeat once a second."""

from __future__ import annotations

import types

from gunicorn.workers.gthread import ThreadWorker

from lrs import serving
from lrs.serving import BalancedThreadWorker


def worker(nr_conns=0):
    w = object.__new__(BalancedThreadWorker)
    w.nr_conns, w.worker_connections, w.alive = nr_conns, 1000, True
    w._back_until, w._accept_now, w._notified, w._accepting = 0.0, False, 0.0, True
    return w


class Listener:
    def __init__(self):
        self.accepted = 0

    def accept(self):
        self.accepted += 1
        raise BlockingIOError(11, "no connection left")  # ThreadWorker.accept ignores EAGAIN


def test_an_idle_worker_accepts_at_once_a_busy_one_steps_back(monkeypatch):
    enabled = []
    monkeypatch.setattr(ThreadWorker, "set_accept_enabled", lambda self, on: enabled.append(on))
    idle, busy, listener = worker(0), worker(3), Listener()
    idle.accept(listener)
    assert listener.accepted == 1
    busy.accept(listener)
    assert listener.accepted == 1 and enabled == [False] and busy._back_until > 0
    busy.set_accept_enabled(True)  # gunicorn's loop asks again: still standing back
    assert enabled == [False]


def test_after_stepping_back_the_worker_takes_a_connection_still_waiting(monkeypatch):
    enabled, seen = [], []
    monkeypatch.setattr(ThreadWorker, "set_accept_enabled", lambda self, on: enabled.append(on))
    busy, listener = worker(2), Listener()
    busy.accept(listener)
    busy._back_until = 1.0  # long past
    monkeypatch.setattr(ThreadWorker, "wait_for_and_dispatch_events",
                        lambda self, timeout: (seen.append(self._accept_now), self.accept(listener)))
    busy.wait_for_and_dispatch_events(1.0)
    assert enabled == [False, True] and seen == [True] and listener.accepted == 1
    assert not busy._accept_now and not busy._back_until


def test_old_connections_are_closed_after_a_response(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(serving.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(ThreadWorker, "handle_request", lambda self, req, conn: True)
    w, conn = worker(1), types.SimpleNamespace()
    first, later = types.SimpleNamespace(must_close=False), types.SimpleNamespace(must_close=False)
    w.handle_request(first, conn)
    now[0] += BalancedThreadWorker.MAX_CONNECTION_AGE + 1
    w.handle_request(later, conn)
    assert not first.must_close and later.must_close


def test_the_heartbeat_is_sent_once_a_second(monkeypatch):
    now, sent = [100.0], []
    monkeypatch.setattr(serving.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(ThreadWorker, "notify", lambda self: sent.append(now[0]))
    w = worker()
    for step in range(30):
        now[0] += 0.1
        w.notify()
    assert len(sent) == 3
