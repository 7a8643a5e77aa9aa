"""How `lrs serve` hands requests to the app (lrs/rsgi.py, under Granian): bodies read before any
thread is used, within their deadline; xAPI reads answered in the event loop, everything else in a
thread; answers whole or streamed; old keep-alive connections closed after an answer.

Granian's own objects (scope, protocol) are stood in for by the small classes below (named as
such): the real server is exercised end to end in tests/e2e (test_slow_clients.py, test_server.py).
"""

from __future__ import annotations

import asyncio
import threading

from lrs import rsgi
from lrs.rsgi import Bridge


class Headers(dict):
    """Stand-in for Granian's RSGIHeaders (lower-case names; items(), get(), in)."""

    def items(self):
        return list(super().items())


class Scope:
    """Stand-in for Granian's RSGI scope."""

    proto, http_version, scheme = "http", "1.1", "http"
    server, client = "127.0.0.1:8080", "127.0.0.1:50000"

    def __init__(self, method="GET", path="/xapi/statements", query="", headers=None, client=None):
        self.method, self.path, self.query_string = method, path, query
        self.headers = Headers(headers or {})
        self.client = client or Scope.client


class Proto:
    """Stand-in for Granian's RSGI HTTP protocol: a body that arrives in ``chunks`` (or never)."""

    def __init__(self, chunks=(), never=False):
        self.chunks, self.never = list(chunks), never
        self.answer = None
        self.streamed = []

    async def __call__(self):
        if self.never:
            await asyncio.sleep(3600)
        return b"".join(self.chunks)

    def __aiter__(self):
        return self._iterate()

    async def _iterate(self):
        for chunk in self.chunks:
            yield chunk
        if self.never:
            await asyncio.sleep(3600)

    def response_bytes(self, status, headers, body):
        self.answer = (status, dict(headers), body)

    def response_stream(self, status, headers):
        self.answer = (status, dict(headers), None)
        proto = self

        class Transport:
            async def send_bytes(self, data):
                proto.streamed.append(data)

        return Transport()


def recording_app(body=b'{"ok": true}', headers=None, iterable=None):
    seen = []

    def app(environ, start_response):
        seen.append((environ, threading.current_thread().name, environ["wsgi.input"].read()))
        start_response("200 OK", headers or [("Content-Type", "application/json"),
                                             ("Content-Length", str(len(body)))])
        return iterable if iterable is not None else [body]

    app.seen = seen
    return app


def serve(bridge: Bridge, scope: Scope, proto: Proto):
    async def run():
        bridge.__rsgi_init__(asyncio.get_running_loop())
        await bridge.__rsgi__(scope, proto)

    asyncio.run(run())
    return proto.answer


def bridge(app, **options) -> Bridge:
    return Bridge(app, **{"threads": 2, "body_timeout": 5, "max_body_bytes": 1000, "inline_prefix": "/xapi/",
                          **options})


def test_a_body_that_does_not_arrive_in_time_is_answered_408_and_the_connection_closed():
    app = recording_app()
    status, headers, _ = serve(bridge(app, body_timeout=0.2),
                               Scope("PUT", headers={"content-length": "10"}), Proto([b"{"], never=True))
    assert status == 408 and headers["connection"] == "close"
    assert app.seen == []  # the app (and a thread) never saw it


def test_a_chunked_body_that_stops_is_answered_408():
    status, _, _ = serve(bridge(recording_app(), body_timeout=0.2),
                         Scope("POST", headers={"transfer-encoding": "chunked"}), Proto([b"[1"], never=True))
    assert status == 408


def test_the_whole_body_reaches_the_app_with_its_length_and_headers():
    app = recording_app()
    scope = Scope("POST", "/xapi/statements", "a=1&b=%20", {"content-length": "7", "content-type": "application/json",
                                                           "x-experience-api-version": "1.0.3",
                                                           "authorization": "Basic eDp5"})
    status, _, body = serve(bridge(app), scope, Proto([b"[1,", b"2,3]"]))
    environ, thread, received = app.seen[0]
    assert status == 200 and body == b'{"ok": true}'
    assert received == b"[1,2,3]" and environ["CONTENT_LENGTH"] == "7"
    assert environ["CONTENT_TYPE"] == "application/json"
    assert environ["HTTP_X_EXPERIENCE_API_VERSION"] == "1.0.3" and environ["HTTP_AUTHORIZATION"] == "Basic eDp5"
    assert environ["QUERY_STRING"] == "a=1&b=%20" and environ["REQUEST_METHOD"] == "POST"
    assert (environ["REMOTE_ADDR"], environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("127.0.0.1", "127.0.0.1",
                                                                                        "8080")
    assert thread.startswith("lrs")  # a write runs in a thread of the pool


def test_a_body_over_the_limit_is_not_read_and_the_app_sees_its_length():
    app = recording_app()
    proto = Proto(never=True)  # reading it would wait for ever
    serve(bridge(app, max_body_bytes=100), Scope("POST", headers={"content-length": "5000"}), proto)
    environ, _, received = app.seen[0]
    assert environ["CONTENT_LENGTH"] == "5000" and received == b""


def test_a_chunked_body_over_the_limit_stops_being_read():
    app = recording_app()
    serve(bridge(app, max_body_bytes=10), Scope("POST", headers={"transfer-encoding": "chunked"}),
          Proto([b"x" * 8, b"x" * 8], never=True))
    environ, _, received = app.seen[0]
    assert int(environ["CONTENT_LENGTH"]) > 10 and received == b""


def test_xapi_reads_run_in_the_event_loop_other_requests_in_threads():
    app = recording_app()
    b = bridge(app)
    serve(b, Scope("GET", "/xapi/statements"), Proto())
    serve(b, Scope("GET", "/space/"), Proto())
    serve(b, Scope("GET", "/xapi/about"), Proto())
    serve(bridge(app, inline_prefix=""), Scope("GET", "/xapi/statements"), Proto())  # MongoDB: never inline
    threads = [thread for _, thread, _ in app.seen]
    assert threads[0] == threads[2] == "MainThread"
    assert threads[1].startswith("lrs") and threads[3].startswith("lrs")


def test_percent_decoded_paths_reach_the_app_as_wsgi_latin_1():
    app = recording_app()
    serve(bridge(app), Scope("GET", "/space/é"), Proto())
    assert app.seen[0][0]["PATH_INFO"] == "/space/é".encode().decode("latin-1")


def test_large_or_unsized_answers_are_streamed_and_closed():
    closed = []

    class Body:
        def __iter__(self):
            return iter([b"a" * 10, b"", b"b" * 5])

        def close(self):
            closed.append(True)

    app = recording_app(headers=[("Content-Type", "application/zip")], iterable=Body())
    proto = Proto()
    status, _, body = serve(bridge(app), Scope("GET", "/space/archive"), proto)
    assert status == 200 and body is None and proto.streamed == [b"a" * 10, b"b" * 5] and closed == [True]


def test_a_generator_answer_that_sets_its_status_on_its_first_step():
    def app(environ, start_response):
        start_response("201 Created", [("Content-Length", "2")])
        yield b"ok"

    status, _, body = serve(bridge(app), Scope("POST", headers={"content-length": "0"}), Proto())
    assert (status, body) == (201, b"ok")


def test_an_old_connection_is_closed_after_an_answer(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(rsgi.time, "monotonic", lambda: now[0])
    b = bridge(recording_app())
    _, first, _ = serve(b, Scope(client="10.0.0.1:4000"), Proto())
    now[0] += rsgi.MAX_CONNECTION_AGE + 1
    _, later, _ = serve(b, Scope(client="10.0.0.1:4000"), Proto())
    _, other, _ = serve(b, Scope(client="10.0.0.2:4000"), Proto())
    assert "connection" not in first and later["connection"] == "close" and "connection" not in other


def test_a_worker_settles_its_app_so_full_collections_skip_it(monkeypatch, tmp_path):
    """The objects a worker builds before serving are frozen out of the collector's full passes
    (rsgi.settle), so each pass walks only what requests made."""
    import gc

    from lrs import files

    monkeypatch.setenv("LRS_HOME", str(tmp_path))
    monkeypatch.setattr(files, "private_process", lambda: None)  # leave the test process's umask alone
    monkeypatch.setattr(rsgi, "SERVING", None)
    gc.unfreeze()
    try:
        bridge = rsgi.app()
        assert gc.get_freeze_count() > 0
        # frozen objects are in no generation: the Flask app built before settling is not walked
        assert not any(obj is bridge.app for obj in gc.get_objects())
    finally:
        gc.unfreeze()
